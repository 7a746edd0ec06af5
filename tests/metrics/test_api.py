"""Public API names and the definitions appendix."""

from __future__ import annotations

import pytest

import analytics_kit.metrics as metrics
from analytics_kit.exceptions import DataValidationError

FIXED = [
    "cac",
    "historical_clv",
    "churn_rate",
    "retention_rate",
    "cohort_retention",
    "fit_retention_curve",
    "nps",
    "engagement_rate",
    "stickiness",
]


def test_fixed_names_exported():
    for name in FIXED:
        assert callable(getattr(metrics, name)) and name in metrics.__all__


def test_definitions_appendix():
    table = metrics.definitions()
    assert list(table.columns) == ["metric", "definition"]
    assert table["metric"].is_unique
    for name in [
        "nps",
        "churn_rate[start_cohort]",
        "churn_rate[all_over_start]",
        "churn_rate[all_over_start_plus_new]",
        "cac[blended]",
        "cac[paid]",
        "retention_rate",
        "cohort_retention",
        "fit_retention_curve",
        "engagement_rate[reach]",
        "stickiness",
        "historical_clv[seed]",
        "historical_clv[realised]",
        "historical_clv[saas]",
        "inactivity_churn",
    ]:
        assert name in set(table["metric"])
    assert (table["definition"].str.len() > 40).all()
    sub = metrics.definitions(["nps", "cac[blended]"])
    assert sub["metric"].tolist() == ["nps", "cac[blended]"]
    with pytest.raises(DataValidationError, match="unknown"):
        metrics.definitions(["no_such_metric"])


def test_result_definition_matches_registry():
    res = metrics.nps([10, 9, 0])
    table = metrics.definitions().set_index("metric")["definition"]
    assert res.definition == table[res.metric]
    row = res.to_dict()
    assert row["value"] == res.value and row["definition"] == res.definition
