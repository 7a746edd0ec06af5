"""Association, correlated groups and churn rate by level, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_kit.churn import (
    churn_rate_by_level,
    correlated_feature_groups,
    feature_association,
)
from analytics_kit.datasets.churn_drivers import simulate_churn_drivers


def test_association_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0, 4.0, 5.0],
            "y": [5.0, 4.0, 3.0, 2.0, 1.0],
            "c": ["a", "a", "b", "b", "b"],
        }
    )
    assoc = feature_association(frame)
    assert assoc.loc["x", "y"] == pytest.approx(1.0)
    # c enters as the indicator of "b" = [0,0,1,1,1], ranks [1.5,1.5,4,4,4]
    # (deviations -1.5,-1.5,1,1,1); x ranks deviate -2,-1,0,1,2.
    # rho = 7.5 / sqrt(7.5 * 10) = sqrt(3)/2 = 0.8660
    assert assoc.loc["x", "c"] == pytest.approx(np.sqrt(3) / 2)
    assert assoc.loc["c", "x"] == pytest.approx(np.sqrt(3) / 2)


def test_shared_level_links_categoricals() -> None:
    # Two 3-level columns that share the "none" level on the same rows.
    a = ["none", "none", "dsl", "fiber", "dsl", "fiber"] * 10
    b = ["none", "none", "yes", "no", "no", "yes"] * 10
    assoc = feature_association(pd.DataFrame({"a": a, "b": b}))
    assert assoc.loc["a", "b"] == pytest.approx(1.0)


def test_simulated_near_copy_is_the_only_group() -> None:
    sim = simulate_churn_drivers(2000, random_seed=1)
    features = sim.frame.drop(columns=["customer_id", "churned"])
    groups = correlated_feature_groups(features, threshold=0.75)
    assert len(groups) == 1
    assert set(groups["features"].iloc[0]) == set(sim.near_copy)
    assert groups["mean_abs_spearman"].iloc[0] > 0.99


def test_churn_rate_by_level_by_hand() -> None:
    frame = pd.DataFrame(
        {"plan": ["a", "a", "b", "b", "b"], "left": ["Yes", "No", "Yes", "Yes", "No"]}
    )
    table = churn_rate_by_level(frame, target="left", columns=["plan"])
    table = table.set_index("level")
    # a: 1 of 2 = 0.5; b: 2 of 3 = 0.6667; base 3/5 = 0.6
    assert table.loc["a", "customers"] == 2
    assert table.loc["a", "churn_rate"] == pytest.approx(0.5)
    assert table.loc["b", "churners"] == 2
    assert table.loc["b", "churn_rate"] == pytest.approx(2 / 3)
    assert table["base_rate"].iloc[0] == pytest.approx(0.6)


def test_churn_rate_by_level_bins_numbers_in_order() -> None:
    x = np.arange(100, dtype=float)
    frame = pd.DataFrame({"x": x, "churned": x < 20})
    table = churn_rate_by_level(frame, target="churned", columns=["x"], numeric_bins=5)
    # quintiles of 0..99: 20 customers each; only the lowest bin churns
    assert table["customers"].tolist() == [20] * 5
    assert table["churn_rate"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
