"""CLV plots: frequency/recency and P(alive) matrices, CLV distribution and
segments, and the holdout scorecard (tracking, period counts, deciles).

Each helper draws on `ax` (a new figure when None) and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from analytics_kit._validation import require_columns
from analytics_kit.clv import _formulas as F
from analytics_kit.clv.models import PurchaseModel
from analytics_kit.clv.scorecard import HoldoutScorecard
from analytics_kit.clv.value import clv_segments

__all__ = [
    "plot_calibration_deciles",
    "plot_clv_distribution",
    "plot_clv_segments",
    "plot_frequency_recency_matrix",
    "plot_period_counts",
    "plot_probability_alive_matrix",
    "plot_tracking",
]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _grid(
    model: PurchaseModel, max_frequency: int, T: float, n_recency: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    freq = np.arange(max_frequency + 1, dtype=float)
    rec = np.linspace(0, T, n_recency)
    x, tx = np.meshgrid(freq, rec, indexing="ij")
    valid = _valid_cells(freq, rec)
    return freq, rec, np.where(valid, x, 0.0), np.where(valid, tx, 0.0)


def _matrix_plot(
    values: np.ndarray,
    freq: np.ndarray,
    rec: np.ndarray,
    valid: np.ndarray,
    *,
    ax: Axes | None,
    title: str,
    label: str,
    unit: str,
) -> Axes:
    ax = _axes(ax, (7, 5))
    frame = pd.DataFrame(
        np.where(valid, values, np.nan),
        index=freq.astype(int),
        columns=np.round(rec, 1),
    )
    sns.heatmap(frame, ax=ax, cmap="viridis", cbar_kws={"label": label})
    ax.invert_yaxis()
    ax.set_xlabel(f"recency ({unit}s since first purchase)")
    ax.set_ylabel("frequency (repeat purchases)")
    ax.set_title(title)
    return ax


def plot_frequency_recency_matrix(
    model: PurchaseModel,
    *,
    max_frequency: int = 20,
    T: float = 52.0,
    t: float = 1.0,
    n_recency: int = 20,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of expected purchases in the next `t` units by frequency and recency.

    All cells describe a customer of age `T` (model time unit); impossible cells
    (repeat purchases with recency 0) are blank.
    """
    freq, rec, x, tx = _grid(model, max_frequency, T, n_recency)
    values = F.expected_purchases(
        model.model, model.params, x.ravel(), tx.ravel(), np.full(x.size, T), t
    ).reshape(x.shape)
    valid = _valid_cells(freq, rec)
    unit = model.time_unit or "unit"
    return _matrix_plot(
        values,
        freq,
        rec,
        valid,
        ax=ax,
        unit=unit,
        title=f"Expected purchases in the next {t:g} {unit}(s), customers aged {T:g}",
        label="expected purchases",
    )


def plot_probability_alive_matrix(
    model: PurchaseModel,
    *,
    max_frequency: int = 20,
    T: float = 52.0,
    n_recency: int = 20,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of P(alive) by frequency and recency for customers of age `T`."""
    freq, rec, x, tx = _grid(model, max_frequency, T, n_recency)
    values = F.p_alive(
        model.model, model.params, x.ravel(), tx.ravel(), np.full(x.size, T)
    ).reshape(x.shape)
    unit = model.time_unit or "unit"
    return _matrix_plot(
        values,
        freq,
        rec,
        _valid_cells(freq, rec),
        ax=ax,
        unit=unit,
        title=f"P(alive) of customers aged {T:g} {unit}s ({model.model})",
        label="P(alive)",
    )


def _valid_cells(freq: np.ndarray, rec: np.ndarray) -> np.ndarray:
    x, tx = np.meshgrid(freq, rec, indexing="ij")
    return ((x > 0) & (tx > 0)) | ((x == 0) & (tx == 0))


def plot_clv_distribution(
    values: pd.DataFrame, *, ax: Axes | None = None, log_scale: bool = True
) -> Axes:
    """Histogram of customer CLV (a :func:`customer_value` result)."""
    require_columns(values.columns, ["clv"], param="values")
    ax = _axes(ax, (7, 4))
    clv = values["clv"][values["clv"] > 0] if log_scale else values["clv"]
    sns.histplot(x=clv, ax=ax, bins=40, log_scale=log_scale, color="C0")
    median = float(values["clv"].median())
    ax.axvline(median, color="C3", linestyle="--", label=f"median {median:,.2f}")
    ax.legend()
    ax.set_xlabel("discounted CLV per customer")
    ax.set_ylabel("customers")
    ax.set_title("Distribution of customer lifetime value")
    return ax


def plot_clv_segments(
    values: pd.DataFrame, *, n_segments: int = 4, ax: Axes | None = None
) -> Axes:
    """Bars of each CLV segment's share of total CLV, with its mean CLV."""
    table = clv_segments(values, n_segments=n_segments)
    ax = _axes(ax, (7, 4))
    sns.barplot(data=table, x="segment", y="share_of_clv", ax=ax, color="C0")
    for patch, mean in zip(ax.patches, table["mean_clv"], strict=False):
        ax.annotate(
            f"mean {mean:,.0f}",
            (patch.get_x() + patch.get_width() / 2, patch.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xlabel(f"CLV segment (1 = top {100 / n_segments:.0f} % of customers)")
    ax.set_ylabel("share of total CLV")
    ax.set_title("Where the value is")
    return ax


def plot_tracking(scorecard: HoldoutScorecard, *, ax: Axes | None = None) -> Axes:
    """Cumulative repeat transactions by week: actual vs each model."""
    ax = _axes(ax, (8, 4))
    sns.lineplot(
        data=scorecard.tracking,
        x="week",
        y="repeat_transactions",
        hue="series",
        style="series",
        ax=ax,
    )
    cal_end = pd.Timestamp(scorecard.summary.attrs["calibration_end"])
    dates = scorecard.tracking.drop_duplicates("week")
    split = dates.loc[dates["date"] <= cal_end, "week"].max()
    ax.axvline(split, color="grey", linestyle=":", label="calibration end")
    ax.set_ylabel("cumulative repeat transactions")
    ax.set_title("Tracking: actual vs expected repeat transactions")
    return ax


def plot_period_counts(scorecard: HoldoutScorecard, *, ax: Axes | None = None) -> Axes:
    """Customers by calibration-period repeat count: observed vs models."""
    ax = _axes(ax, (8, 4))
    sns.barplot(
        data=scorecard.period_counts,
        x="repeat_transactions",
        y="customers",
        hue="series",
        ax=ax,
    )
    ax.set_xlabel("repeat transactions in the calibration period")
    ax.set_title("Period transactions: observed vs model")
    return ax


def plot_calibration_deciles(
    scorecard: HoldoutScorecard, *, model: str | None = None, ax: Axes | None = None
) -> Axes:
    """Mean predicted vs actual holdout purchases by decile of predictions."""
    name = model or scorecard.chosen
    table = scorecard.deciles[scorecard.deciles["model"] == name]
    long = table.melt(
        id_vars="bin",
        value_vars=["predicted", "actual"],
        var_name="series",
        value_name="purchases",
    )
    ax = _axes(ax, (7, 4))
    sns.barplot(data=long, x="bin", y="purchases", hue="series", ax=ax)
    ax.set_xlabel("decile of predicted holdout purchases")
    ax.set_ylabel("mean holdout purchases per customer")
    ax.set_title(f"Holdout calibration ({name})")
    return ax
