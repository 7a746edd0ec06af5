"""Report section 3, acquisition: CAC by channel and month, payback, LTV:CAC."""

from __future__ import annotations

import math

import pandas as pd

from analytics_kit import metrics as mx
from analytics_kit.plotting.metrics import plot_cac_by_channel
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import Fact, ReportContext, Section

__all__ = ["acquisition"]


def acquisition(ctx: ReportContext) -> Section:
    """CAC (blended and paid) over the current window, by channel and by month."""
    section = Section("acquisition")
    client = ctx.client
    missing = [t for t in ("marketing_spend", "customers") if not client.has(t)]
    if missing:
        section.add(rd.missing_table_note(missing[0], client.id))
        return section
    spend_end = ctx.table_end("marketing_spend", "date")
    if spend_end is None or spend_end < ctx.window_end - pd.DateOffset(months=1):
        section.add(
            rd.note(
                f"The marketing_spend table ends on {spend_end:%Y-%m-%d}"
                if spend_end
                else "The marketing_spend table has no dated rows"
            )
        )
        section.add(
            rd.note(
                f"CAC needs spend through {ctx.window_end - pd.Timedelta(days=1):%Y-%m-%d} "
                "(the end of the report window); it is not shown rather than shown as 0."
            )
        )
        return section
    spend, customers = client.table("marketing_spend"), client.table("customers")
    window = {"start": ctx.window_start, "end": ctx.window_end}
    with ctx.log.capture():
        blended = mx.cac(spend, customers, kind="blended", **window)
        paid = mx.cac(spend, customers, kind="paid", **window)
        previous = (
            mx.cac(
                spend,
                customers,
                kind="blended",
                start=ctx.previous_start,
                end=ctx.window_start,
            )
            if ctx.covers("marketing_spend", "date", ctx.previous_start)
            and ctx.covers("customers", "acquisition_date", ctx.previous_start)
            else None
        )
        by_channel = mx.cac_by(spend, customers, by="channel", **window)
        by_month = mx.cac_by(spend, customers, by="period", **window)
    ctx.shared["cac"] = blended
    ctx.use(blended, paid)
    money = lambda v: rd.fmt_money(v, ctx.currency)  # noqa: E731
    section.kpis["cac_blended"] = _round(blended.value)
    section.facts["cac"] = Fact(
        "Blended CAC",
        blended.value,
        money(blended.value),
        previous.value if previous else None,
        money(previous.value) if previous else "",
        higher_is_better=False,
        context=ctx.compared(previous is not None),
    )
    rows = pd.DataFrame(
        [
            {
                "CAC": "blended (all spend / all new customers)",
                "value": blended.value,
                "spend": blended.numerator,
                "new customers": blended.denominator,
            },
            {
                "CAC": "paid (paid-channel spend / their customers)",
                "value": paid.value,
                "spend": paid.numerator,
                "new customers": paid.denominator,
            },
        ]
    )
    section.add(
        rd.table(
            rows,
            formats={"value": money, "spend": money, "new customers": rd.fmt_count},
            caption=f"CAC, {ctx.window_label()}",
        )
    )
    section.add(
        rd.table(
            by_channel,
            formats={"spend": money, "new_customers": rd.fmt_count, "cac": money},
            caption="CAC by acquisition channel (channels without spend show 0)",
        )
    )
    section.figure(
        lambda ax: plot_cac_by_channel(by_channel, currency=ctx.currency, ax=ax),
        figsize=(7, 3),
    )
    section.add(
        rd.table(
            by_month.assign(period=by_month["period"].dt.strftime("%b %Y")),
            formats={"spend": money, "new_customers": rd.fmt_count, "cac": money},
            caption="Blended CAC by month (NaN where a month had no new customers)",
        )
    )
    payback_and_ratio(ctx, section)
    return section


def payback_and_ratio(ctx: ReportContext, section: Section) -> None:
    """Add CAC payback months and LTV:CAC (the value section must have run first)."""
    cac = ctx.shared.get("cac")
    monthly = ctx.shared.get("monthly_revenue_per_customer")
    if cac is None or monthly is None or not math.isfinite(cac.value):
        return
    margin = ctx.client.config.gross_margin
    with ctx.log.capture():
        payback = mx.cac_payback_months(
            cac, monthly_revenue_per_customer=monthly, gross_margin=margin
        )
    ctx.use(payback)
    lines = [
        f"CAC payback: {rd.fmt_number(payback.value, 1)} months "
        f"(blended CAC / monthly gross margin per active customer of "
        f"{rd.fmt_money(monthly * margin, ctx.currency)}; gross margin {margin:.0%})."
    ]
    ltv = ctx.shared.get("ltv")
    if ltv is not None:
        value, definition = ltv
        with ctx.log.capture():
            ratio = mx.ltv_to_cac(value, cac, ltv_definition=definition)
        ctx.use(ratio)
        section.kpis["ltv_to_cac"] = _round(ratio.value)
        lines.append(f"LTV:CAC = {rd.fmt_number(ratio.value, 2)} (LTV = {definition}).")
    for line in lines:
        section.add(rd.paragraph(line))


def _round(value: float, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)
