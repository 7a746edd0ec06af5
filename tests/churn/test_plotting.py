"""The churn plots draw what they are given and return their Axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analytics_kit.churn import fit_churn_model, kaplan_meier_by_segment
from analytics_kit.datasets.churn_drivers import simulate_churn_drivers
from analytics_kit.plotting.churn import (
    plot_churn_by_level,
    plot_importances,
    plot_kaplan_meier,
    plot_lift,
)


def test_plots_return_axes() -> None:
    frame = simulate_churn_drivers(600, random_seed=2).frame
    r = fit_churn_model(frame, target="churned", n_repeats=1, folds=3)
    ax = plot_importances(r.importances)
    assert len(ax.patches) == len(r.importances)
    assert len(plot_lift(r.lift).patches) == 10
    ax = plot_churn_by_level(r.churn_by_level, feature="contract")
    assert len(ax.patches) == 3
    surv = kaplan_meier_by_segment(
        frame, duration_col="tenure_months", event_col="churned", segment_col="contract"
    )
    _fig, ax = plt.subplots()
    assert plot_kaplan_meier(surv, time_unit="months", ax=ax) is ax
    assert len(ax.get_legend().get_texts()) == 3
    plt.close("all")


def test_importance_plot_labels_groups() -> None:
    imp = pd.DataFrame(
        {
            "feature": ["a", "b"],
            "importance": [0.2, 0.1],
            "low": [0.1, 0.0],
            "high": [0.3, 0.2],
            "group": ["a + b", "a + b"],
        }
    )
    ax = plot_importances(imp)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a  [a + b]", "b  [a + b]"]
    plt.close("all")
