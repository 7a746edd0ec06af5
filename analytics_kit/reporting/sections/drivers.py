"""Report section 6, churn drivers: a cross-validated model with grouped importances."""

from __future__ import annotations

import pandas as pd

from analytics_kit import churn
from analytics_kit.plotting.churn import (
    plot_churn_by_level,
    plot_importances,
    plot_lift,
)
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import ReportContext, Section

__all__ = ["drivers"]

_DRIVER_COLUMNS = {
    "highest_churn_level": "level with the highest churn",
    "highest_churn_rate": "churn rate, highest level",
    "highest_churn_customers": "customers, highest level",
    "lowest_churn_level": "level with the lowest churn",
    "lowest_churn_rate": "churn rate, lowest level",
    "lowest_churn_customers": "customers, lowest level",
    "group": "correlated group",
}

#: Contractual clients: churn = cancellation within this many days after the cutoff.
CONTRACT_HORIZON_DAYS = 180


def _frame(ctx: ReportContext):
    """Point-in-time features at a cutoff and the churn labels after it."""
    client = ctx.client
    tx = client.table("transactions").to_pandas()
    customers = (
        client.table("customers").to_pandas() if client.has("customers") else None
    )
    other = {
        name: client.table(name).to_pandas()
        for name in ("nps_responses", "activity")
        if client.has(name)
    }
    if (
        client.config.contractual
        and customers is not None
        and "cancellation_date" in customers
    ):
        cutoff = ctx.as_of - pd.Timedelta(days=CONTRACT_HORIZON_DAYS - 1)
        labels = churn.contractual_churn_labels(
            customers,
            as_of=ctx.as_of,
            cutoff=cutoff,
            horizon_days=CONTRACT_HORIZON_DAYS,
        )
    else:
        derived = churn.inactivity_window(tx, cutoff=ctx.as_of)
        window = derived.window_days
        cutoff = ctx.as_of - pd.Timedelta(days=window - 1)
        labels = churn.transaction_churn_labels(
            tx,
            cutoff=cutoff,
            as_of=ctx.as_of,
            window_days=window,
            window_source=f"derived up to as_of: {derived.describe()}",
        )
    features = churn.point_in_time_features(
        tx, cutoff=cutoff, customers=customers, **other
    )
    frame = features.merge(labels.labels[["customer_id", "churned"]], on="customer_id")
    return frame, labels


def drivers(ctx: ReportContext) -> Section:
    """Fit the logistic churn model when there are enough customers and churners."""
    section = Section("drivers")
    client = ctx.client
    if not client.has("transactions"):
        section.add(rd.missing_table_note("transactions", client.id))
        return section
    with ctx.log.capture():
        frame, labels = _frame(ctx)
        check = churn.check_churn_data(frame, target="churned")
    section.add(rd.paragraph(labels.definition))
    if not check.ok:
        section.add(rd.note(check.reason))
        return section
    with ctx.log.capture():
        result = churn.fit_churn_model(
            frame,
            target="churned",
            exclude=["customer_id"],
            folds=3 if ctx.fast else 5,
            n_repeats=2 if ctx.fast else 5,
        )
    section.kpis["churn_model_cv_auc"] = round(result.cv_auc, 4)
    section.add(
        rd.paragraph(
            f"Logistic regression, {result.folds}-fold cross-validated ROC AUC "
            f"{result.cv_auc:.3f} (interval {result.cv_auc_low:.3f} to "
            f"{result.cv_auc_high:.3f}); {result.churners:,} of {result.customers:,} "
            f"customers churned ({rd.fmt_share(result.base_rate)}). Importance = drop in "
            "held-out AUC when a column (all its categories together) is shuffled."
        )
    )
    section.figure(
        lambda ax: plot_importances(result.importances, top=12, ax=ax), figsize=(8, 4)
    )
    summary = result.driver_summary().rename(columns=_DRIVER_COLUMNS)
    share_cols = ("churn rate, highest level", "churn rate, lowest level")
    section.add(
        rd.table(
            summary,
            formats={
                **{
                    c: (lambda v: rd.fmt_number(v, 3))
                    for c in ("importance", "low", "high")
                },
                **{c: rd.fmt_share for c in share_cols},
            },
            caption="Top drivers, with the raw churn rate behind each (levels with the "
            "highest and lowest churn, and their customer counts)",
        )
    )
    if len(result.correlated_groups):
        groups = result.correlated_groups.copy()
        groups["features"] = groups["features"].map(
            lambda f: " + ".join(f) if isinstance(f, list | tuple) else str(f)
        )
        number = lambda v: rd.fmt_number(v, 3)  # noqa: E731
        section.add(
            rd.table(
                groups.drop(columns=["n_features"], errors="ignore").rename(
                    columns={
                        "mean_abs_spearman": "mean |Spearman|",
                        "importance": "joint importance",
                    }
                ),
                formats={
                    "mean |Spearman|": number,
                    "joint importance": number,
                    "low": number,
                    "high": number,
                },
                caption="Correlated columns reported together: shuffled jointly, they "
                "share credit (importance = drop in held-out AUC)",
            )
        )
    section.figure(lambda ax: plot_lift(result.lift, ax=ax), figsize=(7, 3.4))
    if result.top_drivers:
        top = result.top_drivers[0]
        section.figure(
            lambda ax: plot_churn_by_level(result.churn_by_level, feature=top, ax=ax),
            figsize=(7, 3.4),
        )
    _revenue_at_risk(ctx, section, frame, result)
    return section


def _revenue_at_risk(ctx, section, frame, result) -> None:
    scored = frame.assign(p_churn=result.out_of_fold.to_numpy())
    values = ctx.shared.get("clv_values")
    if values is not None:
        scored = scored.merge(
            values[["clv"]].rename(columns={"clv": "value"}),
            left_on="customer_id",
            right_index=True,
            how="left",
        ).fillna({"value": 0.0})
        what = "expected CLV over the horizon (gross-margin basis)"
    else:
        scored = scored.assign(value=scored.get("spend_last_90d", 0.0))
        what = "revenue in the last 90 days before the cutoff"
    segment = "acquisition_channel" if "acquisition_channel" in scored else None
    with ctx.log.capture():
        risk = churn.revenue_at_risk(
            scored, probability_col="p_churn", value_col="value", segment_col=segment
        )
    money = lambda v: rd.fmt_money(v, ctx.currency, 0)  # noqa: E731
    section.add(
        rd.table(
            risk,
            formats={
                "value": money,
                "revenue_at_risk": money,
                "expected_churners": lambda v: rd.fmt_number(v, 1),
                "share_at_risk": rd.fmt_share,
                "share_of_total_risk": rd.fmt_share,
            },
            caption="Value at risk = churn probability (out-of-fold, estimated at the "
            f"cutoff) x {what}",
        )
    )
