"""Reports: parameters, the batch runner, HTML export, the index page and display helpers."""

from __future__ import annotations

from analytics_kit.reporting.export import export_html
from analytics_kit.reporting.index import write_index
from analytics_kit.reporting.parameters import check_parameters, declared_parameters
from analytics_kit.reporting.runner import DEFAULT_NOTEBOOK, ClientRun, run_reports

__all__ = [
    "DEFAULT_NOTEBOOK",
    "ClientRun",
    "check_parameters",
    "declared_parameters",
    "export_html",
    "run_reports",
    "write_index",
]
