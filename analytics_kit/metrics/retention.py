"""Retention: customer retention rate, cohort matrices, repeat rate, sBG projection.

Cohort periods are *calendar* months: a customer whose first purchase is on
31 January and who buys again on 1 February is active in period 1.
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
from analytics_kit.exceptions import DataQualityWarning, UndefinedMetricWarning
from analytics_kit.metrics._result import (
    MetricResult,
    check_confidence,
    register_definition,
    table_of,
    wilson_interval,
)
from analytics_kit.metrics.churn import _churn_counts, _periods
from analytics_kit.metrics.retention_curve import RetentionCurveFit, fit_retention_curve

__all__ = [
    "RetentionCurveFit",
    "cohort_retention",
    "crr_from_counts",
    "fit_retention_curve",
    "repeat_purchase_rate",
    "retention_by",
    "retention_rate",
    "revenue_retention",
]

CRR_DEFINITION = register_definition(
    "retention_rate",
    "Customer retention rate (CRR) = (customers at the end of the period - new "
    "customers acquired during it) / customers at the start. Wilson interval "
    "treating the numerator as the retained share of the start count.",
)
COHORT_DEFINITION = register_definition(
    "cohort_retention",
    "Cohort retention (cell cohort c, period k) = unique customers of cohort c "
    "with a purchase in calendar month c + k / customers in cohort c (its period-0 "
    "size). Cohort = month of first purchase (or of acquisition). Cells after "
    "the as_of month are not observed and left empty (NaN).",
)
REVENUE_RETENTION_DEFINITION = register_definition(
    "revenue_retention",
    "Net revenue retention (cohort c, period k) = revenue of cohort c in calendar "
    "month c + k / its revenue in period 0. Gross revenue retention caps each "
    "customer's revenue at their own period-0 revenue (no expansion counted).",
)
REPEAT_DEFINITION = register_definition(
    "repeat_purchase_rate",
    "Repeat purchase rate = customers with at least two distinct orders on or "
    "before as_of / customers with at least one. Wilson score interval.",
)


# --------------------------------------------------------------------- CRR
def crr_from_counts(
    *,
    customers_at_start: int,
    customers_at_end: int,
    new_customers: int,
    confidence: float = 0.95,
) -> MetricResult:
    """Customer retention rate ``(E - N) / S`` from the three counts.

    Returns NaN with an :class:`UndefinedMetricWarning` when ``S == 0``. Since
    ``E - N = S - (all cancellations in the period)``, cancellations by customers
    acquired during the period lower CRR too; over long periods with heavy
    churn it can even be negative (a :class:`DataQualityWarning` is raised).
    The interval is (NaN, NaN) when ``E - N`` is outside ``[0, S]``.
    """
    confidence = check_confidence(confidence)
    s, e, n = customers_at_start, customers_at_end, new_customers
    retained = e - n
    if s == 0:
        warnings.warn(
            "retention_rate: no customers at the start; CRR is NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        value = math.nan
    else:
        value = retained / s
        if retained < 0:
            warnings.warn(
                f"retention_rate: CRR is negative ({retained} / {s}): cancellations "
                "by customers acquired during the period are charged to the start "
                "count. Use a shorter period, churn_rate(definition='start_cohort') "
                "or cohort_retention.",
                DataQualityWarning,
                stacklevel=2,
            )
    return MetricResult(
        metric="retention_rate",
        value=value,
        numerator=float(retained),
        denominator=float(s),
        ci=wilson_interval(retained, s, confidence=confidence),
        definition=CRR_DEFINITION,
        confidence=confidence,
        details={
            "customers_at_start": int(s),
            "customers_at_end": int(e),
            "new_customers": int(n),
        },
    )


def _crr_frame(counts: pd.DataFrame, confidence: float) -> pd.DataFrame:
    out = counts.copy()
    out["customers_at_end"] = (
        out["active_at_start"]
        - out["cancellations_from_start"]
        + out["new_customers"]
        - out["cancellations_from_new"]
    )
    retained = out["customers_at_end"] - out["new_customers"]
    den = out["active_at_start"]
    out["retention_rate"] = np.where(den > 0, retained / den.where(den > 0, 1), np.nan)
    cis = [
        wilson_interval(a, b, confidence=confidence)
        for a, b in zip(retained, den, strict=True)
    ]
    out["ci_low"] = [c[0] for c in cis]
    out["ci_high"] = [c[1] for c in cis]
    return out


def retention_rate(
    customers: pd.DataFrame | Table,
    *,
    start: str | dt.date,
    end: str | dt.date,
    confidence: float = 0.95,
) -> MetricResult:
    """Customer retention rate over ``[start, end)`` from a customers table.

    ``CRR = (E - N) / S``: S customers active at `start`, E active just before
    `end`, N acquired in ``[start, end)``. Equals 1 - churn under the
    ``all_over_start`` definition.

    Parameters
    ----------
    customers : DataFrame or Ibis table
        ``customer_id``, ``acquisition_date``, ``cancellation_date``.
    start, end : str or date
        Period bounds, `end` excluded.
    confidence : float, default 0.95

    Returns
    -------
    MetricResult
        Usually a fraction in [0, 1], but negative when more customers cancel
        in the period than were active at its start (see
        :func:`crr_from_counts`); ``details`` hold the three counts.

    References
    ----------
    Farris, P. W. et al. (2010). Marketing Metrics, 2nd ed., ch. 5 (retention).
    """
    table = table_of(
        customers,
        ("customer_id", "acquisition_date", "cancellation_date"),
        "customers",
    )
    periods = _periods(
        require_date(start, param="start"), require_date(end, param="end")
    )
    row = _crr_frame(_churn_counts(table, periods, []), 0.95).iloc[0]
    return crr_from_counts(
        customers_at_start=int(row["active_at_start"]),
        customers_at_end=int(row["customers_at_end"]),
        new_customers=int(row["new_customers"]),
        confidence=confidence,
    )


def retention_by(
    customers: pd.DataFrame | Table,
    *,
    by: str | Sequence[str],
    start: str | dt.date,
    end: str | dt.date,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`retention_rate` per segment: one row per group with the counts."""
    confidence = check_confidence(confidence)
    keys = [by] if isinstance(by, str) else list(by)
    table = table_of(
        customers,
        ("customer_id", "acquisition_date", "cancellation_date", *keys),
        "customers",
    )
    periods = _periods(
        require_date(start, param="start"), require_date(end, param="end")
    )
    return _crr_frame(_churn_counts(table, periods, keys), confidence)


