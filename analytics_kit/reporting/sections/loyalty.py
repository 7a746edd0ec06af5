"""Report section 7, NPS: score with margin of error, trend, segments, comments."""

from __future__ import annotations

import pandas as pd

from analytics_kit import metrics as mx
from analytics_kit.plotting.metrics import plot_nps_trend
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import Fact, ReportContext, Section

__all__ = ["nps"]

#: How many recent comments the report quotes.
COMMENTS_SHOWN = 8


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
    quarters = responses["date"].dt.to_period("Q")
    if quarters.nunique() >= 2:
        before, after = sorted(quarters.unique())[-2:]
        with ctx.log.capture():
            change = mx.nps_change(
                responses[quarters == before], responses[quarters == after]
            )
        section.facts["nps"] = Fact(
            "Quarterly NPS",
            change.after.value,
            rd.fmt_number(change.after.value, 0),
            change.before.value,
            rd.fmt_number(change.before.value, 0),
            significant=bool(change.significant),
            context=f"{after} vs {before}",
        )
    else:
        section.facts["nps"] = Fact(
            "NPS", overall.value, rd.fmt_number(overall.value, 0)
        )
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
