"""Engagement: ratio of sums, variants, stickiness, active share; Complete Journey."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics_kit.exceptions import DataQualityWarning, UndefinedMetricWarning
from analytics_kit.metrics import (
    active_share,
    engagement_by,
    engagement_rate,
    stickiness,
)


def test_ratio_of_sums_not_mean_of_ratios():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "channel": "instagram",
            "reach": [1000.0, 10.0],
            "interactions": [100.0, 5.0],
        }
    )
    res = engagement_rate(frame)
    # (100 + 5) / (1,000 + 10) = 105 / 1,010 = 10.4%, not mean(10%, 50%) = 30%
    assert res.value == pytest.approx(105 / 1010)
    assert f"{res.value:.1%}" == "10.4%"
    assert res.metric == "engagement_rate[reach]"


def test_variants_and_interaction_parts():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-01"]),
            "channel": ["fb", "fb", "ig"],
            "reach": [100.0, 100.0, 50.0],
            "impressions": [400.0, 200.0, 100.0],
            "followers": [1000.0, 1000.0, 500.0],
            "likes": [10.0, 4.0, 5.0],
            "comments": [2.0, None, 1.0],
        }
    )
    # interactions = likes + comments (missing = 0): 12, 4, 6 -> 22
    assert engagement_rate(frame).value == pytest.approx(22 / 250)
    assert engagement_rate(frame, basis="impressions").value == pytest.approx(22 / 700)
    res = engagement_rate(frame, basis="followers")
    assert res.value == pytest.approx(22 / 2500)
    assert "follower" in res.definition and res.details["interaction_cols"] == [
        "likes",
        "comments",
    ]
    by = engagement_by(frame, by="channel").set_index("channel")["engagement_rate"]
    assert by["fb"] == pytest.approx(16 / 200) and by["ig"] == pytest.approx(6 / 50)
    per = engagement_by(frame, by="period")
    assert per["engagement_rate"].tolist() == pytest.approx([16 / 200, 6 / 50])
    jan = engagement_rate(frame, start="2024-01-01", end="2024-02-01")
    assert jan.value == pytest.approx(16 / 200)


def test_missing_reach_rows_excluded_and_zero_reach_nan():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "channel": "x",
            "reach": [None, 0.0],
            "interactions": [50.0, 0.0],
        }
    )
    with (
        pytest.warns(DataQualityWarning, match="1 row"),
        pytest.warns(UndefinedMetricWarning),
    ):
        res = engagement_rate(frame)
    assert math.isnan(res.value)


def test_stickiness_and_active_share():
    # 3-day window ending 2024-01-03: a active 3 days, b 1 day; c active before
    rows = [
        ("a", "2024-01-01"),
        ("a", "2024-01-02"),
        ("a", "2024-01-03 10:00"),
        ("a", "2024-01-03 11:00"),
        ("b", "2024-01-02"),
        ("c", "2023-12-01"),
        ("d", "2024-01-04"),
    ]  # d is after as_of
    act = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "event_type": "login",
        }
    )
    res = stickiness(act, as_of="2024-01-03", window_days=3)
    # DAU = 1, 2, 1 -> mean 4/3; MAU = 2 -> 2/3
    assert res.value == pytest.approx((4 / 3) / 2)
    assert res.details["mau"] == 2
    share = active_share(act, as_of="2024-01-03", window_days=3)
    assert (share.numerator, share.denominator) == (2, 3)  # a, b of a, b, c
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "e"],
            "acquisition_date": pd.to_datetime(["2023-01-01"] * 4),
        }
    )
    share = active_share(act, as_of="2024-01-03", window_days=3, customers=customers)
    assert (share.numerator, share.denominator) == (2, 4)


def _campaign_engagement(journey) -> pd.DataFrame:
    """One row per campaign: reach = households sent it, interactions = redemptions."""
    desc = journey["campaign_descriptions"]
    reach = journey["campaigns"].groupby("campaign_id").size().rename("reach")
    red = (
        journey["coupon_redemptions"]
        .groupby("campaign_id")
        .size()
        .rename("interactions")
    )
    frame = desc.join(reach, on="campaign_id").join(red, on="campaign_id")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(frame["start_date"]),
            "channel": frame["campaign_type"],
            "reach": frame["reach"].astype(float),
            "interactions": frame["interactions"].fillna(0).astype(float),
        }
    )


def test_complete_journey_campaign_engagement(journey):
    eng = _campaign_engagement(journey)
    overall = engagement_rate(eng)
    assert overall.numerator == len(journey["coupon_redemptions"])
    assert overall.denominator == len(journey["campaigns"])
    by = engagement_by(eng, by="channel").set_index("channel")
    g = eng.groupby("channel")[["interactions", "reach"]].sum()
    pd.testing.assert_series_equal(
        by["engagement_rate"], g["interactions"] / g["reach"], check_names=False
    )
    # the mean of per-campaign ratios is a different (wrong) number
    assert overall.value != pytest.approx((eng["interactions"] / eng["reach"]).mean())
    monthly = engagement_by(eng, by="period", freq="M")
    assert monthly["interactions"].sum() == overall.numerator
