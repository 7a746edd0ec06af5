"""Report section 8, engagement: engagement rate by channel, stickiness."""

from __future__ import annotations

import pandas as pd

from analytics_kit import metrics as mx
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import Fact, ReportContext, Section

__all__ = ["engagement"]


def engagement(ctx: ReportContext) -> Section:
    """Engagement rate (interactions / reach) by channel and over time; stickiness."""
    section = Section("engagement")
    client = ctx.client
    if not client.has("engagement") and not client.has("activity"):
        section.add(rd.missing_table_note("engagement", client.id))
        return section
    if client.has("engagement"):
        table = client.table("engagement")
        with ctx.log.capture():
            current = mx.engagement_rate(
                table, start=ctx.window_start, end=ctx.window_end
            )
            previous = (
                mx.engagement_rate(
                    table, start=ctx.previous_start, end=ctx.window_start
                )
                if ctx.covers("engagement", "date", ctx.previous_start)
                else None
            )
            by_channel = mx.engagement_by(
                table, by="channel", start=ctx.window_start, end=ctx.window_end
            )
            monthly = mx.engagement_by(table, by=["period", "channel"], freq="M")
        ctx.use(current)
        section.kpis["engagement_rate"] = round(current.value, 4)
        section.facts["engagement"] = Fact(
            "Engagement rate",
            current.value,
            rd.fmt_share(current.value, 2),
            previous.value if previous else None,
            rd.fmt_share(previous.value, 2) if previous else "",
            context=ctx.compared(previous is not None),
        )
        section.add(rd.paragraph(current.definition))
        section.add(
            rd.table(
                by_channel,
                formats={
                    "engagement_rate": lambda v: rd.fmt_share(v, 2),
                    "interactions": rd.fmt_count,
                    "reach": rd.fmt_count,
                },
                caption=f"Engagement by channel, {ctx.window_label()}",
            )
        )
        if "period" in monthly.columns and len(monthly):
            import seaborn as sns

            section.figure(lambda ax: _monthly(sns, monthly, ax))
    else:
        section.add(rd.missing_table_note("engagement", client.id))
    if client.has("activity"):
        with ctx.log.capture():
            stick = mx.stickiness(client.table("activity"), as_of=ctx.as_of)
        ctx.use(stick)
        section.kpis["stickiness"] = (
            None if pd.isna(stick.value) else round(stick.value, 4)
        )
        section.add(
            rd.paragraph(
                f"Stickiness (average daily active customers / monthly active customers "
                f"over the 30 days to {ctx.as_of:%Y-%m-%d}): {rd.fmt_share(stick.value)}."
            )
        )
    return section


def _monthly(sns, monthly: pd.DataFrame, ax):
    sns.lineplot(
        data=monthly, x="period", y="engagement_rate", hue="channel", marker="o", ax=ax
    )
    ax.set(title="Engagement rate by month", xlabel="", ylabel="interactions / reach")
    ax.yaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    return ax
