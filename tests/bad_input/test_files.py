"""Files that cannot be read: each is an error naming the file, what was found and the fix.

Corpus cases (issue 8, "Data"): empty file, header-only file, wrong delimiter, a file
that is not UTF-8, a 0-byte Parquet file, a wrong column mapping; plus a missing
file, a file of blank lines and text saved as ``.parquet``.
"""

from __future__ import annotations

import pytest

from analytics_kit.exceptions import DataValidationError
from tests.bad_input._corpus import FILES, load, parts


def _error(case: str):
    with pytest.raises(DataValidationError) as err:
        load(case)
    return parts(err.value)


def test_missing_file_names_the_path_and_the_configuration_key():
    msg = _error("missing-file")
    assert str(FILES / "does_not_exist.csv") in msg.what
    assert msg.found == "no such file"
    assert "path in the configuration" in msg.fix


def test_empty_file_is_an_error_naming_the_file():
    msg = _error("empty-csv")
    assert msg.what == f"file {FILES / 'empty.csv'}"
    assert msg.found == "an empty file (0 bytes)"
    assert "header row and at least one data row" in msg.allowed
    assert "re-export" in msg.fix


def test_file_of_blank_lines_is_empty_too():
    msg = _error("blank-lines")
    assert msg.what == f"file {FILES / 'blank_lines.csv'}"
    assert msg.found == "a file with only blank lines"


def test_header_only_file_has_no_data_rows():
    msg = _error("header-only")
    assert msg.what == f"file {FILES / 'header_only.csv'}"
    assert msg.found == "a header row and no data rows"
    assert "export filter" in msg.fix


def test_semicolon_file_with_decimal_commas_names_the_delimiter_to_set():
    # "12,50" gives the comma-separated reader two fields per data row against one
    # in the header; DuckDB then takes a data row for the header. The first line
    # of the file shows the real delimiter.
    msg = _error("semicolon")
    assert f"file {FILES / 'semicolon.csv'}" in msg.what
    assert "header line is split by ';'" in msg.found
    assert msg.fix == "set delimiter: ';' for this table in the configuration"


def test_semicolon_file_read_as_one_column_says_the_delimiter_looks_wrong():
    msg = _error("semicolon-whole")
    assert "semicolon_whole_amounts.csv" in msg.what
    assert "['customer_id;timestamp;amount']" in msg.found  # what the file has
    assert "delimiter looks wrong" in msg.found
    assert msg.fix == "set delimiter: ';' for this table in the configuration"


def test_semicolon_file_reads_once_the_delimiter_is_declared():
    kept = load("semicolon-declared").table("transactions").to_pandas()
    assert kept["amount"].tolist() == [12.0, 3.0]


def test_latin1_file_read_as_utf8_names_the_encoding_fix():
    msg = _error("latin1")
    assert msg.what == f"file {FILES / 'latin1.csv'}"
    assert msg.found.startswith("bytes that are not valid utf-8")
    assert "set encoding: latin-1" in msg.fix


def test_latin1_file_with_its_encoding_keeps_the_accents():
    kept = load("latin1-declared").table("customers").to_pandas()
    assert kept["name"].tolist() == ["José Müller", "Françoise Benoît"]


def test_zero_byte_parquet_is_an_empty_file():
    msg = _error("empty-parquet")
    assert msg.what == f"file {FILES / 'empty.parquet'}"
    assert msg.found == "an empty file (0 bytes)"


def test_text_named_parquet_is_refused_as_not_parquet():
    msg = _error("not-parquet")
    assert "not_parquet.parquet" in msg.what
    assert "cannot parse" in msg.found and "magic bytes" in msg.found
    assert "truncated or not Parquet" in msg.fix


def test_wrong_mapping_lists_the_columns_the_file_has():
    msg = _error("wrong-mapping")
    assert "renamed_columns.csv, column mapping" in msg.what
    assert "['Date']" in msg.found  # the mapped name the file does not have
    assert "the file has ['Kunde', 'Datum', 'Betrag']" in msg.found
    assert "'columns' mapping" in msg.fix
