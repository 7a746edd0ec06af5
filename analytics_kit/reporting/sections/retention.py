"""Report section 5, churn and retention: churn over time, cohorts, survival curves."""

from __future__ import annotations

import math

import pandas as pd

from analytics_kit import churn
from analytics_kit import metrics as mx
from analytics_kit.plotting.churn import plot_kaplan_meier
from analytics_kit.plotting.metrics import plot_churn_series, plot_cohort_heatmap
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import Fact, ReportContext, Section

__all__ = ["retention", "two_proportion_significant"]

#: Cohorts shown in the heatmap (most recent first-purchase months).
COHORTS_SHOWN = 18


def two_proportion_significant(
    x1: float, n1: float, x2: float, n2: float, *, z_crit: float = 1.959964
) -> bool | None:
    """Whether two shares differ at the 95% level (pooled two-proportion z-test).

    z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2)) with p = (x1 + x2) / (n1 + n2).
    Returns None when either group is empty or the pooled share is 0 or 1.
    """
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return None
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return abs(z) > z_crit


def retention(ctx: ReportContext) -> Section:
    """Contractual churn (cancellations) or inactivity churn, then cohorts and survival."""
    section = Section("retention")
    client = ctx.client
    contractual = (
        client.config.contractual
        and client.has("customers")
        and "cancellation_date" in client.table("customers").columns
    )
    if contractual:
        _contractual(ctx, section)
    elif client.has("transactions"):
        _inactivity(ctx, section)
    else:
        section.add(rd.missing_table_note("transactions", client.id))
        return section
    if client.has("transactions"):
        tx = client.table("transactions")
        with ctx.log.capture():
            cohorts = mx.cohort_retention(tx, as_of=ctx.as_of, max_periods=12)
        shown = cohorts.tail(COHORTS_SHOWN)
        ctx.used.add("cohort_retention")
        section.figure(
            lambda ax: plot_cohort_heatmap(
                shown,
                ax=ax,
                title="Cohort retention: share of each first-purchase month buying "
                "again n months later (blank = not observable yet)",
            ),
            figsize=(11, 0.32 * len(shown) + 2),
        )
    return section


def _contractual(ctx: ReportContext, section: Section) -> None:
    customers = ctx.client.table("customers")
    last_start = ctx.window_end - pd.DateOffset(months=1)
    prev_start = ctx.window_end - pd.DateOffset(months=2)
    with ctx.log.capture():
        series = mx.churn_series(customers, start=ctx.window_start, end=ctx.window_end)
        last = mx.churn_rate(customers, start=last_start, end=ctx.window_end)
        before = mx.churn_rate(customers, start=prev_start, end=last_start)
        crr = mx.retention_rate(customers, start=last_start, end=ctx.window_end)
    significant = two_proportion_significant(
        before.numerator, before.denominator, last.numerator, last.denominator
    )
    section.kpis["churn_last_month"] = _round(last.value)
    ctx.use(last, crr)
    section.facts["churn"] = Fact(
        "Monthly churn",
        last.value,
        rd.fmt_share(last.value),
        before.value,
        rd.fmt_share(before.value),
        significant=significant,
        higher_is_better=False,
        context=f"{last_start:%b %Y} vs {prev_start:%b %Y}",
    )
    section.add(
        rd.paragraph(
            f"Churn in {last_start:%B %Y}: {rd.fmt_share(last.value)} "
            f"(95% interval {rd.fmt_share(last.ci[0])} to {rd.fmt_share(last.ci[1])}; "
            f"{last.numerator:,.0f} of {last.denominator:,.0f}). {last.definition} "
            f"Customer retention rate (CRR) that month: {rd.fmt_share(crr.value)}."
        )
    )
    section.figure(lambda ax: plot_churn_series(series, ax=ax))
    _survival(ctx, section)


def _inactivity(ctx: ReportContext, section: Section) -> None:
    tx = ctx.client.table("transactions")
    with ctx.log.capture():
        now = mx.inactivity_churn(tx, as_of=ctx.as_of)
        window = now.details["window_days"]
    if window is None or not math.isfinite(window):
        section.add(
            rd.note(
                "Inactivity churn cannot be measured: no customer bought on two different "
                "days, so there are no gaps between purchases to set an inactivity window."
            )
        )
        return
    section.kpis["churn_inactive_share"] = _round(now.value)
    ctx.use(now)
    # A share of every customer who ever bought grows as the base ages, so it is
    # not compared with an earlier date (that change would be mostly mechanical).
    section.facts["churn"] = Fact(
        f"Customers inactive > {window:.0f} days",
        now.value,
        rd.fmt_share(now.value),
        higher_is_better=False,
        context=f"of all customers, at {ctx.as_of:%Y-%m-%d}",
    )
    section.add(
        rd.paragraph(
            f"This client has no contracts, so churn is inactivity: "
            f"{rd.fmt_share(now.value)} of customers (95% interval "
            f"{rd.fmt_share(now.ci[0])} to {rd.fmt_share(now.ci[1])}) have not bought for "
            f"more than {window:.0f} days ({now.details['window_source']}). The share "
            "counts every customer who ever bought, so it rises as the customer base "
            "ages; it is not compared with earlier dates."
        )
    )


def _survival(ctx: ReportContext, section: Section) -> None:
    customers = ctx.client.table("customers").to_pandas()
    with ctx.log.capture():
        labels = churn.contractual_churn_labels(customers, as_of=ctx.as_of)
    frame = labels.labels
    segment = "acquisition_channel" if "acquisition_channel" in customers else None
    if segment and segment not in frame:
        frame = frame.merge(customers[["customer_id", segment]], on="customer_id")
    with ctx.log.capture():
        surv = churn.kaplan_meier_by_segment(
            frame,
            duration_col="duration_days",
            event_col="churned",
            segment_col=segment,
        )
    section.figure(
        lambda ax: plot_kaplan_meier(surv, time_unit="days", ax=ax), figsize=(9, 3.8)
    )
    medians = surv.medians
    section.add(
        rd.table(
            medians,
            formats={
                c: (lambda v: rd.fmt_number(v, 0))
                for c in medians.columns
                if medians[c].dtype.kind == "f"
            },
            caption="Median lifetime in days with 95% interval (Kaplan-Meier), by "
            "acquisition channel",
        )
    )
    events = int(frame["churned"].sum())
    p_value = surv.logrank_p_value
    if events > 0 and p_value is not None and not math.isnan(p_value):
        section.add(
            rd.paragraph(
                f"Log-rank test across channels: p = {surv.logrank_p_value:.3g} "
                f"(chi-squared {surv.logrank_statistic:.2f} on {surv.logrank_df} df)."
            )
        )


def _round(value: float, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)
