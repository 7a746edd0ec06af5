"""Engagement: interaction rates (ratio of sums), stickiness DAU/MAU, active share."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence

import pandas as pd

from analytics_kit._validation import require_date, require_one_of
from analytics_kit.engine import Table
from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    UndefinedMetricWarning,
    format_error,
)
from analytics_kit.metrics._result import (
    MetricResult,
    check_confidence,
    register_definition,
    safe_ratio,
    table_of,
    wilson_interval,
)

__all__ = ["active_share", "engagement_by", "engagement_rate", "stickiness"]

_BASES = ("reach", "impressions", "followers")
ENGAGEMENT_DEFINITIONS = {
    "reach": register_definition(
        "engagement_rate[reach]",
        "Engagement rate (reach) = total interactions / total reach over the rows "
        "in scope (a ratio of sums, not a mean of daily ratios). Interactions = "
        "the 'interactions' column, or likes + shares + comments + clicks.",
    ),
    "impressions": register_definition(
        "engagement_rate[impressions]",
        "Engagement rate (impressions) = total interactions / total impressions "
        "(ratio of sums).",
    ),
    "followers": register_definition(
        "engagement_rate[followers]",
        "Engagement rate (followers) = total interactions / sum of the follower "
        "counts of the rows (ratio of sums: with daily rows, average daily "
        "interactions per follower).",
    ),
}
STICKINESS_DEFINITION = register_definition(
    "stickiness",
    "Stickiness = mean daily active users over the window_days days ending at "
    "as_of (days without activity count as 0) / unique users active in that "
    "window (DAU/MAU with window_days=30).",
)
ACTIVE_SHARE_DEFINITION = register_definition(
    "active_share",
    "Active share = customers with at least one event in the window_days days "
    "ending at as_of / all customers known at as_of. Wilson score interval.",
)
_INTERACTION_PARTS = ("likes", "shares", "comments", "clicks")


def _interactions(table: Table, cols: Sequence[str] | None) -> tuple[list[str], Table]:
    if cols is None:
        if "interactions" in table.columns:
            cols = ["interactions"]
        else:
            cols = [c for c in _INTERACTION_PARTS if c in table.columns]
    cols = list(cols)
    if not cols:
        msg = format_error(
            "engagement: interaction columns",
            f"none in {list(table.columns)}",
            "an 'interactions' column or any of likes, shares, comments, clicks",
            "map the client's interaction counts to one of those columns",
        )
        raise DataValidationError(msg)
    table_of(table, cols, "engagement")
    total = sum(
        (table[c].cast("float64").fill_null(0.0) for c in cols[1:]),
        table[cols[0]].cast("float64").fill_null(0.0),
    )
    return cols, table.mutate(_interactions=total)


def _prepared(
    engagement: pd.DataFrame | Table,
    basis: str,
    interaction_cols: Sequence[str] | None,
    start: str | dt.date | None,
    end: str | dt.date | None,
) -> tuple[Table, list[str]]:
    require_one_of(basis, list(_BASES), param="basis")
    t = table_of(engagement, ("date", "channel", basis), "engagement")
    if start is not None:
        t = t.filter(t.date >= require_date(start, param="start"))
    if end is not None:
        t = t.filter(t.date < require_date(end, param="end"))
    cols, t = _interactions(t, interaction_cols)
    missing = int(t.filter(t[basis].isnull()).count().to_pyarrow().as_py())
    if missing:
        warnings.warn(
            f"engagement: {missing} row(s) without {basis} were excluded from both "
            "interactions and the denominator.",
            DataQualityWarning,
            stacklevel=3,
        )
    return t.filter(t[basis].notnull()), cols


def engagement_rate(
    engagement: pd.DataFrame | Table,
    *,
    basis: str = "reach",
    interaction_cols: Sequence[str] | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
) -> MetricResult:
    """Engagement rate as a ratio of sums: ``Σ interactions / Σ basis``.

    Parameters
    ----------
    engagement : DataFrame or Ibis table
        Canonical ``engagement`` table (``date``, ``channel`` and counts).
    basis : {"reach", "impressions", "followers"}
        Denominator column; the result's ``metric`` names it.
    interaction_cols : sequence of str, optional
        Columns summed as interactions (default ``interactions``, else likes +
        shares + comments + clicks; missing values count 0).
    start, end : str or date, optional
        Keep rows with ``start <= date < end``.

    Returns
    -------
    MetricResult
        A fraction (it can exceed 1 when users interact several times);
        ``ci`` is None: interactions are not Bernoulli trials of the reach.

    Warns
    -----
    DataQualityWarning
        Rows without the basis value are excluded.
    UndefinedMetricWarning
        Zero total basis (NaN).
    """
    t, cols = _prepared(engagement, basis, interaction_cols, start, end)
    row = (
        t.aggregate(
            num=t._interactions.sum(),
            den=t[basis].cast("float64").sum(),
            rows=t.count(),
        )
        .to_pandas()
        .iloc[0]
    )
    num = float(row["num"]) if pd.notna(row["num"]) else 0.0
    den = float(row["den"]) if pd.notna(row["den"]) else 0.0
    return MetricResult(
        metric=f"engagement_rate[{basis}]",
        value=safe_ratio(num, den, what=f"engagement_rate ({basis})"),
        numerator=num,
        denominator=den,
        ci=None,
        definition=ENGAGEMENT_DEFINITIONS[basis],
        details={"basis": basis, "interaction_cols": cols, "rows": int(row["rows"])},
    )


def engagement_by(
    engagement: pd.DataFrame | Table,
    *,
    by: str | Sequence[str] = "channel",
    freq: str = "M",
    basis: str = "reach",
    interaction_cols: Sequence[str] | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
) -> pd.DataFrame:
    """Engagement rate (ratio of sums) per ``"channel"``, ``"period"`` or both.

    ``freq`` ("D", "W", "M", "Q", "Y") sets the calendar period; other `by`
    names are taken as columns of the table.

    Returns
    -------
    pandas.DataFrame
        The `by` columns, ``interactions``, the basis total, ``engagement_rate``
        (NaN where the basis total is 0).
    """
    keys = [by] if isinstance(by, str) else list(by)
    t, _ = _prepared(engagement, basis, interaction_cols, start, end)
    if "period" in keys:
        require_one_of(freq, ["D", "W", "M", "Q", "Y"], param="freq")
        t = t.mutate(period=t.date.cast("timestamp").truncate(freq))
    out = (
        t.group_by(keys)
        .aggregate(interactions=t._interactions.sum(), **{basis: t[basis].sum()})
        .to_pandas()
    )
    den = out[basis].astype(float)
    out["engagement_rate"] = (out["interactions"] / den.where(den != 0)).astype(float)
    if (den == 0).any():
        warnings.warn(
            f"engagement_by: {int((den == 0).sum())} group(s) with zero {basis}; "
            "their rate is NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return out.sort_values(keys).reset_index(drop=True)


def _window(table: Table, as_of: pd.Timestamp, window_days: int) -> Table:
    if int(window_days) != window_days or window_days < 1:
        msg = format_error(
            "window_days",
            repr(window_days),
            "a whole number of days >= 1",
            "pass window_days=30",
        )
        raise DataValidationError(msg)
    lo = as_of - pd.Timedelta(days=window_days - 1)
    hi = as_of + pd.Timedelta(days=1)
    return table.filter((table.timestamp >= lo) & (table.timestamp < hi))


def stickiness(
    activity: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    window_days: int = 30,
) -> MetricResult:
    """Stickiness DAU/MAU over the `window_days` days ending at `as_of`.

    ``stickiness = (Σ_d DAU_d / window_days) / |users active in the window|``.

    Parameters
    ----------
    activity : DataFrame or Ibis table
        ``customer_id``, ``timestamp`` (any event type counts).
    as_of : str or date
        Last day of the window (inclusive).
    window_days : int, default 30

    Returns
    -------
    MetricResult
        Fraction in [1 / window_days, 1]; ``numerator`` mean DAU,
        ``denominator`` MAU; ``ci`` None.
    """
    as_of_ts = require_date(as_of, param="as_of")
    t = _window(
        table_of(activity, ("customer_id", "timestamp"), "activity"),
        as_of_ts,
        window_days,
    )
    t = t.mutate(day=t.timestamp.date())
    daily = t.group_by("day").aggregate(dau=t.customer_id.nunique())
    dau_sum = daily.aggregate(s=daily.dau.sum()).to_pandas().iloc[0]["s"]
    mau = int(t.aggregate(m=t.customer_id.nunique()).to_pandas().iloc[0]["m"])
    mean_dau = float(dau_sum) / window_days if pd.notna(dau_sum) else 0.0
    return MetricResult(
        metric="stickiness",
        value=safe_ratio(mean_dau, mau, what="stickiness"),
        numerator=mean_dau,
        denominator=float(mau),
        ci=None,
        definition=STICKINESS_DEFINITION,
        details={"mean_dau": mean_dau, "mau": mau, "window_days": window_days},
    )


def active_share(
    activity: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    window_days: int,
    customers: pd.DataFrame | Table | None = None,
    confidence: float = 0.95,
) -> MetricResult:
    """Share of customers active in the `window_days` days ending at `as_of`.

    Denominator: customers acquired by `as_of` in `customers` when given, else
    everyone with an event on or before `as_of`.
    """
    confidence = check_confidence(confidence)
    as_of_ts = require_date(as_of, param="as_of")
    a = table_of(activity, ("customer_id", "timestamp"), "activity")
    active = _window(a, as_of_ts, window_days)
    if customers is None:
        known = a.filter(a.timestamp < as_of_ts + pd.Timedelta(days=1))
    else:
        c = table_of(customers, ("customer_id", "acquisition_date"), "customers")
        known = c.filter(c.acquisition_date < as_of_ts + pd.Timedelta(days=1))
        active = active.semi_join(known, "customer_id")
    k = int(active.aggregate(k=active.customer_id.nunique()).to_pandas().iloc[0]["k"])
    n = int(known.aggregate(n=known.customer_id.nunique()).to_pandas().iloc[0]["n"])
    if n == 0:
        warnings.warn(
            "active_share: no customers; NaN is returned.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return MetricResult(
        metric="active_share",
        value=k / n if n else math.nan,
        numerator=float(k),
        denominator=float(n),
        ci=wilson_interval(k, n, confidence=confidence),
        definition=ACTIVE_SHARE_DEFINITION,
        confidence=confidence,
        details={"active": k, "customers": n, "window_days": window_days},
    )
