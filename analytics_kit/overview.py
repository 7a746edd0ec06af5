"""Headline counts of a transaction table: customers, revenue, repeat buyers, activity.

These are the first numbers of every report. They run as Ibis expressions on the
client's engine and return small pandas results.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from analytics_kit._validation import require_columns, require_date
from analytics_kit.engine import Table, as_table

__all__ = ["Overview", "monthly_active_customers", "overview"]


@dataclass(frozen=True)
class Overview:
    """Headline counts of a transaction table up to ``as_of``."""

    customers: int
    transactions: int
    revenue: float
    repeat_customers: int
    first_day: pd.Timestamp | None
    last_day: pd.Timestamp | None
    definition: str = (
        "Repeat-purchase rate = customers who bought on two or more distinct days / "
        "all customers with a purchase up to as_of."
    )

    @property
    def repeat_purchase_rate(self) -> float:
        """Share of customers who bought on two or more distinct days, in [0, 1].

        Days, not orders, as in the CLV summary's purchase occasions.
        :func:`analytics_kit.metrics.repeat_purchase_rate` counts distinct orders and
        gives a Wilson interval; the two differ when customers place several orders
        on one day.
        """
        return (
            self.repeat_customers / self.customers if self.customers else float("nan")
        )


def _up_to(t: Table, as_of: pd.Timestamp, time_col: str) -> Table:
    end = ibis.literal((as_of + pd.Timedelta(days=1)).to_pydatetime())
    return t.filter(t[time_col] < end)


def overview(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | pd.Timestamp,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
) -> Overview:
    """Customers, transactions, revenue and repeat buyers up to `as_of`.

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        One row per transaction line with `customer_col`, `time_col` (local time) and
        `amount_col` (currency units).
    as_of : str or pandas.Timestamp
        Last day included (ISO date).
    customer_col, time_col, amount_col : str
        Column names.

    Returns
    -------
    Overview
        Counts; ``revenue`` is the sum of `amount_col` (refunds net out).
    """
    day = require_date(as_of, param="as_of")
    t = as_table(transactions)
    require_columns(
        t.columns, [customer_col, time_col, amount_col], param="transactions"
    )
    t = _up_to(t, day, time_col)
    days = t.select(c=t[customer_col], d=t[time_col].date()).distinct()
    per_customer = days.group_by("c").aggregate(n=days.d.count())
    totals = (
        t.aggregate(
            customers=t[customer_col].nunique(),
            transactions=t.count(),
            revenue=t[amount_col].sum(),
            first=t[time_col].min(),
            last=t[time_col].max(),
        )
        .to_pandas()
        .iloc[0]
    )
    repeat = int(per_customer.filter(per_customer.n >= 2).count().to_pyarrow().as_py())
    return Overview(
        customers=int(totals["customers"]),
        transactions=int(totals["transactions"]),
        revenue=float(totals["revenue"]) if pd.notna(totals["revenue"]) else 0.0,
        repeat_customers=repeat,
        first_day=None if pd.isna(totals["first"]) else pd.Timestamp(totals["first"]),
        last_day=None if pd.isna(totals["last"]) else pd.Timestamp(totals["last"]),
    )


def monthly_active_customers(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | pd.Timestamp,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Distinct buying customers and revenue per calendar month, up to `as_of`.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (first day of the month), ``active_customers`` and
        ``revenue``, one row per month from the first to the last month with data;
        months without purchases appear with zeros. The month containing `as_of` is
        complete only when `as_of` is its last day.
    """
    day = require_date(as_of, param="as_of")
    t = as_table(transactions)
    require_columns(
        t.columns, [customer_col, time_col, amount_col], param="transactions"
    )
    t = _up_to(t, day, time_col)
    month = t[time_col].truncate("M").name("month")
    agg = (
        t.group_by(month)
        .aggregate(
            active_customers=t[customer_col].nunique(), revenue=t[amount_col].sum()
        )
        .order_by("month")
        .to_pandas()
    )
    if agg.empty:
        return pd.DataFrame({"month": [], "active_customers": [], "revenue": []})
    agg["month"] = pd.to_datetime(agg["month"])
    months = pd.date_range(agg["month"].min(), agg["month"].max(), freq="MS")
    out = agg.set_index("month").reindex(months, fill_value=0).rename_axis("month")
    return out.reset_index().astype({"active_customers": "int64"})
