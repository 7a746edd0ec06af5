"""The report's sections, computed before anything is shown.

:func:`build_report` computes every section of a client's report in dependency order
(value before acquisition, which needs CLV for LTV:CAC; everything before the headline,
which is written from the other sections' facts) and returns them in display order.
The report notebook then only shows them, one cell per section.
"""

from __future__ import annotations

from typing import Any

from analytics_kit.client import Client
from analytics_kit.reporting.notebook import WarningLog
from analytics_kit.reporting.sections._base import (
    Fact,
    ReportContext,
    Section,
    change_sentence,
    show,
)
from analytics_kit.reporting.sections.acquisition import acquisition
from analytics_kit.reporting.sections.appendix import appendix
from analytics_kit.reporting.sections.drivers import drivers
from analytics_kit.reporting.sections.engagement import engagement
from analytics_kit.reporting.sections.headline import (
    activity_facts,
    data_quality,
    headline,
)
from analytics_kit.reporting.sections.loyalty import nps
from analytics_kit.reporting.sections.retention import retention
from analytics_kit.reporting.sections.value import value

__all__ = [
    "Fact",
    "ReportContext",
    "Section",
    "build_report",
    "change_sentence",
    "show",
]


def build_report(
    client: Client,
    *,
    horizon_months: float,
    annual_discount_rate: float,
    fast: bool,
    log: WarningLog,
    parameters: dict[str, Any],
) -> dict[str, Section]:
    """Compute every section of `client`'s report.

    Returns
    -------
    dict of str to Section
        Keys in display order: headline, activity, data_quality, acquisition, value,
        retention, drivers, nps, engagement, appendix.
    """
    ctx = ReportContext(client, horizon_months, annual_discount_rate, fast, log)
    done: dict[str, Section] = {}
    done["activity"] = activity_facts(ctx)
    done["data_quality"] = data_quality(ctx)
    done["value"] = value(ctx)
    done["acquisition"] = acquisition(ctx)
    done["retention"] = retention(ctx)
    done["drivers"] = drivers(ctx)
    done["nps"] = nps(ctx)
    done["engagement"] = engagement(ctx)
    done["appendix"] = appendix(ctx, parameters)
    done["headline"] = headline(ctx, done)
    order = (
        "headline",
        "activity",
        "data_quality",
        "acquisition",
        "value",
        "retention",
        "drivers",
        "nps",
        "engagement",
        "appendix",
    )
    return {key: done[key] for key in order}


def headline_kpis(sections: dict[str, Section]) -> dict[str, Any]:
    """Every section's KPIs merged, for the run manifest and the index page."""
    kpis: dict[str, Any] = {}
    for section in sections.values():
        kpis.update(section.kpis)
    return kpis
