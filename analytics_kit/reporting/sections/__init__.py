"""The report's sections, computed before anything is shown.

:func:`build_report` computes every section of a client's report in dependency order
(value before acquisition, which needs CLV for LTV:CAC; everything before the headline,
which is written from the other sections' facts) and returns them in display order.
The report notebook then only shows them, one cell per section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics_kit.client import Client
from analytics_kit.exceptions import AnalyticsKitError
from analytics_kit.reporting import display as rd
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
    steps: list[tuple[str, Callable[[ReportContext], Section]]] = [
        ("activity", activity_facts),
        ("data_quality", data_quality),
        ("value", value),  # before acquisition, which needs CLV for LTV:CAC
        ("acquisition", acquisition),
        ("retention", retention),
        ("drivers", drivers),
        ("nps", nps),
        ("engagement", engagement),
        ("appendix", lambda c: appendix(c, parameters)),
    ]
    for key, compute in steps:
        try:
            done[key] = compute(ctx)
        except AnalyticsKitError as exc:
            # The kit's own errors carry what, found, allowed and fix: show them as a
            # note so one section that cannot be computed does not sink the report.
            done[key] = _note_section(key, f"This section could not be computed. {exc}")
        except Exception as exc:
            # Unexpected: a defect to fix. The report still renders; the error is
            # listed in the notes section at the end of the report.
            log.messages.append(f"{type(exc).__name__} in section {key}: {exc}")
            done[key] = _note_section(
                key,
                "This section could not be computed because of an unexpected error "
                f"({type(exc).__name__}); the details are in the report's notes.",
            )
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


def _note_section(key: str, text: str) -> Section:
    section = Section(key)
    section.add(rd.note(text))
    return section


def headline_kpis(sections: dict[str, Section]) -> dict[str, Any]:
    """Every section's KPIs merged, for the run manifest and the index page."""
    kpis: dict[str, Any] = {}
    for section in sections.values():
        kpis.update(section.kpis)
    return kpis
