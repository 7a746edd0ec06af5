"""Historical (backward-looking) customer lifetime value.

Three named definitions: the seed's simple formula with each factor shown, the
realised revenue (or margin) per customer to date, and the SaaS form
``ARPA x gross margin / churn`` with a trailing churn rate. Forward-looking
models (BG/NBD, Gamma-Gamma) live in :mod:`analytics_kit.clv`.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import pandas as pd
from scipy import stats

from analytics_kit._validation import require_date, require_one_of
from analytics_kit.engine import Table
from analytics_kit.exceptions import (
    ApproximationWarning,
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
)
from analytics_kit.metrics.churn import churn_series

__all__ = ["historical_clv", "saas_clv"]

CLV_DEFINITIONS = {
    "seed": register_definition(
        "historical_clv[seed]",
        "Simple CLV = average purchase value (revenue / orders) x purchase "
        "frequency (orders per customer per year of observation) x customer "
        "lifespan (years) x gross margin. Lifespan is given, or the mean span "
        "between first and last purchase (a lower bound: spans are censored).",
    ),
    "realised": register_definition(
        "historical_clv[realised]",
        "Realised CLV to date = revenue x gross margin on or before as_of / "
        "customers with a purchase; t interval of the per-customer mean.",
    ),
    "saas": register_definition(
        "historical_clv[saas]",
        "SaaS LTV = ARPA (monthly revenue per account) x gross margin / monthly "
        "churn rate, where churn is the start-cohort churn over the trailing "
        "complete months before as_of (total cancellations / total customers at "
        "the month starts, a ratio of sums).",
    ),
}


def _margin(gross_margin: float) -> float:
    if not 0 < gross_margin <= 1:
        msg = format_error(
            "gross_margin",
            repr(gross_margin),
            "a fraction in (0, 1]",
            "pass gross_margin=1.0 for revenue, or e.g. 0.6 for margin",
        )
        raise DataValidationError(msg)
    return float(gross_margin)


def historical_clv(
    transactions: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    method: str = "realised",
    gross_margin: float = 1.0,
    lifespan_years: float | None = None,
    order_col: str | None = "order_id",
    confidence: float = 0.95,
) -> MetricResult:
    """Historical CLV per customer, in currency (revenue x `gross_margin`).

    Parameters
    ----------
    transactions : DataFrame or Ibis table
        ``customer_id``, ``timestamp``, ``amount``; rows after `as_of` ignored.
    as_of : str or date
    method : {"realised", "seed"}
        ``realised``: ``Σ amount x m / customers`` with a t interval.
        ``seed``: ``APV x F x L x m`` with ``APV = revenue / orders``,
        ``F = orders / customers / years observed`` (first transaction to as_of)
        and ``L = lifespan_years``.
    gross_margin : float, default 1.0
    lifespan_years : float, optional
        Only for ``seed``; default the mean first-to-last purchase span in
        years (with an ApproximationWarning: censored, so too short).
    order_col : str, optional
        Orders are its distinct values when present, else distinct timestamps.
    confidence : float, default 0.95

    Returns
    -------
    MetricResult
        ``details`` hold each factor (``average_purchase_value``,
        ``purchase_frequency_per_year``, ``lifespan_years``) or the totals.

    References
    ----------
    Gupta, S. & Lehmann, D. R. (2003). Customers as assets. Journal of
    Interactive Marketing 17(1), 9-24 (margin x retention forms of CLV).
    """
    require_one_of(method, ["realised", "seed"], param="method")
    m = _margin(gross_margin)
    confidence = check_confidence(confidence)
    as_of_ts = require_date(as_of, param="as_of")
    t = table_of(transactions, ("customer_id", "timestamp", "amount"), "transactions")
    t = t.filter(t.timestamp < as_of_ts + pd.Timedelta(days=1))
    key = order_col if order_col and order_col in t.columns else "timestamp"
    per = (
        t.group_by("customer_id")
        .aggregate(
            revenue=t.amount.sum(),
            orders=t[key].nunique(),
            first=t.timestamp.min(),
            last=t.timestamp.max(),
        )
        .to_pandas()
    )
    n = len(per)
    if n == 0:
        warnings.warn(
            "historical_clv: no transactions; NaN is returned.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    if method == "realised":
        return _realised(per, m, confidence)
    return _seed(per, m, lifespan_years, as_of_ts)


def _realised(per: pd.DataFrame, m: float, confidence: float) -> MetricResult:
    values = per["revenue"].astype(float) * m
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    if n >= 2:
        half = float(
            stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
        )
        ci = (mean - half, mean + half)
    else:
        ci = (math.nan, math.nan)
    return MetricResult(
        metric="historical_clv[realised]",
        value=mean,
        numerator=float(values.sum()),
        denominator=float(n),
        ci=ci,
        definition=CLV_DEFINITIONS["realised"],
        confidence=confidence,
        details={"customers": n, "gross_margin": m},
    )


def _seed(
    per: pd.DataFrame, m: float, lifespan_years: float | None, as_of: pd.Timestamp
) -> MetricResult:
    n = len(per)
    revenue, orders = float(per["revenue"].sum()), float(per["orders"].sum())
    apv = revenue / orders if orders else math.nan
    years = (
        (as_of + pd.Timedelta(days=1) - per["first"].min()).days / 365.25
        if n
        else math.nan
    )
    freq = orders / n / years if n else math.nan
    if lifespan_years is None:
        span = (per["last"] - per["first"]).dt.total_seconds() / (365.25 * 86400)
        lifespan_years = float(span.mean()) if n else math.nan
        source = "mean first-to-last purchase span (censored lower bound)"
        warnings.warn(
            "historical_clv(method='seed'): lifespan derived from observed spans, "
            "which are cut off at as_of; pass lifespan_years for a better value.",
            ApproximationWarning,
            stacklevel=3,
        )
    else:
        source = "given"
    value = apv * freq * lifespan_years * m
    return MetricResult(
        metric="historical_clv[seed]",
        value=value,
        numerator=value,
        denominator=1.0,
        ci=None,
        definition=CLV_DEFINITIONS["seed"],
        details={
            "average_purchase_value": apv,
            "purchase_frequency_per_year": freq,
            "lifespan_years": lifespan_years,
            "lifespan_source": source,
            "gross_margin": m,
            "customers": n,
            "orders": int(orders),
            "revenue": revenue,
            "years_observed": years,
        },
    )


def saas_clv(
    customers: pd.DataFrame | Table,
    *,
    as_of: str | dt.date,
    arpa_monthly: float,
    gross_margin: float,
    trailing_months: int = 12,
) -> MetricResult:
    """SaaS LTV = ARPA x gross margin / trailing monthly churn rate.

    The churn rate is pooled over the `trailing_months` complete calendar months
    before the month of `as_of`: ``Σ cancellations from start / Σ customers at
    month start`` (start-cohort definition), so a single month without
    cancellations does not make LTV infinite.

    Parameters
    ----------
    customers : DataFrame or Ibis table
        ``customer_id``, ``acquisition_date``, ``cancellation_date``.
    as_of : str or date
    arpa_monthly : float
        Average revenue per account per month (currency).
    gross_margin : float
        Fraction in (0, 1].
    trailing_months : int, default 12

    Returns
    -------
    MetricResult
        ``details`` hold ``monthly_churn``, ``arpa_monthly``, ``months``.

    Warns
    -----
    UndefinedMetricWarning
        No cancellations in the trailing window (NaN, never infinity).
    """
    m = _margin(gross_margin)
    as_of_ts = require_date(as_of, param="as_of")
    end = as_of_ts.to_period("M").start_time
    start = end - pd.DateOffset(months=trailing_months)
    series = churn_series(customers, start=start, end=end)
    num, den = float(series["numerator"].sum()), float(series["denominator"].sum())
    churn = safe_ratio(num, den, what="saas_clv trailing churn")
    value = (
        safe_ratio(arpa_monthly * m, churn, what="saas_clv (zero churn)")
        if math.isfinite(churn)
        else math.nan
    )
    return MetricResult(
        metric="historical_clv[saas]",
        value=value,
        numerator=arpa_monthly * m,
        denominator=churn,
        ci=None,
        definition=CLV_DEFINITIONS["saas"],
        details={
            "monthly_churn": churn,
            "arpa_monthly": arpa_monthly,
            "gross_margin": m,
            "months": trailing_months,
            "cancellations": num,
            "customer_months": den,
        },
    )
