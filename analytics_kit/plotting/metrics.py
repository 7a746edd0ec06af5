"""Metric plots: cohort heatmap, NPS trend, churn over time, CAC by channel.

Each helper takes the output of an :mod:`analytics_kit.metrics` function, draws
on `ax` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from analytics_kit._validation import require_columns

__all__ = [
    "plot_cac_by_channel",
    "plot_churn_series",
    "plot_cohort_heatmap",
    "plot_nps_trend",
]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_cohort_heatmap(
    matrix: pd.DataFrame,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    title: str = "Cohort retention (share of cohort active)",
) -> Axes:
    """Heatmap of a :func:`~analytics_kit.metrics.cohort_retention` matrix.

    Unobserved cells (NaN) are masked and drawn as blank (white), never as 0.
    Rows are labelled by cohort month (YYYY-MM), columns by period index.
    """
    ax = _axes(
        ax, (0.6 * max(matrix.shape[1], 4) + 2, 0.35 * max(len(matrix), 4) + 1.5)
    )
    labels = [
        i.strftime("%Y-%m") if isinstance(i, pd.Timestamp) else str(i)
        for i in matrix.index
    ]
    data = pd.DataFrame(
        matrix.to_numpy(dtype=float), index=labels, columns=matrix.columns
    )
    sns.heatmap(
        data,
        mask=data.isna(),
        ax=ax,
        cmap="Blues",
        vmin=0,
        vmax=1,
        annot=annotate,
        fmt=".0%",
        annot_kws={"size": 7},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"format": PercentFormatter(1.0)},
    )
    ax.set_facecolor("white")
    ax.set_xlabel("months since first purchase (calendar months)")
    ax.set_ylabel("cohort")
    ax.set_title(title)
    return ax


def _band(ax: Axes, x: pd.Series, frame: pd.DataFrame, y: str, label: str) -> None:
    ax.plot(x, frame[y], marker="o", label=label)
    ax.fill_between(
        x,
        frame["ci_low"].astype(float),
        frame["ci_high"].astype(float),
        alpha=0.25,
        label="95% interval",
    )


def plot_nps_trend(
    trend: pd.DataFrame, *, x: str = "period", ax: Axes | None = None
) -> Axes:
    """NPS per period with its interval band (output of ``nps_trend``/``nps_by``)."""
    require_columns(trend.columns, [x, "nps", "ci_low", "ci_high", "n"], param="trend")
    ax = _axes(ax, (7, 3.5))
    data = trend.sort_values(x)
    _band(ax, data[x], data, "nps", "NPS")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_ylim(-100, 100)
    ax.set_ylabel("NPS (-100 to 100)")
    ax.set_xlabel(x)
    ax.set_title("Net Promoter Score with 95% interval")
    ax.legend(loc="lower left")
    return ax


def plot_churn_series(series: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Monthly churn rate with its Wilson interval (output of ``churn_series``)."""
    require_columns(
        series.columns,
        ["period_start", "churn_rate", "ci_low", "ci_high"],
        param="series",
    )
    ax = _axes(ax, (7, 3.5))
    data = series.sort_values("period_start")
    name = str(data["definition"].iloc[0]) if "definition" in data and len(data) else ""
    _band(ax, data["period_start"], data, "churn_rate", f"churn ({name})")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("monthly churn rate")
    ax.set_title("Churn rate per month with 95% interval")
    ax.legend(loc="upper left")
    return ax


def plot_cac_by_channel(
    cac_table: pd.DataFrame, *, currency: str = "", ax: Axes | None = None
) -> Axes:
    """Bars of CAC per channel (output of ``cac_by(..., by="channel")``).

    Channels with undefined CAC (no new customers) are labelled "n/a".
    """
    require_columns(cac_table.columns, ["channel", "cac"], param="cac_table")
    ax = _axes(ax, (6, 0.4 * len(cac_table) + 1.5))
    data = cac_table.sort_values("cac", ascending=False, na_position="last")
    sns.barplot(data=data, x="cac", y="channel", ax=ax, color="#4C72B0", orient="h")
    for i, value in enumerate(data["cac"]):
        text = "n/a" if not np.isfinite(value) else f"{value:,.2f}"
        ax.text(0 if not np.isfinite(value) else value, i, f" {text}", va="center")
    ax.set_xlabel(f"CAC ({currency} per new customer)".replace("( ", "("))
    ax.set_ylabel("")
    ax.set_title("Customer acquisition cost by channel")
    return ax
