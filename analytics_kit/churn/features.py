"""Point-in-time customer features for transaction clients.

Every feature is computed from rows dated strictly before the cutoff, so a model
trained on them never sees the future it is asked to predict. The heavy work
(aggregating transactions and activity events) is one Ibis expression per table,
run by the client's engine.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import Table

from analytics_kit._validation import require_columns, require_date
from analytics_kit.engine import as_table, to_pandas
from analytics_kit.exceptions import DataValidationError, format_error

__all__ = ["nps_class", "point_in_time_features"]

_DAY = 86_400.0
_CUSTOMER_SKIP = {"customer_id", "acquisition_date", "cancellation_date"}


def nps_class(score: pd.Series) -> pd.Series:
    """Promoter (9-10), passive (7-8), detractor (0-6), or "no response" (missing).

    Reichheld (2003), "The One Number You Need to Grow", Harvard Business Review
    81(12), 46-54.
    """
    out = pd.Series("no response", index=score.index, dtype=object)
    out[score >= 9] = "promoter"
    out[(score >= 7) & (score < 9)] = "passive"
    out[score < 7] = "detractor"
    return out


def _transaction_features(
    t: Table, cut: pd.Timestamp, window_days: int
) -> pd.DataFrame:
    lit = ibis.literal(cut.to_pydatetime())
    before = t.filter(t.timestamp < lit)
    key = before.order_id if "order_id" in t.columns else before.timestamp
    secs = before.timestamp.epoch_seconds()
    bought = before.amount > 0
    cut_s = cut.timestamp()
    recent = secs >= cut_s - window_days * _DAY
    previous = (secs >= cut_s - 2 * window_days * _DAY) & ~recent
    agg = before.group_by("customer_id").aggregate(
        first_s=secs.min(where=bought),
        last_s=secs.max(where=bought),
        frequency=key.nunique(where=bought),
        purchase_spend=before.amount.sum(where=bought),
        total_spend=before.amount.sum(),
        spend_recent=before.amount.sum(where=bought & recent),
        spend_previous=before.amount.sum(where=bought & previous),
        returned_orders=key.nunique(where=before.amount < 0),
    )
    df = to_pandas(agg.filter(agg.frequency > 0))
    out = pd.DataFrame({"customer_id": df["customer_id"].astype(str)})
    out["recency_days"] = (cut_s - df["last_s"]) / _DAY
    out["tenure_days"] = (cut_s - df["first_s"]) / _DAY
    out["frequency"] = df["frequency"].astype(int)
    out["total_spend"] = df["total_spend"].astype(float)
    out["avg_order_value"] = df["purchase_spend"] / df["frequency"]
    recent_col, prev_col = f"spend_last_{window_days}d", f"spend_prior_{window_days}d"
    out[recent_col] = df["spend_recent"].fillna(0.0).astype(float)
    out[prev_col] = df["spend_previous"].fillna(0.0).astype(float)
    out["spend_trend"] = out[recent_col] - out[prev_col]
    gaps = (df["last_s"] - df["first_s"]) / _DAY / (df["frequency"] - 1)
    out["mean_days_between_purchases"] = gaps.where(df["frequency"] > 1, np.nan)
    out["returned_orders"] = df["returned_orders"].fillna(0).astype(int)
    return out


def _customer_attributes(
    customers: pd.DataFrame | Table, cut: pd.Timestamp
) -> pd.DataFrame:
    c = as_table(customers)
    require_columns(c.columns, ["customer_id"], param="customers")
    keep = ["customer_id", *(col for col in c.columns if col not in _CUSTOMER_SKIP)]
    if "acquisition_date" in c.columns:
        c = c.filter(c.acquisition_date < ibis.literal(cut.to_pydatetime()))
    df = to_pandas(c.select(keep))
    df["customer_id"] = df["customer_id"].astype(str)
    if df["customer_id"].duplicated().any():
        dup = df.loc[df["customer_id"].duplicated(), "customer_id"].head(5).tolist()
        msg = format_error(
            "customers.customer_id",
            "duplicate ids",
            "one row per customer",
            "deduplicate the customers table",
            dup,
        )
        raise DataValidationError(msg)
    return df


def _nps_feature(nps: pd.DataFrame | Table, cut: pd.Timestamp) -> pd.DataFrame:
    n = as_table(nps)
    require_columns(n.columns, ["customer_id", "date", "score"], param="nps_responses")
    n = n.filter((n.date < ibis.literal(cut.to_pydatetime())) & n.customer_id.notnull())
    last = n.group_by("customer_id").aggregate(last_nps_score=n.score.argmax(n.date))
    df = to_pandas(last)
    df["customer_id"] = df["customer_id"].astype(str)
    return df


def _activity_features(
    activity: pd.DataFrame | Table, cut: pd.Timestamp, window_days: int
) -> pd.DataFrame:
    a = as_table(activity)
    require_columns(
        a.columns, ["customer_id", "timestamp", "event_type"], param="activity"
    )
    a = a.filter(a.timestamp < ibis.literal(cut.to_pydatetime()))
    start = ibis.literal((cut - pd.Timedelta(days=window_days)).to_pydatetime())
    agg = a.group_by("customer_id").aggregate(
        activity_events=a.count(),
        **{f"activity_events_last_{window_days}d": a.count(where=a.timestamp >= start)},
    )
    df = to_pandas(agg)
    df["customer_id"] = df["customer_id"].astype(str)
    return df


def point_in_time_features(
    transactions: pd.DataFrame | Table,
    *,
    cutoff: str | pd.Timestamp,
    customers: pd.DataFrame | Table | None = None,
    nps_responses: pd.DataFrame | Table | None = None,
    activity: pd.DataFrame | Table | None = None,
    trend_window_days: int = 90,
) -> pd.DataFrame:
    """One row of features per customer, from data strictly before `cutoff`.

    Population: customers with at least one purchase (``amount > 0``) before
    `cutoff`. Transactions at or after `cutoff` are never read.

    =============================  ==============================================
    feature                        definition (days = 86,400 s, as floats)
    =============================  ==============================================
    recency_days                   cutoff - last purchase
    tenure_days                    cutoff - first purchase
    frequency                      distinct orders with amount > 0 (order_id, or
                                   timestamp without order_id)
    total_spend                    sum of amount, net of returns (amount < 0)
    avg_order_value                purchase amount / frequency
    spend_last_{W}d                purchases in [cutoff - W, cutoff)
    spend_prior_{W}d               purchases in [cutoff - 2W, cutoff - W)
    spend_trend                    spend_last_{W}d - spend_prior_{W}d
    mean_days_between_purchases    (last - first purchase) / (frequency - 1);
                                   NaN for one-order customers
    returned_orders                distinct orders with amount < 0
    acquisition_channel, ...       every column of `customers` except the id and
                                   dates (customers acquired before cutoff)
    nps_class                      class of the latest NPS score before cutoff:
                                   promoter / passive / detractor / no response
    activity_events[_last_{W}d]    activity events before cutoff (in last W days)
    =============================  ==============================================

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        Canonical transactions: ``customer_id``, ``timestamp``, ``amount``,
        optional ``order_id``.
    cutoff : str or pandas.Timestamp
        ISO date; only rows with timestamp < cutoff (midnight) are used.
    customers, nps_responses, activity : DataFrame or ibis.Table, optional
        Canonical tables; NPS responses need ``customer_id`` to link.
    trend_window_days : int, default=90
        ``W`` above.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``customer_id``.

    Raises
    ------
    DataValidationError
        When a required column is missing or `customers` has duplicate ids.

    Notes
    -----
    Segment attributes in `customers` are taken as they are now; if they change
    over time (a plan upgrade after the cutoff), they can leak the future. Keep
    only attributes fixed at acquisition, or snapshot them at the cutoff.
    """
    cut = require_date(cutoff, param="cutoff")
    t = as_table(transactions)
    require_columns(
        t.columns, ["customer_id", "timestamp", "amount"], param="transactions"
    )
    out = _transaction_features(t, cut, int(trend_window_days))
    if customers is not None:
        out = out.merge(
            _customer_attributes(customers, cut), on="customer_id", how="left"
        )
    if nps_responses is not None:
        nps = _nps_feature(nps_responses, cut)
        out = out.merge(nps, on="customer_id", how="left")
        out["nps_class"] = nps_class(out.pop("last_nps_score"))
    if activity is not None:
        act = _activity_features(activity, cut, int(trend_window_days))
        out = out.merge(act, on="customer_id", how="left")
        for col in act.columns.drop("customer_id"):
            out[col] = out[col].fillna(0).astype(int)
    return out.sort_values("customer_id", ignore_index=True)
