"""rfm_summary: the issue's worked cases, exclusions, units and engine inputs."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from analytics_kit.clv import rfm_exclusions, rfm_summary
from analytics_kit.exceptions import DataQualityWarning, DataValidationError


def _tx(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def test_same_day_duplicates_are_one_occasion() -> None:
    # c1 buys twice on 2012-01-06 only: one occasion, so frequency 0, recency 0;
    # T = 2012-12-31 - 2012-01-06 = 25 (rest of Jan) + 29 (leap Feb) + 306
    #   (Mar..Dec: 31+30+31+30+31+31+30+31+30+31) = 360 days.
    tx = _tx([("c1", "2012-01-06 09:00", 5.0), ("c1", "2012-01-06 17:30", 7.0)])
    out = rfm_summary(tx, as_of="2012-12-31", time_unit="day")
    assert out.loc["c1", "frequency"] == 0
    assert out.loc["c1", "recency"] == 0
    assert out.loc["c1", "T"] == 360
    assert np.isnan(out.loc["c1", "monetary_value"])  # no repeat occasion
    assert out.loc["c1", "average_order_value"] == 12.0  # 5 + 7 on one day


def test_holdout_spend_uses_the_per_day_rule() -> None:
    # 10 on 01-04; 20 + 30 on 01-10 (one occasion of 50); 40 + 60 on 02-03 (100).
    tx = _tx(
        [
            ("a", "2021-01-04", 10.0),
            ("a", "2021-01-10", 20.0),
            ("a", "2021-01-10", 30.0),
            ("a", "2021-02-03", 40.0),
            ("a", "2021-02-03", 60.0),
        ]
    )
    out = rfm_summary(
        tx, as_of="2021-02-28", calibration_end="2021-01-31", time_unit="day"
    )
    row = out.loc["a"]
    assert row["frequency"] == 1
    assert row["monetary_value"] == 50.0  # the one repeat occasion: 20 + 30
    assert row["average_order_value"] == 30.0  # (10 + 50) / 2
    assert row["frequency_holdout"] == 1
    assert row["monetary_value_holdout"] == 100.0  # one occasion of 100, not 50
    assert row["duration_holdout"] == 28  # 02-28 - 01-31
    assert row["recency"] == 6 and row["T"] == 27


def test_no_amount_column_and_first_seen_in_holdout() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "n"],
            "timestamp": pd.to_datetime(
                ["2019-04-01", "2019-04-20", "2019-05-20", "2019-05-25"]
            ),
        }
    )
    out = rfm_summary(
        tx, as_of="2019-06-10", calibration_end="2019-04-30", time_unit="day"
    )
    # a: repeat on 04-20 -> recency 19, T = 04-30 - 04-01 = 29; holdout 05-20 ->
    # 1 occasion; holdout duration 06-10 - 04-30 = 31 + 10 = 41 days.
    assert list(out.index) == ["a"]
    assert out.loc["a", ["frequency", "recency", "T"]].tolist() == [1, 19, 29]
    assert out.loc["a", "frequency_holdout"] == 1
    assert out.loc["a", "duration_holdout"] == 41
    assert "monetary_value" not in out.columns
    assert out.attrs["exclusions"]["customers_first_seen_in_holdout"] == 1


def test_weeks_and_months_are_continuous() -> None:
    tx = _tx([("a", "2020-01-01", 1.0), ("a", "2020-01-11", 2.0)])
    weeks = rfm_summary(tx, as_of="2020-03-01", time_unit="week")
    months = rfm_summary(tx, as_of="2020-03-01", time_unit="month")
    # recency 10 days; T = 31 + 29 (leap Feb) = 60 days.
    assert weeks.loc["a", "recency"] == pytest.approx(10 / 7)
    assert weeks.loc["a", "T"] == pytest.approx(60 / 7)
    assert months.loc["a", "recency"] == pytest.approx(10 / (365.25 / 12))
    assert months.loc["a", "T"] == pytest.approx(60 / 30.4375)
    assert months.attrs["time_unit"] == "month"


def test_refunds_net_per_day_and_negative_days_are_not_occasions() -> None:
    tx = _tx(
        [
            ("a", "2021-01-01", 30.0),
            ("a", "2021-01-05", 50.0),
            ("a", "2021-01-05", -20.0),  # same-day refund: occasion of 30
            ("a", "2021-01-09", -30.0),  # refund on its own day: not an occasion
            ("b", "2021-01-02", 10.0),
            ("b", "2021-01-02", -10.0),  # nets to zero: not an occasion
            ("b", "2021-01-03", 5.0),
        ]
    )
    out = rfm_summary(tx, as_of="2021-01-31", time_unit="day")
    assert out.loc["a", "frequency"] == 1 and out.loc["a", "monetary_value"] == 30
    assert out.loc["a", "recency"] == 4
    assert out.loc["b", "frequency"] == 0 and out.loc["b", "T"] == 28
    ex = out.attrs["exclusions"]
    assert ex["customer_days_negative_spend"] == 1
    assert ex["customer_days_zero_spend"] == 1
    kept = rfm_summary(
        tx, as_of="2021-01-31", time_unit="day", keep_zero_spend_days=True
    )
    assert kept.loc["b", "frequency"] == 1 and kept.loc["b", "T"] == 29


def test_bad_rows_and_late_rows_are_counted_and_warned() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", None, "b", "c", "a"],
            "timestamp": pd.to_datetime(
                ["2021-01-01", "2021-01-02", None, "2021-01-03", "2021-03-01"]
            ),
            "amount": [1.0, 2.0, 3.0, np.nan, 4.0],
        }
    )
    with pytest.warns(DataQualityWarning, match="rows_missing_customer_id=1"):
        out = rfm_summary(tx, as_of="2021-01-31")
    table = rfm_exclusions(out).set_index("reason")
    counts = table["count"].to_dict()
    assert counts["rows_total"] == 5
    assert counts["rows_missing_customer_id"] == 1
    assert counts["rows_missing_date"] == 1
    assert counts["rows_missing_amount"] == 1
    assert counts["rows_after_as_of"] == 1
    assert list(out.index) == ["a"] and out.loc["a", "frequency"] == 0
    # every reason comes with its offending rows; midnight shows as a date
    assert table["examples"].to_dict() == {
        "rows_total": [],
        "rows_missing_customer_id": [
            "customer_id=<missing>, timestamp=2021-01-02, amount=2.0"
        ],
        "rows_missing_date": ["customer_id=b, timestamp=<missing>, amount=3.0"],
        "rows_missing_amount": [
            "customer_id=c, timestamp=2021-01-03, amount=<missing>"
        ],
        "rows_after_as_of": ["customer_id=a, timestamp=2021-03-01, amount=4.0"],
        "customer_days_zero_spend": [],
        "customer_days_negative_spend": [],
        # b's and c's only rows were dropped: they never reach the customer stage
        "customers_without_occasion": [],
        "customers_first_seen_in_holdout": [],
    }


def test_exclusion_examples_are_bounded_and_the_smallest() -> None:
    # Seven customers whose only day nets to zero (z7 .. z1: not occasions), a
    # customer n with two refund days, and five rows of "a" after as_of.
    rows = [(f"z{i}", "2021-01-10", 0.0) for i in range(7, 0, -1)]
    rows += [("n", "2021-01-12", -4.0), ("n", "2021-01-08", -2.5)]
    rows += [("a", "2021-01-01", 1.0)]
    rows += [("a", f"2021-02-0{d}", float(d)) for d in (5, 1, 4, 2, 3)]
    tx = _tx(rows)
    out = rfm_summary(tx, as_of="2021-01-31", time_unit="day")
    ex = out.attrs["exclusion_examples"]
    assert out.attrs["exclusions"]["customers_without_occasion"] == 8  # z1..z7, n
    # up to 5 ids, the smallest: "n" < "z1" < ... < "z4"
    assert ex["customers_without_occasion"] == ["n", "z1", "z2", "z3", "z4"]
    # n's first refund day is 8 Jan (net -2.5), not the row listed first
    assert ex["customer_days_negative_spend"] == ["n on 2021-01-08 (net -2.50)"]
    assert ex["customer_days_zero_spend"] == [
        f"z{i} on 2021-01-10" for i in range(1, 6)
    ]
    # up to 3 rows, the earliest of the five after as_of
    assert out.attrs["exclusions"]["rows_after_as_of"] == 5
    assert ex["rows_after_as_of"] == [
        f"customer_id=a, timestamp=2021-02-0{d}, amount={d}.0" for d in (1, 2, 3)
    ]
    assert ex["rows_missing_amount"] == []
    shown = rfm_exclusions(out).set_index("reason")["examples"]
    assert shown["customers_without_occasion"] == ex["customers_without_occasion"]


def test_holdout_customers_are_named_and_examples_use_the_input_columns() -> None:
    tx = pd.DataFrame(
        {
            "cust": [3, 1, 2, 2],
            "ts": ["2021-01-02 10:15:00", "2021-02-03", "2021-02-04", None],
        }
    )
    with pytest.warns(DataQualityWarning, match=r"e\.g\. cust=2, ts=<missing>"):
        out = rfm_summary(
            tx,
            as_of="2021-02-28",
            calibration_end="2021-01-31",
            customer_col="cust",
            date_col="ts",
        )
    ex = out.attrs["exclusion_examples"]
    assert list(out.index) == ["3"]
    assert ex["customers_first_seen_in_holdout"] == ["1", "2"]
    # no amount column: the row is shown with the columns it has
    assert ex["rows_missing_date"] == ["cust=2, ts=<missing>"]


def test_ibis_input_and_input_not_mutated(cdnow_transactions: pd.DataFrame) -> None:
    before = cdnow_transactions.copy()
    table = ibis.memtable(cdnow_transactions.head(500))
    from_ibis = rfm_summary(table, as_of="1997-09-30")
    from_pandas = rfm_summary(cdnow_transactions.head(500), as_of="1997-09-30")
    pd.testing.assert_frame_equal(from_ibis, from_pandas)
    pd.testing.assert_frame_equal(cdnow_transactions, before)


def test_string_dates_and_custom_columns() -> None:
    tx = pd.DataFrame(
        {"cust": ["x", "x"], "when": ["2021-01-01", "2021-01-08"], "eur": [1.0, 3.0]}
    )
    out = rfm_summary(
        tx,
        as_of="2021-01-15",
        customer_col="cust",
        date_col="when",
        amount_col="eur",
    )
    assert out.loc["x", ["frequency", "recency", "T"]].tolist() == [1, 1.0, 2.0]
    assert out.loc["x", "monetary_value"] == 3.0


def test_cdnow_sample_shape(cdnow_summary: pd.DataFrame) -> None:
    # FHL (2005a): 2,357 customers, 1,411 without repeat purchases in the
    # 39-week calibration period; the 39-week holdout (to 1998-06-30) has 1,882
    # repeat transactions (FHL 2005a, fig. 3 / lifetimes' holdout summary).
    assert len(cdnow_summary) == 2357
    assert int((cdnow_summary["frequency"] == 0).sum()) == 1411
    assert int(cdnow_summary["frequency_holdout"].sum()) == 1882
    assert cdnow_summary["duration_holdout"].iloc[0] == 39.0  # 273 days / 7


def test_errors() -> None:
    tx = _tx([("a", "2021-01-01", 1.0)])
    with pytest.raises(DataValidationError, match="calibration_end"):
        rfm_summary(tx, as_of="2021-01-31", calibration_end="2021-02-01")
    with pytest.raises(DataValidationError, match="time_unit"):
        rfm_summary(tx, as_of="2021-01-31", time_unit="fortnight")
    with pytest.raises(DataValidationError, match="as_of"):
        rfm_summary(tx, as_of=None)
    with pytest.raises(DataValidationError, match="'spend'"):
        rfm_summary(tx, as_of="2021-01-31", amount_col="spend")
    with pytest.raises(DataValidationError, match="no customer"):
        rfm_summary(tx, as_of="2020-12-31")