# ----------------------------------------------------------------- cohorts
def _month_index(col: ibis.Value) -> ibis.Value:
    return col.year() * 12 + col.month()


def _cohort_activity(
    transactions: pd.DataFrame | Table,
    customers: pd.DataFrame | Table | None,
    as_of: pd.Timestamp,
) -> tuple[Table, Table]:
    """(per customer-period rows, cohort sizes) as Ibis expressions."""
    t = table_of(transactions, ("customer_id", "timestamp", "amount"), "transactions")
    t = t.filter(t.timestamp < as_of + pd.Timedelta(days=1))
    if customers is None:
        base = t.group_by("customer_id").aggregate(cohort_ts=t.timestamp.min())
    else:
        c = table_of(customers, ("customer_id", "acquisition_date"), "customers")
        c = c.filter(c.acquisition_date < as_of + pd.Timedelta(days=1))
        base = c.select("customer_id", cohort_ts=c.acquisition_date.cast("timestamp"))
    base = base.mutate(
        cohort=base.cohort_ts.truncate("M"), c_idx=_month_index(base.cohort_ts)
    )
    j = t.join(base, "customer_id")
    j = j.mutate(period=_month_index(j.timestamp) - j.c_idx)
    j = j.filter(j.period >= 0)
    per = j.group_by(["customer_id", "cohort", "period"]).aggregate(
        revenue=j.amount.sum()
    )
    sizes = base.group_by("cohort").aggregate(size=base.customer_id.nunique())
    return per, sizes


def _shape_matrix(
    cells: pd.DataFrame, column: str, as_of: pd.Timestamp, max_periods: int | None
) -> pd.DataFrame:
    """Pivot cohort x period, 0 for observed empty cells, NaN for unobserved."""
    if cells.empty:
        return pd.DataFrame(dtype=float)
    mat = cells.pivot_table(
        index="cohort", columns="period", values=column, aggfunc="sum"
    )
    cohorts = pd.DatetimeIndex(mat.index)
    last_idx = as_of.year * 12 + as_of.month
    c_idx = cohorts.year * 12 + cohorts.month
    n_cols = int(last_idx - c_idx.min()) + 1
    if max_periods is not None:
        n_cols = min(n_cols, max_periods + 1)
    mat = mat.reindex(columns=range(n_cols)).astype(float)
    observed = (np.asarray(c_idx)[:, None] + np.arange(n_cols)[None, :]) <= last_idx
    values = np.where(observed, np.nan_to_num(mat.to_numpy(), nan=0.0), np.nan)
    out = pd.DataFrame(
        values,
        index=pd.Index(cohorts, name="cohort"),
        columns=pd.Index(range(n_cols), name="period"),
    )
    return out


