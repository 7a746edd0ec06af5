"""Metric plots return Axes; blank cohort cells stay NaN (masked) in the heatmap."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from analytics_kit.plotting.metrics import (
    plot_cac_by_channel,
    plot_churn_series,
    plot_cohort_heatmap,
    plot_nps_trend,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_cohort_heatmap_keeps_nan_blank():
    mat = pd.DataFrame(
        [[1.0, 0.5, 0.25], [1.0, 0.0, np.nan], [1.0, np.nan, np.nan]],
        index=pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        columns=[0, 1, 2],
    )
    _fig, ax = plt.subplots()
    out = plot_cohort_heatmap(mat, ax=ax)
    assert out is ax
    mesh = ax.collections[0]
    arr = mesh.get_array()
    assert np.ma.is_masked(arr)
    mask = np.ma.getmaskarray(arr).reshape(3, 3)
    np.testing.assert_array_equal(mask, mat.isna().to_numpy())
    # the observed zero is drawn (not masked) and stays 0
    assert arr.reshape(3, 3)[1, 1] == 0.0
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 6 and "0%" in texts  # only observed cells annotated
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]


def test_trend_churn_and_cac_plots_return_axes():
    trend = pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "nps": [20.0, 30.0],
            "ci_low": [10.0, 15.0],
            "ci_high": [30.0, 45.0],
            "n": [100, 80],
        }
    )
    assert isinstance(plot_nps_trend(trend), Axes)
    series = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "churn_rate": [0.05, np.nan],
            "ci_low": [0.03, np.nan],
            "ci_high": [0.08, np.nan],
            "definition": "start_cohort",
        }
    )
    ax = plot_churn_series(series)
    assert (
        isinstance(ax, Axes)
        and "start_cohort" in ax.get_legend().get_texts()[0].get_text()
    )
    cac_table = pd.DataFrame(
        {"channel": ["search", "social", "tv"], "cac": [183.3, 142.9, np.nan]}
    )
    ax = plot_cac_by_channel(cac_table, currency="EUR")
    assert isinstance(ax, Axes)
    assert any(t.get_text().strip() == "n/a" for t in ax.texts)
