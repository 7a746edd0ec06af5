"""Point-in-time features: values by hand, and no leakage from after the cutoff."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_kit.churn import nps_class, point_in_time_features
from analytics_kit.engine import as_table

TX = pd.DataFrame(
    {
        "customer_id": ["A", "A", "A", "A", "B", "C"],
        "timestamp": pd.to_datetime(
            [
                "2024-01-01 10:00",
                "2024-03-01 12:00",
                "2024-03-15 00:00",
                "2024-04-10 00:00",  # after the cutoff
                "2024-03-31 18:00",
                "2024-04-02 00:00",  # C only buys after the cutoff
            ]
        ),
        "amount": [100.0, 50.0, -20.0, 999.0, 30.0, 10.0],
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
    }
)


def test_features_by_hand() -> None:
    f = point_in_time_features(TX, cutoff="2024-04-01", trend_window_days=30)
    assert f["customer_id"].tolist() == ["A", "B"]
    a, b = f.iloc[0], f.iloc[1]
    # A: last purchase Mar 1 12:00 -> Apr 1 00:00 = 30.5 days
    assert a["recency_days"] == pytest.approx(30.5)
    # first purchase Jan 1 10:00 -> Apr 1 = 31 + 29 + 31 = 91 days - 10 h
    assert a["tenure_days"] == pytest.approx(91 - 10 / 24)
    assert a["frequency"] == 2
    assert a["total_spend"] == pytest.approx(130.0)  # 100 + 50 - 20 (return)
    assert a["avg_order_value"] == pytest.approx(75.0)  # (100 + 50) / 2
    # last 30 days = [Mar 2, Apr 1): nothing; prior 30 days = [Jan 31, Mar 2): 50
    assert a["spend_last_30d"] == 0.0
    assert a["spend_prior_30d"] == pytest.approx(50.0)
    assert a["spend_trend"] == pytest.approx(-50.0)
    # Jan 1 10:00 -> Mar 1 12:00 = 60 days 2 h, over 1 gap
    assert a["mean_days_between_purchases"] == pytest.approx(60 + 2 / 24)
    assert a["returned_orders"] == 1
    assert b["recency_days"] == pytest.approx(0.25)
    assert np.isnan(b["mean_days_between_purchases"])


def test_customer_nps_and_activity_join() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "acquisition_date": pd.to_datetime(["2023-12-01", "2024-03-30"]),
            "acquisition_channel": ["search", "social"],
            "cancellation_date": pd.to_datetime(["2024-05-01", None]),
            "region": ["north", "south"],
        }
    )
    nps = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-04-15"]),
            "score": [3.0, 9.0, 0.0],  # A: 3 then 9 (latest before cutoff), B after
            "customer_id": ["A", "A", "B"],
        }
    )
    activity = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B"],
            "timestamp": pd.to_datetime(
                ["2023-12-01", "2024-03-20", "2024-04-05", "2024-05-01"]
            ),
            "event_type": ["login"] * 4,
        }
    )
    f = point_in_time_features(
        TX,
        cutoff="2024-04-01",
        customers=customers,
        nps_responses=nps,
        activity=activity,
        trend_window_days=30,
    ).set_index("customer_id")
    assert "cancellation_date" not in f.columns  # the outcome never becomes a feature
    assert f.loc["A", "acquisition_channel"] == "search"
    assert f.loc["B", "region"] == "south"
    assert f.loc["A", "nps_class"] == "promoter"
    assert f.loc["B", "nps_class"] == "no response"
    assert f.loc["A", "activity_events"] == 2  # Dec 1 and Mar 20
    assert f.loc["A", "activity_events_last_30d"] == 1  # Mar 20 only
    assert f.loc["B", "activity_events"] == 0


def test_nps_class_boundaries() -> None:
    got = nps_class(pd.Series([0, 6, 7, 8, 9, 10, np.nan]))
    assert got.tolist() == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
        "no response",
    ]


def test_ibis_table_input_gives_the_same_features() -> None:
    a = point_in_time_features(TX, cutoff="2024-04-01")
    b = point_in_time_features(as_table(TX), cutoff="2024-04-01")
    pd.testing.assert_frame_equal(a, b)


def test_moving_one_post_cutoff_transaction_changes_no_feature(
    retail_de: pd.DataFrame,
) -> None:
    cutoff = pd.Timestamp("2011-09-01")
    before = point_in_time_features(retail_de, cutoff=cutoff)
    after_rows = retail_de.index[retail_de["timestamp"] >= cutoff]
    assert len(after_rows) > 0
    # a customer with history before the cutoff, so the row could leak into their features
    known = set(before["customer_id"])
    row = next(i for i in after_rows if retail_de.at[i, "customer_id"] in known)
    moved = retail_de.copy()
    moved.loc[row, "timestamp"] = retail_de.at[row, "timestamp"] + pd.Timedelta(days=40)
    moved.loc[row, "amount"] = retail_de.at[row, "amount"] * 10
    pd.testing.assert_frame_equal(point_in_time_features(moved, cutoff=cutoff), before)
    # and the same for a row placed exactly at the cutoff (strictly before is the rule)
    moved.loc[row, "timestamp"] = cutoff
    pd.testing.assert_frame_equal(point_in_time_features(moved, cutoff=cutoff), before)
    # dropping every post-cutoff row changes nothing either
    pd.testing.assert_frame_equal(
        point_in_time_features(
            retail_de[retail_de["timestamp"] < cutoff], cutoff=cutoff
        ),
        before,
    )
    # power check: the same row moved one minute before the cutoff does change features
    moved.loc[row, "timestamp"] = cutoff - pd.Timedelta(minutes=1)
    changed = point_in_time_features(moved, cutoff=cutoff)
    assert not changed.equals(before)


def test_online_retail_germany_features(retail_de: pd.DataFrame) -> None:
    cutoff = pd.Timestamp("2011-09-01")
    f = point_in_time_features(retail_de, cutoff=cutoff).set_index("customer_id")
    assert len(f) == 72
    # customer 12471 recomputed from the raw lines
    rows = retail_de[
        (retail_de["customer_id"] == "12471") & (retail_de["timestamp"] < cutoff)
    ]
    buys = rows[rows["amount"] > 0]
    assert f.loc["12471", "frequency"] == buys["order_id"].nunique()
    assert f.loc["12471", "total_spend"] == pytest.approx(rows["amount"].sum())
    last = buys["timestamp"].max()
    assert f.loc["12471", "recency_days"] == pytest.approx(
        (cutoff - last) / pd.Timedelta(days=1)
    )
    assert (
        f.loc["12471", "returned_orders"]
        == rows.loc[rows["amount"] < 0, "order_id"].nunique()
    )
