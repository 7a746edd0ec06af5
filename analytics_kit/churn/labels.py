"""Churn labels for contractual and transaction-only clients.

Contractual clients say when a customer left (a cancellation date or a churn
flag). Transaction-only clients never do: a customer is called churned at a cutoff
date when they buy nothing during an inactivity window after it. The window is
given by the analyst or derived from the customers' own inter-purchase times, and
the result always says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import Table

from analytics_kit._validation import require_columns, require_date
from analytics_kit.churn._prepare import parse_binary
from analytics_kit.engine import as_table, to_pandas
from analytics_kit.exceptions import (
    DataValidationError,
    ModelEstimationError,
    format_error,
)

__all__ = [
    "ChurnLabels",
    "InactivityWindow",
    "contractual_churn_labels",
    "inactivity_window",
    "transaction_churn_labels",
]

_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, eq=False)
class ChurnLabels:
    """Churn labels and how they were defined.

    Attributes
    ----------
    labels : pandas.DataFrame
        One row per customer: ``customer_id``, ``churned`` (bool) and, where
        known, ``duration_days`` (days observed: to cancellation, or to `as_of`).
    cutoff : pandas.Timestamp
        The date at which churn is judged (contractual: `as_of`).
    window_days : float or None
        Inactivity window of a transaction-only label, else None.
    definition : str
        One sentence for the report, including how the window was chosen.
    """

    labels: pd.DataFrame
    cutoff: pd.Timestamp
    window_days: float | None
    definition: str

    @property
    def customers(self) -> int:
        """Customers labelled."""
        return len(self.labels)

    @property
    def churners(self) -> int:
        """Customers labelled churned."""
        return int(self.labels["churned"].sum())

    @property
    def churn_rate(self) -> float:
        """churners / customers (NaN without customers)."""
        return self.churners / self.customers if self.customers else float("nan")


@dataclass(frozen=True)
class InactivityWindow:
    """A window derived from inter-purchase gaps (see :func:`inactivity_window`)."""

    window_days: float
    quantile: float
    gaps: int
    customers: int

    def describe(self) -> str:
        """The derivation in one sentence."""
        return (
            f"{self.window_days:g} days = the {self.quantile:.0%} quantile of "
            f"{self.gaps:,} gaps between purchase days of {self.customers:,} repeat "
            "buyers before the cutoff, rounded up to a whole day"
        )


def _purchases_before(t: Table, cutoff: pd.Timestamp) -> Table:
    cut = ibis.literal(cutoff.to_pydatetime())
    return t.filter((t.timestamp < cut) & (t.amount > 0))


def inactivity_window(
    transactions: pd.DataFrame | Table,
    *,
    cutoff: str | pd.Timestamp,
    quantile: float = 0.9,
) -> InactivityWindow:
    """Derive an inactivity window from the gaps between purchase days.

    For every customer, the distinct calendar days with a purchase (``amount >
    0``) strictly before `cutoff` are ordered and the gaps between consecutive
    days taken; the window is the `quantile` of all gaps pooled, rounded up to
    whole days. With ``quantile=0.9``, 90 % of observed returns happened within
    the window, so a customer silent for longer is unlikely to come back.

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        Canonical transactions (``customer_id``, ``timestamp``, ``amount``).
    cutoff : str or pandas.Timestamp
        Only purchases before this date are used.
    quantile : float, default=0.9
        Quantile of the pooled gaps, in (0, 1).

    Returns
    -------
    InactivityWindow
        The window in days and the counts behind it.

    Raises
    ------
    ModelEstimationError
        When no customer bought on two different days before the cutoff.

    Notes
    -----
    Pooled gaps weigh frequent buyers more (they contribute more gaps), which
    makes the window shorter than a per-customer median would. Long gaps are
    cut off by the end of the data (right-censored), which also shortens it.
    """
    cut = require_date(cutoff, param="cutoff")
    t = as_table(transactions)
    require_columns(
        t.columns, ["customer_id", "timestamp", "amount"], param="transactions"
    )
    days = (
        _purchases_before(t, cut)
        .select("customer_id", day=t.timestamp.truncate("D").epoch_seconds())
        .distinct()
    )
    w = ibis.window(group_by=days.customer_id, order_by=days.day)
    gaps = days.mutate(gap=(days.day - days.day.lag().over(w)) / _SECONDS_PER_DAY)
    gaps = gaps.filter(gaps.gap.notnull())
    stats = to_pandas(
        gaps.aggregate(
            n=gaps.count(),
            customers=gaps.customer_id.nunique(),
            q=gaps.gap.quantile(quantile),
        )
    ).iloc[0]
    if int(stats["n"]) == 0:
        msg = format_error(
            "window_days",
            "no customer with purchases on two different days before the cutoff",
            "a given window, or repeat buyers to derive one from",
            "pass window_days (e.g. 90) explicitly",
        )
        raise ModelEstimationError(msg)
    return InactivityWindow(
        window_days=float(math.ceil(float(stats["q"]) - 1e-9)),
        quantile=quantile,
        gaps=int(stats["n"]),
        customers=int(stats["customers"]),
    )


def transaction_churn_labels(
    transactions: pd.DataFrame | Table,
    *,
    cutoff: str | pd.Timestamp,
    as_of: str | pd.Timestamp,
    window_days: float | None = None,
    window_quantile: float = 0.9,
    window_source: str = "given by the analyst",
) -> ChurnLabels:
    """Label customers of a transaction-only client as churned at a cutoff.

    Population: customers with a purchase (``amount > 0``) strictly before
    `cutoff`. A customer is churned when they have no purchase in
    ``[cutoff, cutoff + window_days)``. Returns and cancellations (``amount <=
    0``) are not purchases.

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        Canonical transactions.
    cutoff : str or pandas.Timestamp
        Date at which churn is judged (ISO date).
    as_of : str or pandas.Timestamp
        End of the observed data; the window must end on or before it.
    window_days : float, optional
        Inactivity window in days. Default: derived with
        :func:`inactivity_window` at `window_quantile`.
    window_quantile : float, default=0.9
        Quantile used when deriving the window.
    window_source : str, default="given by the analyst"
        How a given `window_days` was chosen, quoted in ``definition`` (e.g. when
        the caller derived it at another date with :func:`inactivity_window`).

    Returns
    -------
    ChurnLabels
        ``labels`` with ``customer_id`` and ``churned``; ``definition`` states
        the window and whether it was given or derived.

    Raises
    ------
    DataValidationError
        When the window would end after `as_of` (the outcome is not yet known),
        or `window_days` is not positive.
    ModelEstimationError
        When the window must be derived but there are no repeat buyers.
    """
    cut = require_date(cutoff, param="cutoff")
    end = require_date(as_of, param="as_of")
    t = as_table(transactions)
    require_columns(
        t.columns, ["customer_id", "timestamp", "amount"], param="transactions"
    )
    if window_days is None:
        derived = inactivity_window(t, cutoff=cut, quantile=window_quantile)
        window, how = derived.window_days, f"derived: {derived.describe()}"
    else:
        window, how = float(window_days), window_source
    if not window > 0:
        msg = format_error(
            "window_days",
            repr(window_days),
            "a positive number of days",
            "pass e.g. window_days=90",
        )
        raise DataValidationError(msg)
    horizon = cut + pd.Timedelta(days=window)
    if horizon > end + pd.Timedelta(days=1):
        msg = format_error(
            "cutoff + window_days",
            f"{horizon:%Y-%m-%d}, after as_of {end:%Y-%m-%d}",
            "a window that ends on or before the end of the observed data",
            f"choose a cutoff on or before {end - pd.Timedelta(days=window - 1):%Y-%m-%d}",
        )
        raise DataValidationError(msg)
    base = _purchases_before(t, cut).select("customer_id").distinct()
    lo, hi = ibis.literal(cut.to_pydatetime()), ibis.literal(horizon.to_pydatetime())
    active = (
        t.filter((t.timestamp >= lo) & (t.timestamp < hi) & (t.amount > 0))
        .select("customer_id")
        .distinct()
        .mutate(active=ibis.literal(True))
    )
    joined = base.left_join(active, "customer_id").select("customer_id", "active")
    frame = to_pandas(joined)
    labels = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str),
            "churned": frame["active"].isna().to_numpy(),
        }
    ).sort_values("customer_id", ignore_index=True)
    definition = (
        f"Churned = bought before {cut:%Y-%m-%d} and not in the {window:g} days "
        f"from {cut:%Y-%m-%d} to {horizon - pd.Timedelta(days=1):%Y-%m-%d}; "
        f"window {how}."
    )
    return ChurnLabels(labels, cut, window, definition)


def contractual_churn_labels(
    customers: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    churn_flag_col: str | None = None,
    cutoff: str | pd.Timestamp | None = None,
    horizon_days: float | None = None,
) -> ChurnLabels:
    """Label customers of a contractual client from cancellation dates or a flag.

    With cancellation dates (canonical ``customers`` table), a customer is
    churned when ``cancellation_date <= as_of``; cancellations after `as_of` are
    unknown at `as_of` and count as active. Customers acquired after `as_of` are
    left out. ``duration_days`` = (cancellation date, or `as_of` when active) -
    ``acquisition_date``: the input of a survival curve.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` with ``acquisition_date`` and ``cancellation_date``
        (NaT = active), or with `churn_flag_col`.
    as_of : str or pandas.Timestamp
        The date at which churn is judged.
    churn_flag_col : str, optional
        A True/False, 1/0 or Yes/No column used instead of cancellation dates.
    cutoff : str or pandas.Timestamp, optional
        For a leakage-safe model: label only customers acquired before `cutoff`
        and not cancelled before it; churned = cancelled in
        ``[cutoff, cutoff + horizon_days)``. Features must then come from data
        before `cutoff` (:func:`~analytics_kit.churn.point_in_time_features`).
    horizon_days : float, optional
        Required with `cutoff`; the window must end on or before `as_of`.

    Returns
    -------
    ChurnLabels
        ``labels`` with ``customer_id``, ``churned`` and (with dates)
        ``duration_days``.

    Raises
    ------
    DataValidationError
        When columns are missing, a flag is not a churn flag, or a cancellation
        precedes its acquisition.
    """
    end = require_date(as_of, param="as_of")
    if churn_flag_col is not None:
        require_columns(
            customers.columns, ["customer_id", churn_flag_col], param="customers"
        )
        churned = parse_binary(customers[churn_flag_col], param=churn_flag_col).astype(
            bool
        )
        labels = pd.DataFrame(
            {
                "customer_id": customers["customer_id"].astype(str).to_numpy(),
                "churned": churned,
            }
        )
        return ChurnLabels(labels, end, None, f"Churned = {churn_flag_col!r} is set.")
    need = ["customer_id", "acquisition_date", "cancellation_date"]
    require_columns(customers.columns, need, param="customers")
    acq = pd.to_datetime(customers["acquisition_date"])
    cancel = pd.to_datetime(customers["cancellation_date"])
    bad = (cancel < acq).to_numpy()
    if bad.any():
        rows = customers.loc[bad, need].head(5).to_dict("records")
        msg = format_error(
            "customers.cancellation_date",
            f"{int(bad.sum()):,} cancellation(s) before the acquisition date",
            "cancellation_date on or after acquisition_date, or empty",
            "correct the dates in the source file",
            [str(r) for r in rows],
        )
        raise DataValidationError(msg)
    ended = (cancel.notna() & (cancel <= end)).to_numpy()
    if cutoff is None:
        keep = (acq <= end).to_numpy()
        churned = ended
        judged, window = end, None
        definition = f"Churned = cancellation date on or before {end:%Y-%m-%d}."
    else:
        judged, window, horizon = _contract_window(cutoff, horizon_days, end)
        keep = ((acq < judged) & (cancel.isna() | (cancel >= judged))).to_numpy()
        churned = ended & (cancel < horizon).to_numpy()
        definition = (
            f"Churned = active on {judged:%Y-%m-%d} and cancelled within {window:g} "
            f"days (by {horizon - pd.Timedelta(days=1):%Y-%m-%d})."
        )
    stop = np.where(ended, cancel.to_numpy(), np.datetime64(end))[keep]
    duration = (pd.to_datetime(stop) - acq.to_numpy()[keep]) / pd.Timedelta(days=1)
    labels = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].astype(str).to_numpy()[keep],
            "churned": churned[keep],
            "duration_days": np.asarray(duration, dtype=float),
        }
    )
    return ChurnLabels(labels, judged, window, definition)


def _contract_window(
    cutoff: str | pd.Timestamp, horizon_days: float | None, end: pd.Timestamp
) -> tuple[pd.Timestamp, float, pd.Timestamp]:
    cut = require_date(cutoff, param="cutoff")
    if horizon_days is None or not horizon_days > 0:
        msg = format_error(
            "horizon_days",
            repr(horizon_days),
            "a positive number of days with cutoff",
            "pass e.g. horizon_days=180",
        )
        raise DataValidationError(msg)
    horizon = cut + pd.Timedelta(days=float(horizon_days))
    if horizon > end + pd.Timedelta(days=1):
        msg = format_error(
            "cutoff + horizon_days",
            f"{horizon:%Y-%m-%d}, after as_of {end:%Y-%m-%d}",
            "a window that ends on or before the end of the observed data",
            "choose an earlier cutoff or a shorter horizon",
        )
        raise DataValidationError(msg)
    return cut, float(horizon_days), horizon
