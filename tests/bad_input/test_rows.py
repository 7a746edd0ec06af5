"""Rows the loader reads, excludes with a count and examples, or refuses.

Corpus cases (issue 8, "Data"): day-first dates with every day <= 12, mixed date
formats, rows with a missing id or date, amounts ``"12,50"``, ``"$10"``, blank and
NaN, duplicated rows, rows after ``as_of``; each exclusion appears in the
data-quality summary with a count and examples, and kept + excluded = read.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from analytics_kit.exceptions import DataQualityWarning, DataValidationError
from tests.bad_input._corpus import FILES, excluded_rows, load, parts, quality


def test_day_first_dates_are_read_with_the_configured_format():
    kept = load("day-first").table("transactions").to_pandas()
    assert kept["timestamp"].dt.strftime("%Y-%m-%d").tolist() == [
        "2014-03-08",  # 08/03/2014: 8 March, never 3 August
        "2014-02-01",
        "2014-11-12",
        "2014-04-03",
    ]
    assert kept["amount"].tolist() == [10.0, 20.0, 5.5, 7.25]


def test_day_first_dates_without_a_format_are_refused_not_guessed():
    with pytest.raises(DataValidationError) as err:
        load("day-first-unconfigured")
    msg = parts(err.value)
    assert "day_first.csv" in msg.what and "'timestamp'" in msg.what
    assert "4 value(s) that do not match the date format 'ISO 8601" in msg.found
    assert msg.examples[0] == "line 2: '08/03/2014'"
    assert "'%d/%m/%Y' for day-first dates" in msg.fix


def test_mixed_date_formats_are_an_error_naming_examples():
    with pytest.raises(DataValidationError) as err:
        load("mixed-dates")
    msg = parts(err.value)
    assert (
        msg.what == f"file {FILES / 'mixed_dates.csv'}, column 'timestamp' (timestamp)"
    )
    assert "2 value(s) that do not match the date format '%d/%m/%Y'" in msg.found
    assert "mix date formats" in msg.found
    assert msg.examples == ("line 3: '2014-03-09'", "line 4: '9.3.2014'")
    assert "set date_format" in msg.fix


@pytest.fixture(scope="module")
def dirty():
    return load("dirty")


def test_each_dirty_row_is_excluded_with_its_reason_and_count(dirty):
    # dirty_rows.csv, 14 data rows (file lines 2-15), as_of 2024-03-31:
    assert quality(dirty) == {
        "read": 14,
        "missing customer id": 2,  # lines 3 (blank) and 4 (spaces only)
        "missing timestamp": 1,  # line 5
        "after as_of": 2,  # lines 13 (1 April) and 14 (30 June)
        "missing amount": 2,  # lines 8 (blank) and 9 (NaN)
        "non-numeric amount": 2,  # lines 6 ("12,50") and 7 ("$10")
        "non-finite amount": 1,  # line 10 (inf)
        "exact duplicate": 1,  # line 11 repeats line 2
        "kept": 3,  # a (line 2), h at 23:59:59 on as_of (12), k's refund (15)
    }


def test_dirty_row_examples_quote_the_file_lines(dirty):
    dq = dirty.data_quality().set_index("reason")
    assert dq.loc["missing customer id", "examples"] == [
        "line 3: |2024-01-06|11.00|web",
        "line 4:    |2024-01-06|11.50|web",
    ]
    assert dq.loc["missing timestamp", "examples"] == ["line 5: b||12.00|shop"]
    assert dq.loc["non-numeric amount", "examples"] == [
        "line 6: c|2024-01-07|12,50|web",
        "line 7: d|2024-01-08|$10|web",
    ]
    assert dq.loc["missing amount", "examples"] == [
        "line 8: e|2024-01-09||shop",
        "line 9: f|2024-01-10|NaN|shop",
    ]
    assert dq.loc["non-finite amount", "examples"] == ["line 10: g|2024-01-11|inf|web"]
    assert dq.loc["exact duplicate", "examples"] == ["line 11: a|2024-01-05|10.00|web"]
    assert dq.loc["after as_of", "examples"] == [
        "line 13: i|2024-04-01|13.00|web",
        "line 14: j|2024-06-30|14.00|shop",
    ]
    assert dq.loc["after as_of", "summary"] == "2 excluded: after as_of"


def test_dirty_rows_kept_are_exactly_the_clean_ones(dirty):
    kept = dirty.table("transactions").to_pandas()
    assert kept["customer_id"].tolist() == ["a", "h", "k"]
    assert kept["amount"].tolist() == [10.0, 4.0, -5.0]  # a refund is a legal row
    assert kept["timestamp"].iloc[1] == pd.Timestamp("2024-03-31 23:59:59")
    assert excluded_rows(dirty, "transactions") + len(kept) == 14


def test_an_earlier_as_of_moves_rows_to_after_as_of(dirty):
    client = load("dirty", as_of="2024-01-09")
    counts = quality(client)
    # Rows dated after 9 January: f (10 Jan, also NaN), g (11 Jan, also inf), h,
    # i, j, k. Reasons are checked in order, so f and g count as after as_of.
    assert counts["after as_of"] == 6
    assert counts["missing amount"] == 1  # e only
    assert "non-finite amount" not in counts
    assert counts["kept"] == 1  # a on 5 January
    assert counts["kept"] + excluded_rows(client, "transactions") == counts["read"]


def test_values_containing_the_example_separator_are_not_duplicates():
    # pipes.csv: "shop|web","o1" and "shop","web|o1" print alike in the examples
    # but are different rows; only line 4, which repeats line 3, is a duplicate.
    client = load("pipes")
    assert quality(client) == {"read": 3, "exact duplicate": 1, "kept": 2}
    kept = client.table("transactions").to_pandas()
    assert kept["channel"].tolist() == ["shop|web", "shop"]
    assert kept["order_id"].tolist() == ["o1", "web|o1"]


def test_a_file_whose_every_row_is_excluded_gives_an_empty_table_and_a_warning():
    with pytest.warns(DataQualityWarning, match="every one of its 14 rows"):
        client = load("dirty", as_of="2000-01-01")
    # Every row is missing something or after as_of; the table is empty, typed.
    kept = client.table("transactions").to_pandas()
    assert kept.empty
    assert list(kept.columns) == ["customer_id", "timestamp", "amount", "channel"]
    assert quality(client)["kept"] == 0
    assert excluded_rows(client, "transactions") == 14


def test_loading_clean_files_raises_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the kit's warnings
        load("day-first")
