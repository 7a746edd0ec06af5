"""Customer acquisition cost: blended and paid, by channel and period, payback, LTV:CAC.

Spend rows and new customers are aggregated per calendar period on the engine
(Ibis); the final ratios are computed in pandas on the small aggregated frames.
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
    register_definition,
    safe_ratio,
    table_of,
)

__all__ = ["cac", "cac_by", "cac_payback_months", "ltv_to_cac"]

CAC_DEFINITIONS = {
    "blended": register_definition(
        "cac[blended]",
        "Blended CAC = all counted marketing spend in the window / all customers "
        "acquired in the window (any channel, organic included). Over several "
        "periods it is total spend / total new customers, not a mean of period "
        "CACs. Spend can be lagged: spend of month m is matched to customers "
        "acquired in month m + lag.",
    ),
    "paid": register_definition(
        "cac[paid]",
        "Paid CAC = spend on paid channels / customers whose acquisition channel is "
        "one of those paid channels (by default the channels present in the spend "
        "table).",
    ),
}
PAYBACK_DEFINITION = register_definition(
    "cac_payback_months",
    "CAC payback (months) = CAC / (monthly revenue per customer x gross margin).",
)
LTV_CAC_DEFINITION = register_definition(
    "ltv_to_cac",
    "LTV:CAC = customer lifetime value (the named LTV definition) / CAC.",
)

_UNITS = {"M": "M", "Q": "Q", "Y": "Y"}


def _spend_cells(
    spend: pd.DataFrame | Table,
    *,
    freq: str,
    lag_periods: int,
    spend_channels: Sequence[str] | None,
) -> pd.DataFrame:
    s = table_of(spend, ("date", "channel", "spend"), "marketing_spend")
    if spend_channels is not None:
        s = s.filter(s.channel.isin(list(spend_channels)))
    date = s.date.cast("timestamp")
    if lag_periods:
        months = lag_periods * {"M": 1, "Q": 3, "Y": 12}[freq]
        date = date + ibis.interval(months=months)
    s = s.mutate(period=date.truncate(_UNITS[freq]))
    out = s.group_by(["period", "channel"]).aggregate(spend=s.spend.sum())
    return out.to_pandas()


def _customer_cells(customers: pd.DataFrame | Table, *, freq: str) -> pd.DataFrame:
    c = table_of(
        customers,
        ("customer_id", "acquisition_date", "acquisition_channel"),
        "customers",
    )
    c = c.mutate(
        period=c.acquisition_date.cast("timestamp").truncate(_UNITS[freq]),
        channel=c.acquisition_channel,
    )
    out = c.group_by(["period", "channel"]).aggregate(
        new_customers=c.customer_id.nunique()
    )
    return out.to_pandas()


def _cells(
    spend: pd.DataFrame | Table,
    customers: pd.DataFrame | Table,
    *,
    start: str | dt.date,
    end: str | dt.date,
    kind: str,
    freq: str,
    lag_periods: int,
    spend_channels: Sequence[str] | None,
    paid_channels: Sequence[str] | None,
) -> tuple[pd.DataFrame, list[str] | None]:
    """Spend and new customers per (period, channel) inside ``[start, end)``."""
    require_one_of(kind, list(CAC_DEFINITIONS), param="kind")
    require_one_of(freq, list(_UNITS), param="freq")
    if int(lag_periods) != lag_periods or lag_periods < 0:
        msg = format_error(
            "lag_periods",
            repr(lag_periods),
            "a whole number >= 0",
            "pass lag_periods=1 to match spend with next period's customers",
        )
        raise DataValidationError(msg)
    lo, hi = require_date(start, param="start"), require_date(end, param="end")
    sp = _spend_cells(
        spend, freq=freq, lag_periods=lag_periods, spend_channels=spend_channels
    )
    cu = _customer_cells(customers, freq=freq)
    cells = sp.merge(cu, on=["period", "channel"], how="outer")
    cells[["spend", "new_customers"]] = cells[["spend", "new_customers"]].fillna(0)
    cells = cells[(cells["period"] >= lo) & (cells["period"] < hi)]
    paid = None
    if kind == "paid":
        paid = (
            sorted(sp["channel"].dropna().unique())
            if paid_channels is None
            else list(paid_channels)
        )
        cells = cells[cells["channel"].isin(paid)]
    return cells.reset_index(drop=True), paid


def cac(
    spend: pd.DataFrame | Table,
    customers: pd.DataFrame | Table,
    *,
    start: str | dt.date,
    end: str | dt.date,
    kind: str = "blended",
    paid_channels: Sequence[str] | None = None,
    spend_channels: Sequence[str] | None = None,
    lag_periods: int = 0,
    freq: str = "M",
) -> MetricResult:
    """Customer acquisition cost over the periods starting in ``[start, end)``.

    ``CAC = Σ spend / Σ new customers`` over the window (ratio of sums).

    Parameters
    ----------
    spend : DataFrame or Ibis table
        Canonical ``marketing_spend``: ``date``, ``channel``, ``spend`` (currency).
    customers : DataFrame or Ibis table
        Canonical ``customers``: ``customer_id``, ``acquisition_date``,
        ``acquisition_channel``.
    start, end : str or date
        Window of periods (period start dates), `end` excluded.
    kind : {"blended", "paid"}
        Blended: all counted spend / all new customers. Paid: spend of paid
        channels / customers acquired through them.
    paid_channels : sequence of str, optional
        Paid channels (default: every channel in the spend table).
    spend_channels : sequence of str, optional
        Which spend rows count (e.g. media only, or media plus salaries for
        fully-loaded CAC); default all rows.
    lag_periods : int, default 0
        Spend of period p is matched to customers acquired in period p + lag.
    freq : {"M", "Q", "Y"}
        Calendar period used for the lag and window.

    Returns
    -------
    MetricResult
        ``value`` in currency per customer; ``numerator`` = spend,
        ``denominator`` = new customers; ``ci`` is None (spend is not sampled).

    Warns
    -----
    UndefinedMetricWarning
        No new customers in the window: NaN, never infinity.
    """
    cells, paid = _cells(
        spend,
        customers,
        start=start,
        end=end,
        kind=kind,
        freq=freq,
        lag_periods=lag_periods,
        spend_channels=spend_channels,
        paid_channels=paid_channels,
    )
    total_spend = float(cells["spend"].sum())
    total_new = float(cells["new_customers"].sum())
    value = safe_ratio(total_spend, total_new, what=f"cac ({kind})")
    return MetricResult(
        metric=f"cac[{kind}]",
        value=value,
        numerator=total_spend,
        denominator=total_new,
        ci=None,
        definition=CAC_DEFINITIONS[kind],
        details={
            "kind": kind,
            "spend": total_spend,
            "new_customers": int(total_new),
            "lag_periods": lag_periods,
            "paid_channels": paid,
            "spend_channels": None if spend_channels is None else list(spend_channels),
        },
    )


def cac_by(
    spend: pd.DataFrame | Table,
    customers: pd.DataFrame | Table,
    *,
    by: str | Sequence[str],
    start: str | dt.date,
    end: str | dt.date,
    kind: str = "blended",
    paid_channels: Sequence[str] | None = None,
    spend_channels: Sequence[str] | None = None,
    lag_periods: int = 0,
    freq: str = "M",
) -> pd.DataFrame:
    """CAC per ``"channel"``, per ``"period"`` or per ``["period", "channel"]``.

    Same arguments as :func:`cac`. By channel, spend of channel X is matched to
    customers whose acquisition channel is X (an organic channel without spend
    has CAC 0).

    Returns
    -------
    pandas.DataFrame
        The `by` columns, ``spend``, ``new_customers``, ``cac`` (NaN where there
        are no new customers, with one warning).
    """
    keys = [by] if isinstance(by, str) else list(by)
    for key in keys:
        require_one_of(key, ["period", "channel"], param="by")
    cells, _ = _cells(
        spend,
        customers,
        start=start,
        end=end,
        kind=kind,
        freq=freq,
        lag_periods=lag_periods,
        spend_channels=spend_channels,
        paid_channels=paid_channels,
    )
    out = cells.groupby(keys, as_index=False)[["spend", "new_customers"]].sum()
    out["new_customers"] = out["new_customers"].astype("int64")
    zero = out["new_customers"] == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cac"] = np.where(zero, np.nan, out["spend"] / out["new_customers"])
    if zero.any():
        shown = out.loc[zero, keys].astype(str).agg(" ".join, axis=1).tolist()[:5]
        warnings.warn(
            f"cac_by: {int(zero.sum())} group(s) with spend but no new customers "
            f"({', '.join(shown)}); their CAC is NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return out.sort_values(keys).reset_index(drop=True)


def cac_payback_months(
    cac_value: MetricResult | float,
    *,
    monthly_revenue_per_customer: float,
    gross_margin: float,
) -> MetricResult:
    """Months of gross margin needed to earn back CAC.

    ``payback = CAC / (monthly revenue per customer x gross margin)``.

    Parameters
    ----------
    cac_value : MetricResult or float
        CAC in currency per customer.
    monthly_revenue_per_customer : float
        Average monthly revenue per customer (ARPA), currency per month.
    gross_margin : float
        Fraction in (0, 1].

    Warns
    -----
    UndefinedMetricWarning
        Zero monthly margin (NaN).
    """
    if not 0 < gross_margin <= 1:
        msg = format_error(
            "gross_margin",
            repr(gross_margin),
            "a fraction in (0, 1]",
            "pass e.g. gross_margin=0.6 (60%)",
        )
        raise DataValidationError(msg)
    c = float(cac_value)
    margin = monthly_revenue_per_customer * gross_margin
    return MetricResult(
        metric="cac_payback_months",
        value=safe_ratio(c, margin, what="cac_payback_months"),
        numerator=c,
        denominator=margin,
        ci=None,
        definition=PAYBACK_DEFINITION,
        details={
            "monthly_revenue_per_customer": monthly_revenue_per_customer,
            "gross_margin": gross_margin,
        },
    )


def ltv_to_cac(
    ltv: MetricResult | float,
    cac_value: MetricResult | float,
    *,
    ltv_definition: str | None = None,
) -> MetricResult:
    """LTV:CAC ratio, naming which LTV was used.

    Parameters
    ----------
    ltv : MetricResult or float
        A CLV result (its ``definition`` is used) or a number.
    cac_value : MetricResult or float
    ltv_definition : str, optional
        Required when `ltv` is a plain number: how LTV was computed.

    Raises
    ------
    DataValidationError
        `ltv` is a number and no `ltv_definition` is given.
    """
    if ltv_definition is None:
        if not isinstance(ltv, MetricResult):
            msg = format_error(
                "ltv_definition",
                "None for a plain-number LTV",
                "the words defining the LTV (or pass a historical_clv result)",
                "pass ltv_definition='historical CLV, realised margin to date'",
            )
            raise DataValidationError(msg)
        ltv_definition = f"{ltv.metric}: {ltv.definition}"
    lv, cv = float(ltv), float(cac_value)
    value = safe_ratio(lv, cv, what="ltv_to_cac") if np.isfinite(cv) else math.nan
    return MetricResult(
        metric="ltv_to_cac",
        value=value,
        numerator=lv,
        denominator=cv,
        ci=None,
        definition=f"{LTV_CAC_DEFINITION} LTV used: {ltv_definition}",
        details={"ltv_definition": ltv_definition},
    )
