"""Kaplan-Meier retention curves by segment, median lifetime and log-rank test."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times

from analytics_kit._validation import require_columns
from analytics_kit.churn._prepare import parse_binary
from analytics_kit.exceptions import (
    DataValidationError,
    UndefinedMetricWarning,
    format_error,
)

__all__ = ["SurvivalResult", "kaplan_meier_by_segment"]

ALL = "All customers"


@dataclass(frozen=True, eq=False)
class SurvivalResult:
    """Kaplan-Meier curves, median lifetimes and the log-rank test.

    Attributes
    ----------
    curves : pandas.DataFrame
        ``segment``, ``time``, ``retention`` (S(t)), ``low``, ``high`` (pointwise
        interval), ``at_risk``.
    medians : pandas.DataFrame
        ``segment``, ``customers``, ``churners``, ``median``, ``low``, ``high``
        (in the unit of the duration column; NaN when retention never falls to
        50 % within the data).
    logrank_statistic, logrank_p_value, logrank_df
        Log-rank chi-square test that all segments share one survival curve;
        NaN with a single segment.
    """

    curves: pd.DataFrame
    medians: pd.DataFrame
    logrank_statistic: float
    logrank_p_value: float
    logrank_df: int


def _fit_one(
    name: str, d: np.ndarray, e: np.ndarray, alpha: float
) -> tuple[pd.DataFrame, dict]:
    kmf = KaplanMeierFitter(alpha=alpha).fit(d, event_observed=e, label=str(name))
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_survival_function_
    curve = pd.DataFrame(
        {
            "segment": name,
            "time": sf.index.to_numpy(float),
            "retention": sf.to_numpy(),
            "low": ci.iloc[:, 0].to_numpy(),
            "high": ci.iloc[:, 1].to_numpy(),
            "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy(),
        }
    )
    med_ci = median_survival_times(kmf.confidence_interval_)
    median = float(kmf.median_survival_time_)
    row = {
        "segment": name,
        "customers": len(d),
        "churners": int(e.sum()),
        "median": median if np.isfinite(median) else np.nan,
        "low": float(med_ci.iloc[0, 0]) if np.isfinite(med_ci.iloc[0, 0]) else np.nan,
        "high": float(med_ci.iloc[0, 1]) if np.isfinite(med_ci.iloc[0, 1]) else np.nan,
    }
    return curve, row


def kaplan_meier_by_segment(
    frame: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    segment_col: str | None = None,
    alpha: float = 0.05,
) -> SurvivalResult:
    """Retention curves S(t) per segment with median lifetime and log-rank test.

    .. math:: \\hat S(t) = \\prod_{t_i \\le t} \\left(1 - \\frac{d_i}{n_i}\\right)

    with ``d_i`` churners at time ``t_i`` and ``n_i`` customers still at risk
    (Kaplan & Meier 1958, JASA 53(282), 457-481, eq. 2). Customers who have not
    churned are censored at their observed duration. Intervals are lifelines'
    exponential Greenwood intervals; the median's interval is read off the
    curve's interval bands (Brookmeyer & Crowley 1982, Biometrics 38, 29-41).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer.
    duration_col : str
        Time observed (months, days ...; the result keeps the unit), >= 0.
    event_col : str
        Churn flag: True/False, 1/0 or Yes/No (1 = churned, 0 = censored).
    segment_col : str, optional
        One curve per level; default one curve for everyone.
    alpha : float, default=0.05
        1 - interval coverage.

    Returns
    -------
    SurvivalResult

    Raises
    ------
    DataValidationError
        When a column is missing or durations are missing or negative.

    Notes
    -----
    The log-rank test (Mantel 1966; Peto & Peto 1972) compares observed with
    expected churners per segment under one common curve; it is most powerful
    when hazards are proportional and weak when curves cross. A segment with
    no churner is kept (its median is NaN) and an
    :class:`UndefinedMetricWarning` names it.
    """
    cols = [duration_col, event_col] + ([segment_col] if segment_col else [])
    require_columns(frame.columns, cols, param="frame")
    d = pd.to_numeric(frame[duration_col], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(d) | (d < 0)
    if bad.any():
        msg = format_error(
            f"column {duration_col!r}",
            f"{int(bad.sum()):,} missing or negative durations",
            "durations >= 0",
            "drop or fix those rows first",
            [
                f"row {i}: {frame[duration_col].iloc[i]!r}"
                for i in np.flatnonzero(bad)[:5]
            ],
        )
        raise DataValidationError(msg)
    e = parse_binary(frame[event_col], param=event_col)
    seg = (
        frame[segment_col].astype("string").fillna("(missing)").to_numpy(object)
        if segment_col
        else np.full(len(d), ALL, dtype=object)
    )
    curves, rows = [], []
    for name in pd.unique(seg):
        mask = seg == name
        curve, row = _fit_one(name, d[mask], e[mask], alpha)
        curves.append(curve)
        rows.append(row)
        if row["churners"] == 0:
            warnings.warn(
                f"segment {name!r} has no churner; its median lifetime is undefined",
                UndefinedMetricWarning,
                stacklevel=2,
            )
    stat, p, df = np.nan, np.nan, 0
    if len(rows) > 1:
        test = multivariate_logrank_test(d, seg, e)
        stat, p, df = float(test.test_statistic), float(test.p_value), len(rows) - 1
    return SurvivalResult(
        curves=pd.concat(curves, ignore_index=True),
        medians=pd.DataFrame(rows),
        logrank_statistic=stat,
        logrank_p_value=p,
        logrank_df=df,
    )
