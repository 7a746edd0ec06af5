"""The corpus as a checklist: every case of issue 8 names the tests that cover it.

A case may point at a test outside this folder when that test already does the work
(the crash / hang / kill batch, the demo clients, the full report render); the
check below only makes sure every named test exists, so a rename cannot silently
drop a case.
"""

from __future__ import annotations

import importlib

import pytest

R = "tests/bad_input/test_rows.py::"
F = "tests/bad_input/test_files.py::"
M = "tests/bad_input/test_models.py::"
N = "tests/bad_input/test_nps.py::"
P = "tests/bad_input/test_report_runs.py::"
E = "tests/bad_input/test_escaping.py::"
Z = "tests/bad_input/test_fuzz.py::"

CHECKLIST: dict[str, list[str]] = {
    "day-first dates read with the configured format": [
        R + "test_day_first_dates_are_read_with_the_configured_format",
        R + "test_day_first_dates_without_a_format_are_refused_not_guessed",
    ],
    "mixed date formats: an error naming examples": [
        R + "test_mixed_date_formats_are_an_error_naming_examples",
    ],
    "missing id / date, '12,50', '$10', '', NaN, duplicates, after as_of: "
    "excluded with a count and examples": [
        R + "test_each_dirty_row_is_excluded_with_its_reason_and_count",
        R + "test_dirty_row_examples_quote_the_file_lines",
        R + "test_dirty_rows_kept_are_exactly_the_clean_ones",
        R + "test_an_earlier_as_of_moves_rows_to_after_as_of",
        R + "test_values_containing_the_example_separator_are_not_duplicates",
        R
        + "test_a_file_whose_every_row_is_excluded_gives_an_empty_table_and_a_warning",
    ],
    "first purchase after the calibration end: excluded with a count": [
        M + "test_customers_first_seen_after_the_calibration_end_are_counted",
        M + "test_customers_first_seen_after_the_calibration_end_are_named",  # xfail
    ],
    "refunds and zero-price lines netted per customer-day": [
        M + "test_refunds_and_zero_price_lines_are_netted_per_customer_day",
    ],
    "repeat spend not positive: left out of the spend model with a count": [
        M + "test_repeat_buyers_without_positive_spend_are_left_out_with_a_count",
    ],
    "summary with recency 0 repeat buyers or frequency 2.9: refused naming them": [
        M + "test_summary_with_repeat_buyers_at_recency_zero_is_refused_naming_them",
        M + "test_summary_with_fractional_frequency_is_refused_naming_the_customer",
    ],
    "all one-time buyers / three customers / one day: model cannot be estimated": [
        M + "test_every_customer_a_one_time_buyer_cannot_be_estimated",
        M + "test_every_customer_a_one_time_buyer_has_no_spend_model",
        M + "test_three_customers_cannot_be_estimated",
        M + "test_a_single_day_of_data_cannot_be_estimated",
    ],
    "NPS 11, -1, 7.5, '#ERROR!', blank: excluded with counts": [
        N + "test_the_loader_excludes_each_invalid_score_with_its_reason",
        N + "test_nps_of_the_kept_scores",
        N + "test_nps_of_raw_values_counts_invalid_and_blank_apart",
    ],
    "NPS all invalid: NaN with a warning": [
        N
        + "test_a_file_without_a_valid_score_loads_empty_and_nps_is_nan_with_a_warning",
        N + "test_all_invalid_raw_values_give_nan_with_a_warning",
    ],
    "empty file, header-only file": [
        F + "test_empty_file_is_an_error_naming_the_file",
        F + "test_file_of_blank_lines_is_empty_too",
        F + "test_header_only_file_has_no_data_rows",
        F + "test_missing_file_names_the_path_and_the_configuration_key",
    ],
    "wrong delimiter": [
        F + "test_semicolon_file_with_decimal_commas_names_the_delimiter_to_set",
        F + "test_semicolon_file_read_as_one_column_says_the_delimiter_looks_wrong",
        F + "test_semicolon_file_reads_once_the_delimiter_is_declared",
    ],
    "file not UTF-8 (Latin-1 accents)": [
        F + "test_latin1_file_read_as_utf8_names_the_encoding_fix",
        F + "test_latin1_file_with_its_encoding_keeps_the_accents",
    ],
    "0-byte Parquet": [
        F + "test_zero_byte_parquet_is_an_empty_file",
        F + "test_text_named_parquet_is_refused_as_not_parquet",
    ],
    "wrong column mapping: lists the columns the file has": [
        F + "test_wrong_mapping_lists_the_columns_the_file_has",
    ],
    "client id with '/', '..', spaces, uppercase: refused before writing": [
        P + "test_unsafe_client_id_on_the_command_line_is_refused_before_writing",
        P + "test_unsafe_client_ids_in_the_configuration_are_refused_before_writing",
    ],
    "HTML / script in name, segments, comments, channels: escaped": [
        E + "test_hostile_values_are_read_as_plain_text",
        E + "test_display_helpers_escape_names_segments_comments_and_channels",
        E + "test_exported_report_is_inert",
        E + "test_index_page_escapes_names_errors_and_kpis",
        "tests/reporting/test_report_e2e.py::"
        "test_html_is_self_contained_without_code_and_escapes_data",
    ],
    "YAML with a Python object tag: refused": [
        P + "test_yaml_with_a_python_object_tag_is_refused_by_the_safe_loader",
    ],
    "wrong parameter type, unknown parameter, no parameters cell: refused": [
        P + "test_parameter_of_the_wrong_type_is_refused",
        P + "test_unknown_parameter_is_refused",
        P + "test_notebook_without_a_parameters_cell_is_refused_before_execution",
    ],
    "crash, hang past the timeout, kill mid-run: others complete, last good "
    "report kept, manifest records it": [
        "tests/reporting/test_runner.py::"
        "test_failures_are_isolated_and_the_last_good_report_survives",
        P + "test_hung_and_killed_clients_keep_their_last_good_report",
    ],
    "kept + excluded = read for every demo client": [
        "tests/io/test_reader.py::"
        "test_kept_plus_excluded_equals_read_for_every_demo_client",
    ],
    "fuzz: random tables through the loader, RFM summary and metrics": [
        Z + "test_loader_and_rfm_summary_on_random_transactions",
        Z + "test_rfm_summary_on_random_frames_counts_every_row",
        Z + "test_nps_on_random_raw_scores",
    ],
}


@pytest.mark.parametrize("case", list(CHECKLIST))
def test_every_case_names_existing_tests(case):
    for ref in CHECKLIST[case]:
        path, _, name = ref.partition("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), f"{case}: {ref} does not exist"
