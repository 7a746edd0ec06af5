"""Report sections 1 and 2: the headline KPI cards with sentences, and data quality."""

from __future__ import annotations

import math

import pandas as pd

from analytics_kit.overview import monthly_active_customers, overview
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import (
    Fact,
    ReportContext,
    Section,
    change_sentence,
)

__all__ = ["activity_facts", "data_quality", "headline"]

#: Headline order; a KPI without data is left out.
ORDER = ("customers", "revenue", "cac", "clv", "churn", "nps", "engagement")


def activity_facts(ctx: ReportContext) -> Section:
    """Customers and revenue in the current window vs the previous one."""
    section = Section("activity")
    if not ctx.client.has("transactions"):
        return section
    tx = ctx.client.table("transactions")
    last_day = ctx.window_end - pd.Timedelta(days=1)
    with ctx.log.capture():
        total = overview(tx, as_of=ctx.as_of)
        mac = monthly_active_customers(tx, as_of=ctx.as_of)
    current, previous = _window_counts(ctx, tx)
    if not ctx.has_history(ctx.previous_start):  # no full year before: no comparison
        previous = (float("nan"), float("nan"))
    section.kpis.update(
        customers=total.customers,
        revenue=round(total.revenue, 2),
        repeat_purchase_rate=round(total.repeat_purchase_rate, 4),
    )
    label = ctx.compared(not pd.isna(previous[0]))
    section.facts["customers"] = Fact(
        "Buying customers",
        current[0],
        rd.fmt_count(current[0]),
        previous[0],
        rd.fmt_count(previous[0]) if previous[0] else "",
        context=label,
    )
    section.facts["revenue"] = Fact(
        "Revenue",
        current[1],
        rd.fmt_money(current[1], ctx.currency, 0),
        previous[1],
        rd.fmt_money(previous[1], ctx.currency, 0) if previous[1] else "",
        context=label,
    )
    section.add(
        rd.paragraph(
            f"{total.customers:,} customers bought up to {ctx.as_of:%Y-%m-%d} "
            f"({total.transactions:,} transaction lines, revenue "
            f"{rd.fmt_money(total.revenue, ctx.currency, 0)}); "
            f"{rd.fmt_share(total.repeat_purchase_rate)} bought on two or more days. "
            f"The last complete month in the headline window ends {last_day:%Y-%m-%d}."
        )
    )
    import seaborn as sns

    def draw(ax):
        sns.lineplot(data=mac, x="month", y="active_customers", marker="o", ax=ax)
        ax.set(
            title="Customers with a purchase, by calendar month",
            xlabel="",
            ylabel="customers",
        )
        return ax

    section.figure(draw, figsize=(9, 3))
    return section


def _window_counts(ctx: ReportContext, tx):
    out = []
    for start, end in (
        (ctx.window_start, ctx.window_end),
        (ctx.previous_start, ctx.window_start),
    ):
        part = tx.filter((tx.timestamp >= start) & (tx.timestamp < end))
        row = (
            part.aggregate(
                customers=part.customer_id.nunique(), revenue=part.amount.sum()
            )
            .to_pandas()
            .iloc[0]
        )
        revenue = float(row["revenue"]) if pd.notna(row["revenue"]) else 0.0
        out.append((float(row["customers"]), revenue))
    current, previous = out
    if previous[0] == 0:  # no data before the window: nothing to compare with
        previous = (float("nan"), float("nan"))
    return current, previous


def headline(ctx: ReportContext, sections: dict[str, Section]) -> Section:
    """KPI cards and one sentence per KPI, written from the other sections' facts."""
    section = Section("headline")
    facts: dict[str, Fact] = {}
    for other in sections.values():
        facts.update(other.facts)
    cards, sentences = [], []
    for key in ORDER:
        fact = facts.get(key)
        if fact is None:
            continue
        has_previous = fact.previous is not None and not math.isnan(fact.previous)
        sub = f"was {fact.previous_formatted}" if has_previous else ""
        cards.append(rd.Card(fact.label, fact.formatted, sub))
        sentences.append(change_sentence(fact))
    if not cards:
        section.add(
            rd.note("No headline numbers: the client supplies no usable table.")
        )
        return section
    section.add(rd.kpi_cards(cards))
    for sentence in sentences:
        section.add(rd.paragraph(sentence))
    return section


def data_quality(ctx: ReportContext) -> Section:
    """Rows read, kept and excluded per table and reason, with example lines."""
    section = Section("data_quality")
    dq = ctx.client.data_quality()
    shown = dq.assign(examples=dq["examples"].map(lambda xs: "; ".join(xs[:2])))
    section.add(
        rd.paragraph(
            "Rows read, kept and excluded per table. Every excluded row has exactly one "
            "reason, so kept plus excluded equals read; example lines are from the file."
        )
    )
    section.add(
        rd.table(
            shown[["table", "file", "summary", "examples"]],
            caption="Rows read, kept and excluded, by table and reason",
        )
    )
    return section
