"""Retention: CRR, cohort matrices (calendar months, NaN cells), revenue retention,
repeat rates; Telco by contract and Online Retail Germany/France."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics_kit.exceptions import DataQualityWarning
from analytics_kit.metrics import (
    cohort_retention,
    crr_from_counts,
    repeat_purchase_rate,
    retention_by,
    retention_rate,
    revenue_retention,
)

from .conftest import RETAIL_AS_OF, TELCO_END, TELCO_START


def test_crr_from_counts():
    # 100 at start, 100 at end of whom 10 new: (100 - 10) / 100 = 90%
    res = crr_from_counts(
        customers_at_start=100, customers_at_end=100, new_customers=10
    )
    assert res.value == pytest.approx(0.9)
    assert res.ci[0] < 0.9 < res.ci[1]


def test_negative_crr_warns():
    # S = 10, 50 new, 12 of the new and 9 of the start cancel: E = 1 + 38 = 39;
    # (39 - 50) / 10 = -1.1
    with pytest.warns(DataQualityWarning, match="negative"):
        res = crr_from_counts(
            customers_at_start=10, customers_at_end=39, new_customers=50
        )
    assert res.value == pytest.approx(-1.1)
    assert all(math.isnan(v) for v in res.ci)


def test_retention_rate_march(march):
    res = retention_rate(march, start="2024-03-01", end="2024-04-01")
    # E = 100 - 8 + 10 - 2 = 100, N = 10, S = 100 -> 0.90 (= 1 - 10/100)
    assert res.details == {
        "customers_at_start": 100,
        "customers_at_end": 100,
        "new_customers": 10,
    }
    assert res.value == pytest.approx(0.90)


def test_telco_retention_by_contract(telco_customers, telco_raw):
    out = retention_by(telco_customers, by="contract", start=TELCO_START, end=TELCO_END)
    old = telco_raw[telco_raw["tenure"] > 0]
    expected = old.groupby("Contract")["Churn"].apply(lambda s: (s == "No").mean())
    got = out.set_index("contract")["retention_rate"]
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert (out["ci_low"] < out["retention_rate"]).all()


def _tx(rows):
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
        }
    )


def test_jan31_then_feb1_is_period_1():
    tx = _tx([("A", "2024-01-31 23:00", 10.0), ("A", "2024-02-01 08:00", 5.0)])
    mat = cohort_retention(tx, as_of="2024-02-29")
    assert mat.loc[pd.Timestamp("2024-01-01"), 0] == 1.0
    assert mat.loc[pd.Timestamp("2024-01-01"), 1] == 1.0  # period 1, not period 0
    counts = cohort_retention(tx, as_of="2024-02-29", normalize=False)
    assert counts.loc[pd.Timestamp("2024-01-01"), 1] == 1


def test_unobserved_cells_nan_and_unique_customers():
    tx = _tx(
        [
            ("a", "2024-01-03", 10.0),
            ("a", "2024-01-20", 10.0),  # two buys, one customer
            ("b", "2024-01-10", 20.0),
            ("a", "2024-03-02", 5.0),
            ("c", "2024-02-14", 7.0),
            ("d", "2024-03-31", 1.0),  # d: last-month cohort
        ]
    )
    mat = cohort_retention(tx, as_of="2024-03-31")
    jan, feb, mar = (pd.Timestamp(f"2024-0{m}-01") for m in (1, 2, 3))
    # Jan cohort {a, b}: Feb none -> 0 (observed), Mar a -> 1/2
    assert mat.loc[jan].tolist() == [1.0, 0.0, 0.5]
    assert (
        mat.loc[feb, 0] == 1.0
        and mat.loc[feb, 1] == 0.0
        and math.isnan(mat.loc[feb, 2])
    )
    assert mat.loc[mar, 0] == 1.0 and mat.loc[mar, [1, 2]].isna().all()
    assert list(mat.columns) == [0, 1, 2]
    counts = cohort_retention(tx, as_of="2024-03-31", normalize=False)
    assert counts.loc[jan, 0] == 2  # a counted once in January


def test_revenue_retention_net_and_gross():
    # cohort Jan: a spends 100 then 150 (expansion), b spends 100 then 0
    tx = _tx(
        [
            ("a", "2024-01-05", 100.0),
            ("b", "2024-01-06", 100.0),
            ("a", "2024-02-05", 150.0),
        ]
    )
    net = revenue_retention(tx, as_of="2024-02-29", kind="net")
    gross = revenue_retention(tx, as_of="2024-02-29", kind="gross")
    jan = pd.Timestamp("2024-01-01")
    assert net.loc[jan, 1] == pytest.approx(150 / 200)  # 0.75
    assert gross.loc[jan, 1] == pytest.approx(100 / 200)  # a capped at 100: 0.50
    assert net.loc[jan, 0] == gross.loc[jan, 0] == 1.0
    rev = cohort_retention(tx, as_of="2024-02-29", value="revenue")
    assert rev.loc[jan, 1] == pytest.approx(0.75)


def test_acquisition_cohorts_count_non_buyers():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "z"],
            "acquisition_date": pd.to_datetime(
                ["2024-01-10", "2024-01-20", "2024-01-25", "2024-02-03"]
            ),
        }
    )
    tx = _tx(
        [("a", "2024-01-11", 1.0), ("a", "2024-02-11", 1.0), ("b", "2024-02-01", 1.0)]
    )
    mat = cohort_retention(tx, as_of="2024-02-29", customers=customers)
    # cohort Jan has 3 acquired; Jan active {a} = 1/3, Feb {a, b} = 2/3
    jan = pd.Timestamp("2024-01-01")
    assert mat.loc[jan, 0] == pytest.approx(1 / 3)
    assert mat.loc[jan, 1] == pytest.approx(2 / 3)
    # Feb cohort {z} never bought: a row of observed zeros, not a missing row
    feb = pd.Timestamp("2024-02-01")
    assert mat.loc[feb, 0] == 0.0 and mat.loc[feb].isna().sum() == 1


def test_input_not_mutated():
    tx = _tx([("a", "2024-01-05", 1.0)])
    before = tx.copy()
    cohort_retention(tx, as_of="2024-01-31")
    pd.testing.assert_frame_equal(tx, before)


def _independent_cohorts(tx: pd.DataFrame, as_of: str) -> pd.DataFrame:
    month = tx["timestamp"].dt.year * 12 + tx["timestamp"].dt.month
    first = month.groupby(tx["customer_id"]).transform("min")
    frame = pd.DataFrame({"c": first, "k": month - first, "id": tx["customer_id"]})
    counts = frame.groupby(["c", "k"])["id"].nunique().unstack(fill_value=0)
    share = counts.div(counts[0], axis=0)
    end = pd.Timestamp(as_of).year * 12 + pd.Timestamp(as_of).month
    for c in share.index:
        share.loc[c, share.columns > end - c] = np.nan
    return share


@pytest.mark.parametrize("country", ["germany", "france"])
def test_online_retail_cohorts(retail, country):
    tx = retail[country]
    mat = cohort_retention(tx, as_of=RETAIL_AS_OF)
    ref = _independent_cohorts(tx, RETAIL_AS_OF)
    np.testing.assert_allclose(
        mat.to_numpy(), ref.reindex(columns=mat.columns).to_numpy()
    )
    assert mat.index[0] == pd.Timestamp("2010-12-01")
    assert mat.shape[1] == 13  # Dec 2010 .. Dec 2011
    assert (mat[0] == 1.0).all()
    # the Dec-2011 cohort (if any) has only period 0 filled
    last = mat.iloc[-1]
    if mat.index[-1] == pd.Timestamp("2011-12-01"):
        assert last.iloc[1:].isna().all()
    # the first cohort is fully observed: no NaN
    assert mat.iloc[0].notna().all()


@pytest.mark.parametrize("country", ["germany", "france"])
def test_online_retail_repeat_rate(retail, country):
    tx = retail[country]
    res = repeat_purchase_rate(tx, as_of=RETAIL_AS_OF)
    orders = tx.groupby("customer_id")["order_id"].nunique()
    assert res.value == pytest.approx((orders >= 2).mean())
    assert res.denominator == len(orders)
    assert res.ci[0] < res.value < res.ci[1]
    assert res.details["order_key"] == "order_id"
