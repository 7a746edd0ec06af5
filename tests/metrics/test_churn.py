"""Churn: the issue's March example under three definitions, series, Telco, inactivity."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics_kit.exceptions import DataValidationError, UndefinedMetricWarning
from analytics_kit.metrics import (
    churn_by,
    churn_rate,
    churn_series,
    inactivity_churn,
    wilson_interval,
)

from .conftest import TELCO_END, TELCO_START


@pytest.mark.parametrize(
    ("definition", "num", "den", "shown"),
    [
        ("start_cohort", 8, 100, "8.0%"),  # 8 / 100
        ("all_over_start_plus_new", 10, 110, "9.1%"),  # (8 + 2) / (100 + 10)
        ("all_over_start", 10, 100, "10.0%"),  # (8 + 2) / 100
    ],
)
def test_march_definitions(march, definition, num, den, shown):
    res = churn_rate(march, start="2024-03-01", end="2024-04-01", definition=definition)
    assert res.value == pytest.approx(num / den)
    assert f"{res.value:.1%}" == shown
    assert (res.numerator, res.denominator) == (num, den)
    assert res.metric == f"churn_rate[{definition}]"
    assert res.details["definition_name"] == definition
    assert res.details["active_at_start"] == 100 and res.details["new_customers"] == 10


def test_default_is_start_cohort_with_wilson(march):
    res = churn_rate(march, start="2024-03-01", end="2024-04-01")
    assert res.metric == "churn_rate[start_cohort]"
    assert "active at the start" in res.definition
    # Wilson 95% for 8/100: z = 1.96; centre (0.08 + 0.019208) / 1.038416 = 0.095538;
    # half = 1.96 sqrt(0.0736/100 + 0.000096) / 1.038416 = 0.054445 -> (0.0411, 0.1500)
    assert res.ci[0] == pytest.approx(0.0411, abs=5e-5)
    assert res.ci[1] == pytest.approx(0.1500, abs=5e-5)


def test_wilson_known_values():
    # Wilson (1927) / Newcombe (1998) example: 81/263 -> (0.2553, 0.3662)
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert wilson_interval(0, 10)[0] == 0.0
    assert all(math.isnan(v) for v in wilson_interval(1, 0))


def test_monthly_series(march):
    with pytest.warns(UndefinedMetricWarning):  # January: nobody active at start
        out = churn_series(march, start="2024-01-01", end="2024-05-01")
    assert list(out["period_start"].dt.month) == [1, 2, 3, 4]
    by_month = out.set_index(out["period_start"].dt.month)
    assert math.isnan(by_month.loc[1, "churn_rate"])
    assert by_month.loc[2, "churn_rate"] == 0.0  # 100 active, 0 cancel
    assert by_month.loc[3, "churn_rate"] == pytest.approx(0.08)
    # April: 92 + 8 still active at the start, none cancel
    assert by_month.loc[4, "denominator"] == 100 and by_month.loc[4, "churn_rate"] == 0


def test_boundaries_are_half_open():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "acquisition_date": pd.to_datetime(
                ["2024-03-01", "2024-02-01", "2024-02-01"]
            ),
            "cancellation_date": pd.to_datetime([None, "2024-03-01", "2024-04-01"]),
        }
    )
    res = churn_rate(frame, start="2024-03-01", end="2024-04-01")
    # a acquired on the start day is new; b cancels on the start day (counts);
    # c cancels on the end day (next period)
    assert res.details["new_customers"] == 1
    assert (res.numerator, res.denominator) == (1, 2)


def test_bad_arguments(march):
    with pytest.raises(DataValidationError, match="definition"):
        churn_rate(march, start="2024-03-01", end="2024-04-01", definition="vendor")
    with pytest.raises(DataValidationError, match="end"):
        churn_rate(march, start="2024-03-01", end="2024-03-01")
    with pytest.raises(DataValidationError, match="cancellation_date"):
        churn_rate(
            march.drop(columns="cancellation_date"),
            start="2024-03-01",
            end="2024-04-01",
        )


def test_no_customers_is_nan_with_warning(march):
    with pytest.warns(UndefinedMetricWarning):
        res = churn_rate(march, start="2023-01-01", end="2023-02-01")
    assert math.isnan(res.value)


def test_telco_by_contract(telco_customers, telco_raw):
    out = churn_by(telco_customers, by="contract", start=TELCO_START, end=TELCO_END)
    # reference straight from the file: churned / customers with tenure >= 1
    old = telco_raw[telco_raw["tenure"] > 0]
    expected = old.groupby("Contract")["Churn"].apply(lambda s: (s == "Yes").mean())
    got = out.set_index("contract")["churn_rate"]
    pd.testing.assert_series_equal(got, expected, check_names=False)
    # over start plus new = the familiar per-contract churn of the whole file:
    # 1655/3875 = 42.7%, 166/1473 = 11.3%, 48/1695 = 2.8%
    allnew = churn_by(
        telco_customers,
        by="contract",
        start=TELCO_START,
        end=TELCO_END,
        definition="all_over_start_plus_new",
    ).set_index("contract")["churn_rate"]
    assert allnew["Month-to-month"] == pytest.approx(1655 / 3875)
    assert allnew["One year"] == pytest.approx(166 / 1473)
    assert allnew["Two year"] == pytest.approx(48 / 1695)
    total = churn_rate(
        telco_customers,
        start=TELCO_START,
        end=TELCO_END,
        definition="all_over_start_plus_new",
    )
    assert total.value == pytest.approx(1869 / 7043)  # 26.5%


def _tx(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows]),
            "amount": 1.0,
        }
    )


def test_inactivity_given_window():
    tx = _tx(
        [
            ("a", "2024-01-01"),
            ("a", "2024-06-20"),
            ("b", "2024-01-10"),
            ("c", "2024-04-01"),
            ("d", "2024-07-05"),
        ]
    )  # d after as_of: ignored
    res = inactivity_churn(tx, as_of="2024-06-30", window_days=90)
    # days since last purchase at 2024-06-30: a 10, b 172, c 90 (not > 90)
    assert (res.numerator, res.denominator) == (1, 3)
    assert res.details["window_days"] == 90 and res.details["window_source"] == "given"


def test_inactivity_derived_window():
    # gaps (days): a: 10, 20; b: 30 -> 4 customers; 90th percentile (linear) of
    # [10, 20, 30] = 20 + 0.8 * 10 = 28 -> window 28 days
    tx = _tx(
        [
            ("a", "2024-01-01"),
            ("a", "2024-01-11"),
            ("a", "2024-01-31"),
            ("b", "2024-01-01"),
            ("b", "2024-01-31"),
            ("c", "2024-02-01"),
            ("e", "2024-01-05"),
        ]
    )
    res = inactivity_churn(tx, as_of="2024-02-29", window_percentile=0.9)
    assert res.details["window_days"] == 28
    assert "90%" in res.details["window_source"]
    # since: a 29, b 29, c 28, e 55 -> churned a, b, e
    assert (res.numerator, res.denominator) == (3, 4)


def test_inactivity_one_purchase_each_is_nan():
    with pytest.warns(UndefinedMetricWarning):
        res = inactivity_churn(_tx([("a", "2024-01-01")]), as_of="2024-03-01")
    assert math.isnan(res.value)


def test_inactivity_on_online_retail(retail):
    tx = retail["germany"]
    res = inactivity_churn(tx, as_of="2011-12-09", window_days=180)
    last = tx.groupby("customer_id")["timestamp"].max().dt.normalize()
    expected = ((pd.Timestamp("2011-12-09") - last).dt.days > 180).mean()
    assert res.value == pytest.approx(expected)
    assert res.denominator == tx["customer_id"].nunique()
