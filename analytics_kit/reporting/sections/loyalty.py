"""Report section 7, NPS: score with margin of error, trend, segments, comments."""

from __future__ import annotations

import math

import pandas as pd

from analytics_kit import metrics as mx
from analytics_kit.plotting.metrics import plot_nps_trend
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import Fact, ReportContext, Section

__all__ = ["nps"]

#: How many recent comments the report quotes.
COMMENTS_SHOWN = 8
#: Responses each quarter needs before two quarters are compared.
MIN_RESPONSES_PER_QUARTER = 30


def nps(ctx: ReportContext) -> Section:
    """NPS overall, by quarter and by segment, and the last quarter's change."""
    section = Section("nps")
    client = ctx.client
    if not client.has("nps_responses"):
        section.add(rd.missing_table_note("nps_responses", client.id))
        return section
    responses = client.table("nps_responses").to_pandas()
    with ctx.log.capture():
        overall = mx.nps(responses)
        trend = mx.nps_trend(responses, freq="Q")
    section.kpis["nps"] = None if pd.isna(overall.value) else round(overall.value, 1)
    section.add(
        rd.paragraph(
            f"NPS over all responses: {rd.fmt_number(overall.value, 1)} ± "
            f"{rd.fmt_number(overall.margin_of_error, 1)} "
            f"(95% margin of error) from {overall.n:,} responses: {overall.promoters:,} "
            f"promoters, {overall.passives:,} passives, {overall.detractors:,} detractors."
        )
    )
    ctx.used.update({"nps", "nps_change"})
    section.facts["nps"] = _quarter_fact(ctx, responses, overall)
    section.figure(lambda ax: plot_nps_trend(trend, ax=ax))
    if "segment" in responses.columns and responses["segment"].notna().any():
        with ctx.log.capture():
            by_segment = mx.nps_by(responses, by="segment")
        cols = ["segment", "nps", "ci_low", "ci_high", "n", "promoters", "detractors"]
        section.add(
            rd.table(
                by_segment[[c for c in cols if c in by_segment.columns]],
                formats={"nps": "{:.1f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}"},
                caption="NPS by segment with 95% intervals",
            )
        )
    if "comment" in responses.columns:
        recent = (
            responses.dropna(subset=["comment"])
            .sort_values("date")
            .tail(COMMENTS_SHOWN)
        )
        if len(recent):
            show = recent.assign(date=recent["date"].dt.strftime("%Y-%m-%d"))
            cols = [c for c in ("date", "score", "segment", "comment") if c in show]
            section.add(
                rd.table(
                    show[cols],
                    formats={"score": "{:.0f}"},
                    caption="Most recent comments",
                )
            )
    return section


def _quarter_fact(ctx: ReportContext, responses: pd.DataFrame, overall) -> Fact:
    """Last quarter vs the quarter before, when both have enough responses.

    The last quarter is the one containing as_of; it is compared with the calendar
    quarter right before it, never with an older one.
    """
    quarters = responses["date"].dt.to_period("Q")
    after = ctx.as_of.to_period("Q")
    before = after - 1
    counts = quarters.value_counts()
    enough = all(counts.get(q, 0) >= MIN_RESPONSES_PER_QUARTER for q in (before, after))
    if not enough:
        return Fact(
            "NPS (all responses)",
            overall.value,
            rd.fmt_number(overall.value, 0),
            context=f"quarters are not compared: fewer than "
            f"{MIN_RESPONSES_PER_QUARTER} responses in {before} or {after}",
        )
    with ctx.log.capture():
        change = mx.nps_change(
            responses[quarters == before], responses[quarters == after]
        )
    tested = change.p_value is not None and math.isfinite(change.p_value)
    return Fact(
        "Quarterly NPS",
        change.after.value,
        rd.fmt_number(change.after.value, 0),
        change.before.value,
        rd.fmt_number(change.before.value, 0),
        significant=bool(change.significant) if tested else None,
        context=f"{after} vs {before}",
    )
