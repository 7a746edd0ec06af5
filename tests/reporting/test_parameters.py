"""Report parameters are checked against the notebook before anything executes."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analytics_kit.exceptions import ReportParameterError
from analytics_kit.reporting import (
    DEFAULT_NOTEBOOK,
    check_parameters,
    declared_parameters,
)

GOOD = {
    "client_id": "cdnow",
    "config_path": "data/clients.yml",
    "as_of": "1998-06-30",
    "horizon_months": 12.0,
    "annual_discount_rate": 0.1,
    "output_dir": "",
    "fast": True,
}


def test_report_notebook_declares_every_parameter_with_type_and_help():
    declared = declared_parameters(DEFAULT_NOTEBOOK)
    assert set(declared) == set(GOOD)
    assert declared["horizon_months"]["type"] == "float"
    assert declared["fast"]["type"] == "bool"
    assert all(info["help"] for info in declared.values())


def test_good_parameters_pass():
    check_parameters(DEFAULT_NOTEBOOK, GOOD)
    check_parameters(DEFAULT_NOTEBOOK, {**GOOD, "horizon_months": 6})  # int for float


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({**GOOD, "horizon_month": 6.0}, r"\[.horizon_month.\].*not declare"),
        ({k: v for k, v in GOOD.items() if k != "as_of"}, r"\['as_of'\].*not given"),
        ({**GOOD, "horizon_months": "12"}, r"'horizon_months'.*'12' of type str"),
        ({**GOOD, "fast": "yes"}, r"'fast'"),
        ({**GOOD, "annual_discount_rate": True}, r"'annual_discount_rate'"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(params, match):
    with pytest.raises(ReportParameterError, match=match):
        check_parameters(DEFAULT_NOTEBOOK, params)


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    path = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), path)
    with pytest.raises(ReportParameterError, match="no cell tagged 'parameters'"):
        check_parameters(path, {})
