"""Kaplan-Meier and log-rank, checked by hand and on Telco."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics_kit.churn import kaplan_meier_by_segment
from analytics_kit.exceptions import DataValidationError, UndefinedMetricWarning


def test_kaplan_meier_by_hand() -> None:
    frame = pd.DataFrame({"t": [1, 2, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0, 1]})
    res = kaplan_meier_by_segment(frame, duration_col="t", event_col="e")
    s = res.curves.set_index("time")["retention"]
    # S(1) = 5/6; S(2) = 5/6 * 4/5 = 2/3; S(3) = 2/3 * 2/3 = 4/9; S(5) = 0
    assert s[1.0] == pytest.approx(5 / 6)
    assert s[2.0] == pytest.approx(2 / 3)
    assert s[3.0] == pytest.approx(4 / 9)
    assert s[5.0] == pytest.approx(0.0)
    assert res.medians["median"].iloc[0] == 3.0  # first t with S(t) <= 0.5
    assert np.isnan(res.logrank_p_value)


def test_logrank_by_hand() -> None:
    # A churns at 1 and 3, B at 2 and 4. Expected churners of A:
    # t=1: 2/4, t=2: 1/3, t=3: 1/2, t=4: 0 -> E = 4/3, O = 2.
    # Variances n_A n_B d (n-d) / (n^2 (n-1)): 0.25 + 2/9 + 0.25 + 0 = 13/18.
    # chi2 = (2 - 4/3)^2 / (13/18) = 8/13
    frame = pd.DataFrame(
        {"t": [1, 3, 2, 4], "e": [1, 1, 1, 1], "g": ["A", "A", "B", "B"]}
    )
    res = kaplan_meier_by_segment(
        frame, duration_col="t", event_col="e", segment_col="g"
    )
    assert res.logrank_statistic == pytest.approx(8 / 13)
    assert res.logrank_p_value == pytest.approx(stats.chi2.sf(8 / 13, 1))
    assert res.logrank_df == 1
    assert res.medians.set_index("segment").loc["A", "churners"] == 2


def test_segment_without_churners_warns() -> None:
    frame = pd.DataFrame(
        {"t": [1, 2, 3, 4], "e": [1, 1, 0, 0], "g": ["a", "a", "b", "b"]}
    )
    with pytest.warns(UndefinedMetricWarning, match="'b' has no churner"):
        res = kaplan_meier_by_segment(
            frame, duration_col="t", event_col="e", segment_col="g"
        )
    assert np.isnan(res.medians.set_index("segment").loc["b", "median"])


def test_negative_duration_is_refused() -> None:
    frame = pd.DataFrame({"t": [1, -2], "e": [1, 0]})
    with pytest.raises(DataValidationError, match="negative"):
        kaplan_meier_by_segment(frame, duration_col="t", event_col="e")


def test_telco_retention_by_contract(telco: pd.DataFrame) -> None:
    res = kaplan_meier_by_segment(
        telco, duration_col="tenure", event_col="Churn", segment_col="Contract"
    )
    # S(1) for everyone on month-to-month = 1 - d1 / n1 from the raw table
    m2m = telco[telco["Contract"] == "Month-to-month"]
    n1 = (m2m["tenure"] >= 1).sum()
    d1 = ((m2m["tenure"] == 1) & (m2m["Churn"] == "Yes")).sum()
    curve = res.curves[res.curves["segment"] == "Month-to-month"].set_index("time")
    assert curve.loc[1.0, "retention"] == pytest.approx(1 - d1 / n1)
    med = res.medians.set_index("segment")
    assert med.loc["Month-to-month", "churners"] == 1655
    assert med.loc["Month-to-month", "low"] <= med.loc["Month-to-month", "median"]
    assert np.isnan(med.loc["Two year", "median"])  # 97 % of two-year customers stay
    assert res.logrank_df == 2 and res.logrank_p_value < 1e-10
