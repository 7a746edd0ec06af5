"""Churn rates: contractual (cancellation dates) and non-contractual (inactivity).

Contractual periods are half-open ``[start, end)``: a customer acquired before
``start`` who has not cancelled before ``start`` is *active at the start*; a
customer acquired on or after ``start`` and before ``end`` is *new*; a
cancellation on or after ``start`` and before ``end`` falls *in the period*.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from analytics_kit._validation import require_date, require_one_of
from analytics_kit.engine import Table
from analytics_kit.exceptions import (
    DataValidationError,
    UndefinedMetricWarning,
    format_error,
)
from analytics_kit.metrics._result import (
    MetricResult,
    check_confidence,
    register_definition,
    table_of,
    wilson_interval,
)

__all__ = [
    "CHURN_DEFINITIONS",
    "churn_by",
    "churn_rate",
    "churn_series",
    "inactivity_churn",
]

#: Contractual churn definitions: name -> words (each is registered).
CHURN_DEFINITIONS: dict[str, str] = {
    "start_cohort": "Churn rate (start cohort) = customers active at the start of the "
    "period who cancel during it / customers active at the start. Customers "
    "acquired during the period are not counted. Wilson score interval.",
    "all_over_start": "Churn rate (all cancellations over start) = all cancellations "
    "during the period, including by customers acquired in it / customers active "
    "at the start. Can exceed 100%; Wilson interval only when it does not.",
    "all_over_start_plus_new": "Churn rate (all cancellations over start plus new) = "
    "all cancellations during the period / (customers active at the start + "
    "customers acquired during the period). Wilson score interval.",
}
for _name, _text in CHURN_DEFINITIONS.items():
    register_definition(f"churn_rate[{_name}]", _text)

INACTIVITY_DEFINITION = register_definition(
    "inactivity_churn",
    "Non-contractual churn = customers whose last purchase on or before as_of is "
    "more than window_days before as_of / customers with any purchase on or before "
    "as_of. The window is given or set to the ceiling of a percentile of all "
    "inter-purchase gaps (days between a customer's consecutive purchase days); "
    "the result reports it. Wilson score interval.",
)

_CUSTOMER_COLS = ("customer_id", "acquisition_date", "cancellation_date")


def _churn_counts(
    table: Table, periods: pd.DataFrame, by: Sequence[str]
) -> pd.DataFrame:
    """Counts per period (and group): Ibis cross join of customers and periods."""
    per = ibis.memtable(periods[["period_start", "period_end"]])
    j = table.cross_join(per)
    acq, can = j.acquisition_date, j.cancellation_date
    start, end = j.period_start, j.period_end
    active = (acq < start) & (can.isnull() | (can >= start))
    new = (acq >= start) & (acq < end)
    cancels = can.notnull() & (can >= start) & (can < end)
    agg = j.group_by(["period_start", "period_end", *by]).aggregate(
        active_at_start=active.cast("int64").sum(),
        new_customers=new.cast("int64").sum(),
        cancellations_from_start=(active & cancels).cast("int64").sum(),
        cancellations_from_new=(new & cancels).cast("int64").sum(),
    )
    out = agg.to_pandas()
    return out.sort_values(["period_start", *by]).reset_index(drop=True)


def _rate_columns(
    counts: pd.DataFrame, definition: str, confidence: float
) -> pd.DataFrame:
    out = counts.copy()
    cancels = out["cancellations_from_start"] + out["cancellations_from_new"]
    if definition == "start_cohort":
        num, den = out["cancellations_from_start"], out["active_at_start"]
    elif definition == "all_over_start":
        num, den = cancels, out["active_at_start"]
    else:
        num, den = cancels, out["active_at_start"] + out["new_customers"]
    out["numerator"] = num.astype(float)
    out["denominator"] = den.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["churn_rate"] = np.where(den > 0, num / den.where(den > 0, 1), np.nan)
    cis = [
        wilson_interval(a, b, confidence=confidence)
        for a, b in zip(num, den, strict=True)
    ]
    out["ci_low"] = [c[0] for c in cis]
    out["ci_high"] = [c[1] for c in cis]
    out["definition"] = definition
    return out


def _periods(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    if end <= start:
        msg = format_error(
            "end",
            f"{end.date()} (start is {start.date()})",
            "an end date after start (periods are [start, end))",
            "pass e.g. start='2024-03-01', end='2024-04-01' for March",
        )
        raise DataValidationError(msg)
    return pd.DataFrame({"period_start": [start], "period_end": [end]})


def _warn_undefined(frame: pd.DataFrame, what: str) -> None:
    bad = int(frame["denominator"].eq(0).sum())
    if bad:
        warnings.warn(
            f"{what}: {bad} period(s)/group(s) have no customers in the denominator; "
            "their churn rate is NaN.",
            UndefinedMetricWarning,
            stacklevel=3,
        )


def churn_rate(
    customers: pd.DataFrame | Table,
    *,
    start: str | dt.date,
    end: str | dt.date,
    definition: str = "start_cohort",
    confidence: float = 0.95,
) -> MetricResult:
    """Contractual churn rate over the period ``[start, end)``.

    Parameters
    ----------
    customers : DataFrame or Ibis table
        Canonical ``customers`` table: ``customer_id``, ``acquisition_date``,
        ``cancellation_date`` (NaT = still active).
    start, end : str or date
        Period bounds; `end` is excluded (March 2024: ``"2024-03-01"``,
        ``"2024-04-01"``).
    definition : {"start_cohort", "all_over_start", "all_over_start_plus_new"}
        ``start_cohort`` (default): cancellations among customers active at the
        start / customers active at the start. ``all_over_start``: all
        cancellations in the period / active at start. ``all_over_start_plus_new``:
        all cancellations / (active at start + new).
    confidence : float, default 0.95

    Returns
    -------
    MetricResult
        ``value`` is a fraction; ``metric`` names the definition
        (``churn_rate[<definition>]``); ``details`` hold ``active_at_start``,
        ``new_customers``, ``cancellations_from_start``,
        ``cancellations_from_new``, ``period_start``, ``period_end``.

    Raises
    ------
    DataValidationError
        Missing columns, unknown definition, ``end <= start``.

    Warns
    -----
    UndefinedMetricWarning
        When the denominator is 0 (NaN is returned).

    References
    ----------
    Wilson, E. B. (1927). JASA 22(158), 209-212 (score interval).
    """
    require_one_of(definition, list(CHURN_DEFINITIONS), param="definition")
    confidence = check_confidence(confidence)
    table = table_of(customers, _CUSTOMER_COLS, "customers")
    periods = _periods(
        require_date(start, param="start"), require_date(end, param="end")
    )
    frame = _rate_columns(_churn_counts(table, periods, []), definition, confidence)
    _warn_undefined(frame, "churn_rate")
    row = frame.iloc[0]
    ci = (float(row["ci_low"]), float(row["ci_high"]))
    return MetricResult(
        metric=f"churn_rate[{definition}]",
        value=float(row["churn_rate"]),
        numerator=float(row["numerator"]),
        denominator=float(row["denominator"]),
        ci=ci,
        definition=CHURN_DEFINITIONS[definition],
        confidence=confidence,
        details={
            "definition_name": definition,
            "period_start": row["period_start"],
            "period_end": row["period_end"],
            **{
                k: int(row[k])
                for k in (
                    "active_at_start",
                    "new_customers",
                    "cancellations_from_start",
                    "cancellations_from_new",
                )
            },
        },
    )


def churn_by(
    customers: pd.DataFrame | Table,
    *,
    by: str | Sequence[str],
    start: str | dt.date,
    end: str | dt.date,
    definition: str = "start_cohort",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`churn_rate` per segment (e.g. contract type), one row per group.

    Returns
    -------
    pandas.DataFrame
        The `by` columns, ``churn_rate``, ``ci_low``, ``ci_high``, ``numerator``,
        ``denominator``, the four counts and ``definition``.
    """
    require_one_of(definition, list(CHURN_DEFINITIONS), param="definition")
    confidence = check_confidence(confidence)
    keys = [by] if isinstance(by, str) else list(by)
    table = table_of(customers, [*_CUSTOMER_COLS, *keys], "customers")
    periods = _periods(
        require_date(start, param="start"), require_date(end, param="end")
    )
    frame = _rate_columns(_churn_counts(table, periods, keys), definition, confidence)
    _warn_undefined(frame, "churn_by")
    return frame


