"""NPS scores of 11, -1, 7.5, "#ERROR!" and blank; a file without any valid score.

Corpus cases (issue 8, "Data"): invalid scores are excluded with counts (by the
loader from a file, by ``analytics_kit.metrics.nps`` from raw values); all-invalid
input gives NaN with a warning, never a crash.
"""

from __future__ import annotations

import math

import pytest

from analytics_kit.exceptions import DataQualityWarning, UndefinedMetricWarning
from tests.bad_input._corpus import excluded_rows, load, quality

metrics = pytest.importorskip("analytics_kit.metrics")

#: The scores of nps_invalid.csv as they appear in the file.
RAW = ["10", "9", "11", "-1", "7.5", "#ERROR!", "", "7", "0"]


def test_the_loader_excludes_each_invalid_score_with_its_reason():
    client = load("nps-invalid")
    assert quality(client) == {
        "read": 9,
        "score out of range 0-10": 2,  # 11 and -1
        "score not a whole number": 1,  # 7.5
        "non-numeric score": 1,  # #ERROR!
        "missing score": 1,  # blank: not a response
        "kept": 4,  # 10, 9, 7, 0
    }
    dq = client.data_quality().set_index("reason")
    assert dq.loc["non-numeric score", "examples"] == [
        "line 7: 2024-02-03|#ERROR!|b2b|spreadsheet error"
    ]


def test_nps_of_the_kept_scores():
    kept = load("nps-invalid").table("nps_responses")
    result = metrics.nps(kept)
    # 10, 9, 7, 0: 2 promoters, 1 passive, 1 detractor; 100 x (2 - 1) / 4 = 25.0
    assert (result.promoters, result.passives, result.detractors) == (2, 1, 1)
    assert result.value == pytest.approx(25.0)


def test_nps_of_raw_values_counts_invalid_and_blank_apart():
    with pytest.warns(DataQualityWarning, match="4 value"):
        result = metrics.nps(RAW)
    assert result.n == 4 and result.value == pytest.approx(25.0)
    assert result.n_invalid == 4  # 11, -1, 7.5, #ERROR! (never read as 0)
    assert result.n_blank == 1


def test_a_file_without_a_valid_score_loads_empty_and_nps_is_nan_with_a_warning():
    with pytest.warns(DataQualityWarning, match="every one of its 4 rows"):
        client = load("nps-all-invalid")
    assert quality(client)["kept"] == 0
    assert excluded_rows(client, "nps_responses") == 4
    with pytest.warns(UndefinedMetricWarning, match="no valid responses"):
        result = metrics.nps(client.table("nps_responses"))
    assert math.isnan(result.value) and result.n == 0


def test_all_invalid_raw_values_give_nan_with_a_warning():
    with (
        pytest.warns(UndefinedMetricWarning, match="no valid responses"),
        pytest.warns(DataQualityWarning, match="3 value"),
    ):
        result = metrics.nps(["11", "-1", "#ERROR!", "", None])
    assert math.isnan(result.value)
    assert (result.n, result.n_invalid, result.n_blank) == (0, 3, 2)
