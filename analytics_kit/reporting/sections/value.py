"""Report section 4, value: historical CLV, probabilistic CLV with its holdout check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics_kit import metrics as mx
from analytics_kit.clv import (
    clv_segments,
    customer_value,
    fit_purchase_model,
    fit_spend_model,
    holdout_scorecard,
    rfm_exclusions,
    rfm_summary,
)
from analytics_kit.clv.new_customer import new_customer_value
from analytics_kit.exceptions import (
    AnalyticsKitError,
    ModelEstimationError,
    format_error,
)
from analytics_kit.overview import overview
from analytics_kit.plotting import clv as clv_plots
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import (
    Fact,
    ReportContext,
    Section,
    model_name,
)

__all__ = ["holdout_split", "value"]

#: The holdout is half the observed span, at most this many weeks.
MAX_HOLDOUT_WEEKS = 52
#: Horizon of the new-customer LTV used in LTV:CAC.
LTV_HORIZON_MONTHS = 36


def holdout_split(first_day: pd.Timestamp, as_of: pd.Timestamp) -> pd.Timestamp:
    """Calibration end: the holdout is the last half of the data, at most 52 weeks.

    On CDNOW (1997-01-01 to 1998-06-30, 78 weeks) this gives 1997-09-30, the split of
    Fader, Hardie & Lee (2005).
    """
    span_days = (as_of - first_day).days + 1
    holdout_days = min(7 * MAX_HOLDOUT_WEEKS, span_days // 2)
    return as_of - pd.Timedelta(days=holdout_days)


def value(ctx: ReportContext) -> Section:
    """Historical CLV, then BG/NBD-family + Gamma-Gamma CLV over the horizon."""
    section = Section("value")
    client = ctx.client
    if not client.has("transactions"):
        section.add(rd.missing_table_note("transactions", client.id))
        return section
    tx = client.table("transactions")
    margin = client.config.gross_margin
    money = lambda v: rd.fmt_money(v, ctx.currency)  # noqa: E731
    if overview(tx, as_of=ctx.as_of).customers == 0:
        section.add(rd.note("No transaction was kept, so there is no value to show."))
        return section
    with ctx.log.capture():
        realised = mx.historical_clv(tx, as_of=ctx.as_of, gross_margin=margin)
        seed = mx.historical_clv(
            tx, as_of=ctx.as_of, method="seed", gross_margin=margin
        )
        totals = overview(tx, as_of=ctx.as_of)
    _monthly_revenue_per_customer(ctx, tx)
    hist = pd.DataFrame([realised.to_dict(), seed.to_dict()]).assign(
        metric=[
            "Realised value to date",
            "Simple formula (value x frequency x lifespan)",
        ]
    )
    section.add(rd.paragraph("Historical CLV (what customers have been worth so far):"))
    section.add(
        rd.table(
            hist[["metric", "value", "ci_low", "ci_high", "definition"]].rename(
                columns={
                    "metric": "measure",
                    "value": "per customer",
                    "ci_low": "95% low",
                    "ci_high": "95% high",
                }
            ),
            formats={"per customer": money, "95% low": money, "95% high": money},
            caption=f"Historical CLV per customer ({_margin_label(margin)})",
        )
    )
    section.kpis["clv_realised"] = _round(realised.value)
    ctx.use(realised, seed)
    if _is_subscription(ctx):
        _subscription(ctx, section)
        return section
    try:
        _probabilistic(ctx, section, tx, totals.first_day)
    except AnalyticsKitError as exc:  # too little data for a model: say why
        section.add(rd.note(f"Probabilistic CLV is not shown: {exc}"))
    return section


def _is_subscription(ctx: ReportContext) -> bool:
    client = ctx.client
    return (
        client.config.contractual
        and client.has("customers")
        and "cancellation_date" in client.table("customers").columns
    )


def _subscription(ctx: ReportContext, section: Section) -> None:
    """Contractual clients: LTV = ARPA x margin / trailing churn (not BTYD models)."""
    arpa = _last_month_arpa(ctx)
    ctx.shared["monthly_revenue_per_customer"] = arpa  # payback uses ARPA too
    margin = ctx.client.config.gross_margin
    money = lambda v: rd.fmt_money(v, ctx.currency)  # noqa: E731
    with ctx.log.capture():
        ltv = mx.saas_clv(
            ctx.client.table("customers"),
            as_of=ctx.window_end,  # trailing churn over the 12 window months
            arpa_monthly=arpa,
            gross_margin=margin,
        )
    definition = (
        f"ARPA {money(arpa)} a month x gross margin {margin:.0%} / trailing 12-month "
        f"churn {rd.fmt_share(ltv.details.get('monthly_churn'))} a month"
    )
    ctx.shared["ltv"] = (ltv.value, definition)
    ctx.use(ltv)
    section.kpis["clv_saas"] = _round(ltv.value)
    section.facts["clv"] = Fact(
        "Lifetime value per subscriber",
        ltv.value,
        money(ltv.value),
        context=f"ARPA x margin / trailing churn, as of {ctx.as_of:%Y-%m-%d}",
    )
    section.add(
        rd.paragraph(
            "This is a subscription client: buying is contractual, so the purchase models "
            "of the BG/NBD family (built for customers who can lapse unseen) are not used. "
            f"Lifetime value per subscriber: {money(ltv.value)} ({definition}). "
            f"{ltv.definition}"
        )
    )


def _last_month_arpa(ctx: ReportContext) -> float:
    """Revenue per paying account in the last complete month of the window."""
    tx = ctx.client.table("transactions")
    start = ctx.window_end - pd.DateOffset(months=1)
    month = tx.filter((tx.timestamp >= start) & (tx.timestamp < ctx.window_end))
    row = (
        month.aggregate(
            revenue=month.amount.sum(), accounts=month.customer_id.nunique()
        )
        .to_pandas()
        .iloc[0]
    )
    return (
        float(row["revenue"]) / float(row["accounts"])
        if row["accounts"]
        else float("nan")
    )


def _margin_label(margin: float) -> str:
    if margin >= 1.0:
        return "revenue: no gross margin is configured for this client"
    return f"gross margin {margin:.0%}"


def _monthly_revenue_per_customer(ctx: ReportContext, tx) -> None:
    """Revenue per active customer-month over the window (for CAC payback).

    Revenue in the window / sum over its months of the customers who bought in that
    month, so months without data do not dilute it.
    """
    start, end = ctx.window_start, ctx.window_end
    recent = tx.filter((tx.timestamp >= start) & (tx.timestamp < end))
    monthly = recent.group_by(month=recent.timestamp.truncate("M")).aggregate(
        revenue=recent.amount.sum(), customers=recent.customer_id.nunique()
    )
    row = (
        monthly.aggregate(
            revenue=monthly.revenue.sum(), customer_months=monthly.customers.sum()
        )
        .to_pandas()
        .iloc[0]
    )
    if pd.notna(row["customer_months"]) and row["customer_months"] > 0:
        ctx.shared["monthly_revenue_per_customer"] = float(row["revenue"]) / float(
            row["customer_months"]
        )


def _probabilistic(
    ctx: ReportContext, section: Section, tx, first_day: pd.Timestamp
) -> None:
    money = lambda v: rd.fmt_money(v, ctx.currency)  # noqa: E731
    calibration_end = holdout_split(first_day, ctx.as_of)
    models = ("bgnbd",) if ctx.fast else ("bgnbd", "mbgnbd", "pareto_nbd")
    with ctx.log.capture():
        card = holdout_scorecard(
            tx, calibration_end=calibration_end, as_of=ctx.as_of, models=models
        )
        summary = rfm_summary(tx, as_of=ctx.as_of, time_unit="week")
        purchase = fit_purchase_model(summary, model=card.chosen)
        spend = fit_spend_model(summary)
        values = customer_value(
            purchase,
            spend,
            summary,
            horizon_months=ctx.horizon_months,
            annual_discount_rate=ctx.annual_discount_rate,
            gross_margin=ctx.client.config.gross_margin,
        )
    margin = ctx.client.config.gross_margin
    if not np.isfinite(values["clv"]).all():
        msg = format_error(
            f"{model_name(card.chosen)} + Gamma-Gamma fit",
            "parameters that give no finite CLV for some customers (the data span is "
            "too short or too uniform to identify the model)",
            "a history long enough to see repeat purchases and lapses",
            "report this client again once more history is available",
        )
        raise ModelEstimationError(msg)
    mean_clv = float(values["clv"].mean())
    horizon = f"{ctx.horizon_months:g}-month"
    chosen = model_name(card.chosen)
    new_ltv = new_customer_value(
        purchase,
        spend,
        horizon_months=LTV_HORIZON_MONTHS,
        annual_discount_rate=ctx.annual_discount_rate,
        gross_margin=margin,
    )
    ctx.shared["ltv"] = (
        new_ltv,
        f"expected {LTV_HORIZON_MONTHS}-month value of a newly acquired customer "
        f"(first purchase plus repeat purchases from {chosen} + Gamma-Gamma, "
        f"discounted at {ctx.annual_discount_rate:.0%} a year; {_margin_label(margin)})",
    )
    ctx.shared["clv_definition"] = (
        f"expected {horizon} CLV per existing customer from {chosen} + Gamma-Gamma, "
        f"discounted at {ctx.annual_discount_rate:.0%} a year; {_margin_label(margin)}"
    )
    ctx.shared["clv_values"] = values
    section.kpis["clv_expected"] = _round(mean_clv)
    section.kpis["ltv_new_customer"] = _round(new_ltv)
    section.facts["clv"] = Fact(
        f"Expected {horizon} CLV per customer",
        mean_clv,
        money(mean_clv),
        context=f"from {chosen} + Gamma-Gamma, discounted at "
        f"{ctx.annual_discount_rate:.0%} a year",
    )
    holdout_days = (ctx.as_of - calibration_end).days
    section.add(
        rd.paragraph(
            f"Probabilistic CLV. Holdout check: models fitted on data up to "
            f"{calibration_end:%Y-%m-%d} and scored on the {holdout_days} days to "
            f"{ctx.as_of:%Y-%m-%d}. {model_name(card.reason)}"
        )
    )
    comparison = card.comparison.assign(model=card.comparison["model"].map(model_name))
    section.add(
        rd.table(
            comparison.rename(columns=_SCORECARD_COLUMNS),
            formats={
                "log-likelihood": lambda v: rd.fmt_number(v, 1),
                "predicted repeat transactions": rd.fmt_count,
                "observed repeat transactions": rd.fmt_count,
                "error": lambda v: f"{v:+.1f}%",
                "mean absolute error per customer": lambda v: rd.fmt_number(v, 3),
                "root mean squared error": lambda v: rd.fmt_number(v, 3),
            },
            caption="Holdout scorecard: repeat transactions predicted vs observed",
        )
    )
    section.figure(lambda ax: clv_plots.plot_tracking(card, ax=ax))
    section.figure(lambda ax: clv_plots.plot_calibration_deciles(card, ax=ax))
    params = purchase.params_table().reset_index()
    section.add(
        rd.table(
            params.rename(
                columns={
                    "standard_error": "standard error",
                    "lower_95": "95% low",
                    "upper_95": "95% high",
                }
            ),
            formats={
                c: (lambda v: rd.fmt_number(v, 4))
                for c in ("estimate", "standard error", "95% low", "95% high")
            },
            caption=f"{chosen} parameters on all data (time unit: {purchase.time_unit})",
        )
    )
    section.add(
        rd.paragraph(
            f"A newly acquired customer is expected to be worth {money(new_ltv)} over "
            f"{LTV_HORIZON_MONTHS} months ({ctx.shared['ltv'][1]})."
        )
    )
    excl = rfm_exclusions(summary)
    excl = excl[(excl["count"] > 0) & (excl["reason"] != "rows_total")]
    if len(excl):
        excl = excl.assign(reason=excl["reason"].str.replace("_", " "))
        section.add(
            rd.table(
                excl,
                formats={"count": rd.fmt_count, "examples": "; ".join},
                caption="Left out of the purchase summary",
            )
        )
    section.add(
        rd.paragraph(
            f"Spend model (Gamma-Gamma) on {spend.n_customers:,} repeat buyers: population "
            f"mean spend per transaction {money(spend.population_mean_spend)}."
        )
    )
    segments = clv_segments(values).rename(columns=_SEGMENT_COLUMNS)
    section.add(
        rd.table(
            segments,
            formats={
                "customers": rd.fmt_count,
                "total CLV": money,
                "share of CLV": rd.fmt_share,
                "mean CLV": money,
                "mean P(alive)": rd.fmt_share,
                "mean expected purchases": lambda v: rd.fmt_number(v, 2),
            },
            caption=f"CLV segments (quartiles of expected {horizon} CLV, {ctx.currency})",
        )
    )
    section.figure(lambda ax: clv_plots.plot_clv_distribution(values, ax=ax))
    section.figure(
        lambda ax: clv_plots.plot_probability_alive_matrix(purchase, ax=ax),
        figsize=(7, 5),
    )


_SCORECARD_COLUMNS = {
    "log_likelihood": "log-likelihood",
    "predicted_total": "predicted repeat transactions",
    "actual_total": "observed repeat transactions",
    "pct_error": "error",
    "mae": "mean absolute error per customer",
    "rmse": "root mean squared error",
}
_SEGMENT_COLUMNS = {
    "total_clv": "total CLV",
    "share_of_clv": "share of CLV",
    "mean_clv": "mean CLV",
    "mean_probability_alive": "mean P(alive)",
    "mean_expected_purchases": "mean expected purchases",
}


def _round(value: float, digits: int = 2) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)
