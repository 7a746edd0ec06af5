"""NPS: worked cases from the issue, dirty values, intervals, change, real ratings."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics_kit.exceptions import DataQualityWarning, UndefinedMetricWarning
from analytics_kit.metrics import nps, nps_by, nps_change, nps_trend


def test_10_9_0_is_33_3_not_rounded_parts():
    # 2 promoters, 1 detractor of 3: 100 * (2 - 1) / 3 = 33.33 (not 67 - 33 = 34)
    res = nps([10, 9, 0])
    assert res.value == pytest.approx(100 / 3)
    assert f"{res.value:.1f}" == "33.3"
    assert (res.promoters, res.passives, res.detractors, res.n) == (2, 0, 1, 3)


def test_passives_stay_in_denominator_and_6_is_detractor():
    # promoters 9, 10, 10 (3); passives 7, 8 (2); detractor 6 (1): 100 * 2 / 6
    res = nps([9, 10, 10, 7, 8, 6])
    assert res.value == pytest.approx(100 * 2 / 6)
    assert f"{res.value:.1f}" == "33.3"
    assert (res.promoters, res.passives, res.detractors) == (3, 2, 1)


def test_dirty_text_values():
    # valid 10, 9, 7 -> 2 promoters, 0 detractors of 3: 66.67; "#ERROR!" and "11"
    # invalid; "" blank
    with pytest.warns(DataQualityWarning, match="2 value"):
        res = nps(["10", "9", "#ERROR!", "", "11", "7"])
    assert res.n == 3
    assert res.value == pytest.approx(200 / 3)
    assert f"{res.value:.1f}" == "66.7"
    assert (res.n_invalid, res.n_blank) == (2, 1)


def test_non_integers_none_nan_and_bools_are_never_zero():
    with pytest.warns(DataQualityWarning):
        res = nps([8.5, None, np.nan, True, -1, " 9 ", 0])
    # valid: " 9 " (promoter), 0 (detractor); invalid 8.5, True, -1; blanks None, nan
    assert (res.n, res.promoters, res.detractors) == (2, 1, 1)
    assert (res.n_invalid, res.n_blank) == (3, 2)
    assert res.value == 0.0


def test_margin_of_error_from_multinomial_variance():
    # p = 2/3, d = 1/3: var = p + d - (p - d)^2 = 1 - 1/9 = 8/9;
    # se = 100 * sqrt(8/9 / 3) = 54.43; moe95 = 1.959964 * 54.43 = 106.68
    res = nps([10, 9, 0])
    assert res.standard_error == pytest.approx(100 * math.sqrt(8 / 27))
    assert res.margin_of_error == pytest.approx(
        1.959964 * 100 * math.sqrt(8 / 27), rel=1e-6
    )
    # low = 33.33 - 106.68 = -73.35; high = 140.0 clipped to 100
    assert res.ci[0] == pytest.approx(100 / 3 - res.margin_of_error)
    assert res.ci[1] == 100.0


def test_interval_covers_truth_in_simulation():
    # 600 samples of 400 responses with shares 50/30/20: true NPS 30.
    rng = np.random.default_rng(7)
    cover = 0
    for _ in range(600):
        scores = rng.choice([10, 8, 3], size=400, p=[0.5, 0.3, 0.2])
        lo, hi = nps(scores).ci
        cover += lo <= 30 <= hi
    assert 0.92 <= cover / 600 <= 0.98


def test_empty_input_is_nan_with_warning():
    with pytest.warns(UndefinedMetricWarning):
        res = nps([])
    assert math.isnan(res.value) and res.n == 0
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(nps(["", None]).value)


def test_result_is_frozen_and_does_not_mutate_input():
    frame = pd.DataFrame({"score": ["10", "x", "3"]})
    before = frame.copy()
    with pytest.warns(DataQualityWarning):
        res = nps(frame)
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.value = 0  # type: ignore[misc]
    assert "promoters score 9-10" in res.definition


def test_nps_change_significance():
    # before: 50 promoters, 50 detractors (NPS 0, var 1 -> se 10);
    # after: 80 promoters, 20 detractors (NPS 60, var 1 - 0.36 = 0.64 -> se 8).
    # se diff = sqrt(100 + 64) = 12.806; z = 60 / 12.806 = 4.685
    before = [10] * 50 + [0] * 50
    after = [10] * 80 + [0] * 20
    ch = nps_change(before, after)
    assert ch.value == pytest.approx(60.0)
    assert ch.standard_error == pytest.approx(math.sqrt(164))
    assert ch.z == pytest.approx(60 / math.sqrt(164))
    assert ch.significant and ch.p_value < 1e-5
    assert ch.ci[0] == pytest.approx(60 - 1.959964 * math.sqrt(164), rel=1e-6)
    small = nps_change([10, 0, 8], [10, 0, 9])  # 0 -> 33.3 on 3 responses each
    assert not small.significant


def test_makeschool_overall(makeschool):
    # value counts of "Rating (Num)": 10: 376, 9: 384 -> 760 promoters; 8: 392,
    # 7: 177 -> 569 passives; 0-6: 2+2+2+8+13+35+59 = 121 detractors; 3 "#ERROR!".
    # NPS = 100 * (760 - 121) / 1450 = 44.07
    with pytest.warns(DataQualityWarning, match="3 value"):
        res = nps(makeschool, score_col="Rating (Num)")
    assert (res.promoters, res.passives, res.detractors) == (760, 569, 121)
    assert res.n_invalid == 3 and res.n_blank == 0
    assert res.value == pytest.approx(100 * 639 / 1450)


def _independent(frame: pd.DataFrame, key: str) -> pd.Series:
    s = pd.to_numeric(frame["Rating (Num)"], errors="coerce")
    ok = frame[s.notna()].assign(s=s[s.notna()])
    g = ok.groupby(key)["s"]
    return 100 * (g.apply(lambda x: (x >= 9).mean() - (x <= 6).mean()))


def test_makeschool_by_week_and_track(makeschool):
    by_week = nps_by(makeschool, by="Week", score_col="Rating (Num)")
    expected = _independent(makeschool, "Week")
    got = by_week.set_index("Week")["nps"]
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert by_week["n"].sum() == 1450 and by_week["n_invalid"].sum() == 3
    by_track = nps_by(makeschool, by="Track", score_col="Rating (Num)")
    got = by_track.set_index("Track")["nps"]
    pd.testing.assert_series_equal(
        got, _independent(makeschool, "Track"), check_names=False
    )
    assert set(by_track["Track"]) == set(makeschool["Track"])  # blank track kept
    # the interval narrows with n: Week 1 (n~288) narrower than Week 8 (n=9)
    moe = by_week.set_index("Week")["margin_of_error"]
    assert moe["Week 1"] < moe["Week 8"]


def test_makeschool_week1_vs_week7_change(makeschool):
    w = makeschool["Week"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        ch = nps_change(
            makeschool.loc[w == "Week 1", "Rating (Num)"],
            makeschool.loc[w == "Week 7", "Rating (Num)"],
        )
    assert ch.value == pytest.approx(ch.after.value - ch.before.value)
    assert ch.significant == (ch.p_value < 0.05)


def test_trend_by_month():
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-05", "2024-01-31", "2024-02-01"]),
            "score": [10, 0, 9],
        }
    )
    out = nps_trend(frame, freq="M")
    assert list(out["period"]) == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-02-01"),
    ]
    assert list(out["nps"]) == [0.0, 100.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=60), st.integers(0, 5))
def test_property_formula_and_blanks_ignored(scores, blanks):
    res = nps([*scores, *([""] * blanks)])
    pro = sum(s >= 9 for s in scores)
    det = sum(s <= 6 for s in scores)
    assert res.value == pytest.approx(100 * (pro - det) / len(scores))
    assert -100 <= res.ci[0] <= res.value <= res.ci[1] <= 100
    assert res.n_blank == blanks and res.n == len(scores)