def churn_series(
    customers: pd.DataFrame | Table,
    *,
    start: str | dt.date,
    end: str | dt.date,
    definition: str = "start_cohort",
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Monthly churn rates for every calendar month from `start` to `end`.

    Months are ``[first day, first day of next month)``; `start` and `end` are
    rounded down to their month, and the month containing `end` is excluded.

    Returns
    -------
    pandas.DataFrame
        One row per month (and group): ``period_start``, ``period_end``,
        ``churn_rate``, ``ci_low``, ``ci_high``, ``numerator``, ``denominator``,
        the counts and ``definition``.
    """
    require_one_of(definition, list(CHURN_DEFINITIONS), param="definition")
    confidence = check_confidence(confidence)
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    table = table_of(customers, [*_CUSTOMER_COLS, *keys], "customers")
    first = require_date(start, param="start").to_period("M").start_time
    last = require_date(end, param="end").to_period("M").start_time
    _periods(first, last)
    starts = pd.date_range(first, last, freq="MS")
    periods = pd.DataFrame({"period_start": starts[:-1], "period_end": starts[1:]})
    frame = _rate_columns(_churn_counts(table, periods, keys), definition, confidence)
    _warn_undefined(frame, "churn_series")
    return frame


def _inactivity_window(
    table: Table, window_days: float | None, percentile: float
) -> tuple[float, str]:
    if window_days is not None:
        if not window_days > 0:
            msg = format_error(
                "window_days",
                repr(window_days),
                "a positive number of days",
                "pass e.g. window_days=180, or None to derive it",
            )
            raise DataValidationError(msg)
        return float(window_days), "given"
    if not 0 < percentile < 1:
        msg = format_error(
            "window_percentile",
            repr(percentile),
            "a fraction in (0, 1)",
            "pass e.g. window_percentile=0.9",
        )
        raise DataValidationError(msg)
    days = table.mutate(day=table.timestamp.date()).select("customer_id", "day")
    days = days.distinct()
    w = ibis.window(group_by="customer_id", order_by="day")
    gaps = days.mutate(gap=days.day.delta(days.day.lag().over(w), unit="day"))
    stat = gaps.aggregate(q=gaps.gap.quantile(percentile), n=gaps.gap.count())
    row = stat.to_pandas().iloc[0]
    if int(row["n"]) == 0:
        return math.nan, "no repeat purchases: the window cannot be derived"
    return float(math.ceil(row["q"])), (
        f"ceil of the {percentile:.0%} percentile of {int(row['n'])} "
        "inter-purchase gaps"
    )


def inactivity_churn(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    window_days: float | None = None,
    window_percentile: float = 0.9,
    confidence: float = 0.95,
) -> MetricResult:
    """Non-contractual churn: share of customers inactive for more than a window.

    A customer is churned at `as_of` when ``as_of - last purchase day >
    window_days``. Only purchases on or before `as_of` count.

    Parameters
    ----------
    transactions : DataFrame or Ibis table
        Canonical ``transactions`` (``customer_id``, ``timestamp``).
    as_of : str or date
        Evaluation date (inclusive).
    window_days : float, optional
        Inactivity window in days. When None it is derived as the ceiling of the
        `window_percentile` of inter-purchase gaps (days between consecutive
        distinct purchase days of the same customer, pooled over customers).
    window_percentile : float, default 0.9
    confidence : float, default 0.95

    Returns
    -------
    MetricResult
        ``details`` hold ``window_days``, ``window_source``, ``customers``,
        ``churned``.

    Warns
    -----
    UndefinedMetricWarning
        No purchases, or no repeat purchases to derive a window from (NaN).

    Notes
    -----
    Inactivity is a proxy: a customer who buys once a year looks churned with a
    90-day window. Probabilistic alternatives (P(alive) from BG/NBD) are in
    ``analytics_kit.clv``. Gaps are in whole days (same-day purchases are one).
    """
    confidence = check_confidence(confidence)
    as_of_ts = require_date(as_of, param="as_of")
    table = table_of(transactions, ("customer_id", "timestamp"), "transactions")
    table = table.filter(table.timestamp < as_of_ts + pd.Timedelta(days=1))
    window, source = _inactivity_window(table, window_days, window_percentile)
    last = table.group_by("customer_id").aggregate(last=table.timestamp.max())
    since = ibis.literal(as_of_ts.date()).delta(last["last"].date(), unit="day")
    stat = (
        last.aggregate(
            customers=last.customer_id.count(),
            churned=(since > (window if np.isfinite(window) else 0))
            .cast("int64")
            .sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    n = int(stat["customers"])
    k = int(stat["churned"]) if n else 0
    if n == 0 or not np.isfinite(window):
        warnings.warn(
            f"inactivity_churn: {'no purchases' if n == 0 else source}; "
            "churn is undefined and NaN is returned.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        value, k = math.nan, 0
    else:
        value = k / n
    return MetricResult(
        metric="inactivity_churn",
        value=value,
        numerator=float(k),
        denominator=float(n),
        ci=wilson_interval(k, n, confidence=confidence)
        if np.isfinite(value)
        else (math.nan, math.nan),
        definition=INACTIVITY_DEFINITION,
        confidence=confidence,
        details={
            "window_days": window,
            "window_source": source,
            "customers": n,
            "churned": k,
            "as_of": as_of_ts,
        },
    )
