"""Historical CLV: seed formula factors, realised per customer, SaaS with trailing churn."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from analytics_kit.exceptions import ApproximationWarning, UndefinedMetricWarning
from analytics_kit.metrics import historical_clv, saas_clv


@pytest.fixture
def tx() -> pd.DataFrame:
    # a: 2 orders (100, 50); b: 1 order (30); 2023-01-01 .. 2023-12-31 observed
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "timestamp": pd.to_datetime(
                ["2023-01-01", "2023-07-02", "2023-03-01", "2024-02-01"]
            ),
            "amount": [100.0, 50.0, 30.0, 999.0],  # the last row is after as_of
            "order_id": ["o1", "o2", "o3", "o4"],
        }
    )


def test_realised(tx):
    res = historical_clv(tx, as_of="2023-12-31", gross_margin=0.5)
    # margin per customer: a 75, b 15 -> mean 45; t interval with n = 2
    assert res.value == pytest.approx(45.0)
    half = stats.t.ppf(0.975, 1) * pd.Series([75.0, 15.0]).std() / math.sqrt(2)
    assert res.ci == pytest.approx((45 - half, 45 + half))


def test_seed_formula_factors(tx):
    res = historical_clv(tx, as_of="2023-12-31", method="seed", lifespan_years=3)
    d = res.details
    # APV = 180 / 3 orders = 60; years observed = 365 days / 365.25;
    # frequency = 3 orders / 2 customers / 0.99932 = 1.50103 per year
    assert d["average_purchase_value"] == pytest.approx(60.0)
    assert d["purchase_frequency_per_year"] == pytest.approx(1.5 / (365 / 365.25))
    assert res.value == pytest.approx(60 * 1.5 / (365 / 365.25) * 3)
    with pytest.warns(ApproximationWarning):
        derived = historical_clv(tx, as_of="2023-12-31", method="seed")
    # spans: a 182 days, b 0 -> mean 91 days
    assert derived.details["lifespan_years"] == pytest.approx(91 / 365.25)


def test_saas_trailing_churn():
    # 100 customers from 2023-01-01; one cancels in each of Jun and Nov 2023
    cust = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(100)],
            "acquisition_date": pd.Timestamp("2022-12-01"),
            "cancellation_date": [
                pd.Timestamp("2023-06-10"),
                pd.Timestamp("2023-11-03"),
            ]
            + [pd.NaT] * 98,
        }
    )
    res = saas_clv(
        cust,
        as_of="2024-01-15",
        arpa_monthly=50.0,
        gross_margin=0.8,
        trailing_months=12,
    )
    # months Jan-Dec 2023: start counts 100 x 6 (Jan-Jun), 99 x 5 (Jul-Nov), 98 (Dec)
    # = 1,193; 2 cancellations -> churn 2/1,193; LTV = 40 / (2/1,193) = 23,860
    assert res.details["monthly_churn"] == pytest.approx(2 / 1193)
    assert res.value == pytest.approx(40 * 1193 / 2)
    with pytest.warns(UndefinedMetricWarning):
        none = saas_clv(
            cust,
            as_of="2023-06-01",
            arpa_monthly=50.0,
            gross_margin=0.8,
            trailing_months=3,
        )
    assert math.isnan(none.value)