def cohort_retention(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    customers: pd.DataFrame | Table | None = None,
    value: str = "customers",
    normalize: bool = True,
    max_periods: int | None = None,
) -> pd.DataFrame:
    """Cohort retention matrix: cohorts (month) as rows, period index as columns.

    ``R[c, k] = |{customers of cohort c active in calendar month c + k}| / |c|``.

    Parameters
    ----------
    transactions : DataFrame or Ibis table
        ``customer_id``, ``timestamp``, ``amount``; rows after `as_of` are ignored.
        Remove cancellations/returns first if they should not count as activity.
    as_of : str or date
        Last day of data. Cells of months after the `as_of` month are NaN
        (the month of `as_of` itself counts as observed, possibly partially).
    customers : DataFrame or Ibis table, optional
        When given, cohorts are acquisition months (``acquisition_date``) and
        |c| counts every customer acquired, bought or not; purchases before
        acquisition are ignored. Default: month of first purchase.
    value : {"customers", "revenue"}
        Unique active customers per cell, or revenue (divided by period-0
        revenue when `normalize`: net revenue retention).
    normalize : bool, default True
        Divide by the cohort's size (customers) or period-0 revenue. False
        returns the raw cells: unique active customers (period 0 equals the
        cohort size for first-purchase cohorts) or revenue.
    max_periods : int, optional
        Keep periods 0..max_periods.

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (month start), columns ``period`` 0, 1, ...

    Notes
    -----
    Calendar months, not 30-day blocks. With first-purchase cohorts period 0 is
    1.0 by construction. The last (partial) month is observed but incomplete.
    """
    require_one_of(value, ["customers", "revenue"], param="value")
    as_of_ts = require_date(as_of, param="as_of")
    per, sizes = _cohort_activity(transactions, customers, as_of_ts)
    cell = per.group_by(["cohort", "period"]).aggregate(
        customers=per.customer_id.nunique(), revenue=per.revenue.sum()
    )
    cells = cell.to_pandas()
    if customers is not None:  # acquired cohorts without any purchase: zero rows
        cohorts = sizes.to_pandas()["cohort"]
        absent = cohorts[~cohorts.isin(cells["cohort"])]
        extra = pd.DataFrame(
            {"cohort": absent, "period": 0, "customers": 0, "revenue": 0.0}
        )
        cells = pd.concat([cells, extra], ignore_index=True) if len(extra) else cells
    mat = _shape_matrix(cells, value, as_of_ts, max_periods)
    if not normalize or mat.empty:
        return mat
    if value == "revenue":
        return mat.div(mat[0].where(mat[0] != 0), axis=0)
    return mat.div(_sizes(sizes, mat.index), axis=0)


def _sizes(sizes: Table, index: pd.Index) -> pd.Series:
    s = sizes.to_pandas().set_index("cohort")["size"].astype(float)
    return s.reindex(index)


def revenue_retention(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    kind: str = "net",
    max_periods: int | None = None,
) -> pd.DataFrame:
    """Revenue retention by first-purchase cohort (net or gross), cohorts x periods.

    Net: ``revenue_c,k / revenue_c,0``. Gross: ``Σ_i min(rev_i,k, rev_i,0) /
    revenue_c,0`` — each customer's revenue capped at their own period-0
    revenue, so expansion is not counted and GRR <= 1 (with non-negative
    amounts). Unobserved cells are NaN. Period 0 is 1.0 for both (capping a
    customer's period-0 revenue at itself changes nothing).
    """
    require_one_of(kind, ["net", "gross"], param="kind")
    as_of_ts = require_date(as_of, param="as_of")
    per, _ = _cohort_activity(transactions, None, as_of_ts)
    if kind == "gross":
        base = per.filter(per.period == 0).select("customer_id", base_rev=per.revenue)
        per = per.left_join(base, "customer_id").select(
            "customer_id", "cohort", "period", "revenue", "base_rev"
        )
        per = per.mutate(revenue=ibis.least(per.revenue, per.base_rev.fill_null(0.0)))
    cells = per.group_by(["cohort", "period"]).aggregate(revenue=per.revenue.sum())
    mat = _shape_matrix(cells.to_pandas(), "revenue", as_of_ts, max_periods)
    if mat.empty:
        return mat
    return mat.div(mat[0].where(mat[0] != 0), axis=0)


def repeat_purchase_rate(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    order_col: str | None = "order_id",
    confidence: float = 0.95,
) -> MetricResult:
    """Share of customers with at least two distinct orders by `as_of`.

    Orders are distinct values of `order_col` when the table has it, otherwise
    distinct timestamps.
    """
    confidence = check_confidence(confidence)
    as_of_ts = require_date(as_of, param="as_of")
    t = table_of(transactions, ("customer_id", "timestamp"), "transactions")
    t = t.filter(t.timestamp < as_of_ts + pd.Timedelta(days=1))
    key = order_col if order_col and order_col in t.columns else "timestamp"
    per = t.group_by("customer_id").aggregate(orders=t[key].nunique())
    row = (
        per.aggregate(
            customers=per.customer_id.count(),
            repeaters=(per.orders >= 2).cast("int64").sum(),
        )
        .to_pandas()
        .iloc[0]
    )
    n, k = int(row["customers"]), int(row["repeaters"]) if row["customers"] else 0
    if n == 0:
        warnings.warn(
            "repeat_purchase_rate: no customers; NaN is returned.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return MetricResult(
        metric="repeat_purchase_rate",
        value=k / n if n else math.nan,
        numerator=float(k),
        denominator=float(n),
        ci=wilson_interval(k, n, confidence=confidence),
        definition=REPEAT_DEFINITION,
        confidence=confidence,
        details={"customers": n, "repeat_customers": k, "order_key": key},
    )
