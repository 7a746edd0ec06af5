"""CAC: the issue's worked cases, paid vs blended, channels, lag, payback, LTV:CAC."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics_kit.engine import as_table
from analytics_kit.exceptions import DataValidationError, UndefinedMetricWarning
from analytics_kit.metrics import (
    cac,
    cac_by,
    cac_payback_months,
    historical_clv,
    ltv_to_cac,
)


@pytest.fixture
def spend() -> pd.DataFrame:
    # Jan: search 6,000 + social 4,000; Feb: search 3,000; Mar: search 2,000 + social 1,000
    return pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2024-01-03", "2024-01-20", "2024-02-10", "2024-03-01", "2024-03-15"]
            ),
            "channel": ["search", "social", "search", "search", "social"],
            "spend": [6000.0, 4000.0, 3000.0, 2000.0, 1000.0],
        }
    )


@pytest.fixture
def customers() -> pd.DataFrame:
    # Jan: 50 search, 30 social, 20 organic (100); Feb: none;
    # Mar: 10 search, 5 social, 5 organic (20)
    blocks = [
        ("2024-01-15", "search", 50),
        ("2024-01-16", "social", 30),
        ("2024-01-17", "organic", 20),
        ("2024-03-05", "search", 10),
        ("2024-03-06", "social", 5),
        ("2024-03-07", "organic", 5),
    ]
    rows = [(f"{ch}{day}{i}", day, ch) for day, ch, n in blocks for i in range(n)]
    frame = pd.DataFrame(
        rows, columns=["customer_id", "acquisition_date", "acquisition_channel"]
    )
    frame["acquisition_date"] = pd.to_datetime(frame["acquisition_date"])
    return frame


def test_10000_on_100_is_100(spend, customers):
    res = cac(spend, customers, start="2024-01-01", end="2024-02-01")
    assert res.value == pytest.approx(100.00)  # 10,000 / 100
    assert f"{res.value:.2f}" == "100.00"
    assert (res.numerator, res.denominator) == (10000.0, 100.0)
    assert res.ci is None and res.metric == "cac[blended]"


def test_month_without_new_customers_is_nan_with_warning(spend, customers):
    with pytest.warns(UndefinedMetricWarning):
        res = cac(spend, customers, start="2024-02-01", end="2024-03-01")
    assert math.isnan(res.value) and res.numerator == 3000.0
    with pytest.warns(UndefinedMetricWarning, match="1 group"):
        monthly = cac_by(
            spend, customers, by="period", start="2024-01-01", end="2024-04-01"
        )
    assert monthly["cac"].tolist()[0] == pytest.approx(100.0)
    assert math.isnan(monthly["cac"].tolist()[1])
    assert monthly["cac"].tolist()[2] == pytest.approx(150.0)  # 3,000 / 20


def test_blended_over_months_is_ratio_of_sums(spend, customers):
    res = cac(spend, customers, start="2024-01-01", end="2024-04-01")
    # 16,000 / 120 = 133.33, not the mean of monthly CACs (100 + 150) / 2 = 125
    assert res.value == pytest.approx(16000 / 120)
    assert res.value != pytest.approx(125.0)


def test_paid_and_by_channel(spend, customers):
    paid = cac(spend, customers, start="2024-01-01", end="2024-04-01", kind="paid")
    # paid customers 50 + 30 + 10 + 5 = 95: 16,000 / 95 = 168.42
    assert paid.value == pytest.approx(16000 / 95)
    assert paid.details["paid_channels"] == ["search", "social"]
    by = cac_by(spend, customers, by="channel", start="2024-01-01", end="2024-04-01")
    by = by.set_index("channel")["cac"]
    assert by["search"] == pytest.approx(11000 / 60)  # 183.33
    assert by["social"] == pytest.approx(5000 / 35)  # 142.86
    assert by["organic"] == 0.0


def test_spend_rows_choice_and_lag(spend, customers):
    media = cac(
        spend,
        customers,
        start="2024-01-01",
        end="2024-04-01",
        spend_channels=["search"],
    )
    assert media.value == pytest.approx(11000 / 120)
    # lag 1: Jan spend (10,000) meets Feb customers, Feb spend (3,000) meets March's;
    # window Feb-Mar: 13,000 / 20 = 650
    lagged = cac(spend, customers, start="2024-02-01", end="2024-04-01", lag_periods=1)
    assert lagged.value == pytest.approx(650.0)
    with pytest.raises(DataValidationError, match="lag_periods"):
        cac(spend, customers, start="2024-01-01", end="2024-04-01", lag_periods=-1)


def test_accepts_ibis_tables_and_does_not_mutate(spend, customers):
    before = spend.copy()
    res = cac(
        as_table(spend), as_table(customers), start="2024-01-01", end="2024-02-01"
    )
    assert res.value == pytest.approx(100.0)
    pd.testing.assert_frame_equal(spend, before)


def test_payback_and_ltv_to_cac(spend, customers):
    c = cac(spend, customers, start="2024-01-01", end="2024-02-01")
    pb = cac_payback_months(c, monthly_revenue_per_customer=25.0, gross_margin=0.8)
    assert pb.value == pytest.approx(5.0)  # 100 / (25 x 0.8)
    ratio = ltv_to_cac(300.0, c, ltv_definition="3-year margin, undiscounted")
    assert ratio.value == pytest.approx(3.0)
    assert "3-year margin" in ratio.definition
    with pytest.raises(DataValidationError, match="ltv_definition"):
        ltv_to_cac(300.0, c)
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "amount": [200.0, 400.0],
            "timestamp": pd.to_datetime(["2024-01-02", "2024-01-03"]),
        }
    )
    clv = historical_clv(tx, as_of="2024-01-31")
    named = ltv_to_cac(clv, c)
    assert named.value == pytest.approx(3.0)  # mean 300 / 100
    assert "historical_clv[realised]" in named.definition
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(ltv_to_cac(clv, 0.0).value)
