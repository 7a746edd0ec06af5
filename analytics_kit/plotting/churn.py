"""Churn-driver plots: importance bars, lift chart, Kaplan-Meier curves, churn by level.

Each helper takes the kit's result table, draws on `ax` (a new figure when None)
and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from analytics_kit.churn.survival import SurvivalResult

__all__ = [
    "plot_churn_by_level",
    "plot_importances",
    "plot_kaplan_meier",
    "plot_lift",
]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_importances(
    importances: pd.DataFrame, *, top: int = 15, ax: Axes | None = None
) -> Axes:
    """Horizontal bars of permutation importance with their interval.

    Parameters
    ----------
    importances : pandas.DataFrame
        ``ChurnModelResult.importances`` (``feature``, ``importance``, ``low``,
        ``high``, optional ``group``).
    top : int, default=15
        Most important columns shown.
    ax : matplotlib Axes, optional
    """
    data = importances.sort_values("importance", ascending=False).head(top)
    ax = _axes(ax, (7, 0.35 * len(data) + 1.2))
    labels = [
        f"{f}  [{g}]" if "group" in data and g != f else f
        for f, g in zip(
            data["feature"], data.get("group", data["feature"]), strict=True
        )
    ]
    y = np.arange(len(data))
    sns.barplot(
        x=data["importance"].to_numpy(), y=labels, ax=ax, color="#4C72B0", orient="h"
    )
    err = np.vstack(
        [data["importance"] - data["low"], data["high"] - data["importance"]]
    )
    ax.errorbar(
        data["importance"],
        y,
        xerr=np.clip(err, 0, None),
        fmt="none",
        ecolor="black",
        capsize=3,
    )
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("drop in held-out ROC AUC when shuffled (95% interval)")
    ax.set_ylabel("")
    ax.set_title("Churn drivers (permutation importance)")
    return ax


def plot_lift(lift: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Churn rate per decile of predicted risk against the base rate."""
    ax = _axes(ax, (7, 4))
    sns.barplot(data=lift, x="decile", y="churn_rate", ax=ax, color="#C44E52")
    ax.axhline(lift["base_rate"].iloc[0], color="black", ls="--", label="base rate")
    for i, row in enumerate(lift.itertuples()):
        ax.annotate(
            f"{row.lift:.1f}x",
            (i, row.churn_rate),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xlabel("decile of predicted churn risk (1 = highest)")
    ax.set_ylabel("observed churn rate")
    ax.set_title("Lift by risk decile (out-of-fold)")
    ax.legend()
    return ax


def plot_kaplan_meier(
    survival: SurvivalResult, *, time_unit: str = "", ax: Axes | None = None
) -> Axes:
    """Kaplan-Meier retention curves per segment with interval bands."""
    ax = _axes(ax, (7, 4.5))
    palette = sns.color_palette(n_colors=survival.curves["segment"].nunique())
    for color, (name, curve) in zip(
        palette, survival.curves.groupby("segment", sort=False), strict=True
    ):
        ax.step(
            curve["time"], curve["retention"], where="post", color=color, label=name
        )
        ax.fill_between(
            curve["time"],
            curve["low"],
            curve["high"],
            step="post",
            color=color,
            alpha=0.15,
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"time since start{f' ({time_unit})' if time_unit else ''}")
    ax.set_ylabel("share still active")
    title = "Retention (Kaplan-Meier)"
    if np.isfinite(survival.logrank_p_value):
        title += f"; log-rank p = {survival.logrank_p_value:.2g}"
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_churn_by_level(
    churn_by_level: pd.DataFrame, *, feature: str, ax: Axes | None = None
) -> Axes:
    """Raw churn rate per level of one driver, with the customer count on each bar."""
    data = churn_by_level[churn_by_level["feature"] == feature]
    ax = _axes(ax, (7, 0.4 * len(data) + 1.2))
    sns.barplot(
        data=data, x="churn_rate", y="level", ax=ax, color="#55A868", orient="h"
    )
    ax.axvline(data["base_rate"].iloc[0], color="black", ls="--", label="base rate")
    for i, row in enumerate(data.itertuples()):
        ax.annotate(
            f" n={row.customers:,}", (row.churn_rate, i), va="center", fontsize=8
        )
    ax.set_xlabel("churn rate")
    ax.set_ylabel(feature)
    ax.set_title(f"Churn rate by {feature}")
    ax.legend()
    return ax
