"""Report section 9: the definitions as used for this client and the run's parameters."""

from __future__ import annotations

import pandas as pd

from analytics_kit import metrics as mx
from analytics_kit.overview import Overview
from analytics_kit.reporting import display as rd
from analytics_kit.reporting.sections._base import ReportContext, Section

__all__ = ["appendix"]


def appendix(ctx: ReportContext, parameters: dict) -> Section:
    """Every metric definition, the CLV set-up used, and the run parameters."""
    section = Section("appendix")
    rows = mx.definitions()
    rows = rows[rows["metric"].isin(ctx.used)]  # only what this report shows
    extra = [{"metric": "repeat-purchase rate", "definition": Overview.definition}]
    if "clv_definition" in ctx.shared:
        extra.append(
            {"metric": "probabilistic CLV", "definition": ctx.shared["clv_definition"]}
        )
    if "ltv" in ctx.shared:
        extra.append({"metric": "LTV in LTV:CAC", "definition": ctx.shared["ltv"][1]})
    extra.append(
        {
            "metric": "headline window",
            "definition": f"{ctx.window_label()} (12 complete months up to as_of), "
            "compared with the 12 months before wherever the data covers both",
        }
    )
    rows = pd.concat([rows, pd.DataFrame(extra)], ignore_index=True)
    section.add(rd.table(rows, caption="Definitions"))
    cfg = ctx.client.config
    run = {
        **parameters,
        "client name": cfg.name,
        "currency": cfg.currency,
        "timezone": cfg.timezone,
        "gross margin": cfg.gross_margin,
        "engine": cfg.engine,
        "tables": ", ".join(sorted(ctx.client.tables)),
    }
    section.add(
        rd.table(
            pd.DataFrame(
                {"parameter": list(run), "value": [str(v) for v in run.values()]}
            ),
            caption="Parameters of this run",
        )
    )
    return section
