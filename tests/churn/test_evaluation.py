"""Lift, calibration and the cross-validation interval, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from analytics_kit.churn import calibration_table, cv_interval, lift_table
from analytics_kit.churn.evaluation import risk_deciles


def test_lift_table_by_hand() -> None:
    # 10 customers, 5 groups of 2 ordered by risk; base rate = 4/10 = 0.4.
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    order = np.array([3, 7, 0, 9, 1, 5, 2, 8, 4, 6])  # shuffled input order
    table = lift_table(y[order], p[order], bins=5)
    assert table["customers"].tolist() == [2, 2, 2, 2, 2]
    # churners per group: {0.9, 0.8} -> 2, {0.7, 0.6} -> 1, {0.5, 0.4} -> 0,
    # {0.3, 0.2} -> 1, {0.1, 0.05} -> 0
    assert table["churners"].tolist() == [2, 1, 0, 1, 0]
    # lift = rate / 0.4: 1.0/0.4 = 2.5, 0.5/0.4 = 1.25, 0, 1.25, 0
    np.testing.assert_allclose(table["lift"], [2.5, 1.25, 0.0, 1.25, 0.0])
    # gain: 2/4, 3/4, 3/4, 4/4, 4/4
    np.testing.assert_allclose(
        table["cumulative_share_of_churners"], [0.5, 0.75, 0.75, 1.0, 1.0]
    )
    # cumulative lift after group 2: (3 churners / 4 customers) / 0.4 = 1.875
    assert table["cumulative_lift"].iloc[1] == pytest.approx(1.875)
    np.testing.assert_allclose(table["mean_predicted"], [0.85, 0.65, 0.45, 0.25, 0.075])


def test_risk_deciles_unequal_sizes() -> None:
    # n = 7, 3 groups: group = floor(rank * 3 / 7) -> ranks 0-2 -> 1, 3-4 -> 2, 5-6 -> 3
    groups = risk_deciles([0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1], bins=3)
    assert groups.tolist() == [1, 1, 1, 2, 2, 3, 3]


def test_calibration_table_orders_low_to_high() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    cal = calibration_table(y, p, bins=5)
    np.testing.assert_allclose(cal["mean_predicted"], [0.075, 0.25, 0.45, 0.65, 0.85])
    np.testing.assert_allclose(cal["observed_rate"], [0.0, 0.5, 0.0, 0.5, 1.0])


def test_cv_interval_by_hand() -> None:
    # mean 0.82; sample variance = (4+4+0+16+16)e-4 / 4 = 0.001;
    # corrected variance = (1/5 + 0.2/0.8) * 0.001 = 0.00045, se = 0.0212132;
    # t(4, 0.975) = 2.776445 -> half width 0.0588970
    low, high = cv_interval([0.80, 0.84, 0.82, 0.86, 0.78], test_fraction=0.2)
    assert low == pytest.approx(0.82 - 0.0588970, abs=1e-6)
    assert high == pytest.approx(0.82 + 0.0588970, abs=1e-6)


def test_cv_interval_single_fold_is_nan() -> None:
    assert all(np.isnan(cv_interval([0.8], test_fraction=0.5)))
