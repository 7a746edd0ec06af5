"""What every report section shares: the run context, the section result, sentences.

A section is computed by a function ``section(ctx) -> Section`` that calls the kit's
metric and model functions and returns what to show (HTML snippets and figures), the
headline KPIs it contributes and the *facts* the headline sentences are written from.
Computing every section before anything is displayed lets the headline, shown first,
use numbers from later sections.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analytics_kit.client import Client
from analytics_kit.reporting.notebook import WarningLog

__all__ = [
    "MODEL_NAMES",
    "Fact",
    "ReportContext",
    "Section",
    "change_sentence",
    "model_name",
    "show",
]

#: How the purchase models are named in reports.
MODEL_NAMES = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pareto_nbd": "Pareto/NBD"}


def model_name(text: str) -> str:
    """Replace the kit's model identifiers in `text` with their published names."""
    for key in sorted(MODEL_NAMES, key=len, reverse=True):
        text = text.replace(key, MODEL_NAMES[key])
    return text


@dataclass
class ReportContext:
    """One report run: the client, the parameters and the analysis windows.

    The current window is the 12 complete calendar months up to ``as_of`` (the month
    of ``as_of`` counts when ``as_of`` is its last day); the previous window is the 12
    months before it.
    """

    client: Client
    horizon_months: float
    annual_discount_rate: float
    fast: bool
    log: WarningLog
    shared: dict[str, Any] = field(default_factory=dict)
    #: Names of the metrics this report computed (for the definitions appendix).
    used: set[str] = field(default_factory=set)

    def use(self, *results: Any) -> None:
        """Record metric results (anything with a ``metric`` name) as shown."""
        for result in results:
            name = getattr(result, "metric", None)
            if name:
                self.used.add(str(name))

    @property
    def as_of(self) -> pd.Timestamp:
        """The last day of data."""
        return self.client.as_of

    @property
    def window_end(self) -> pd.Timestamp:
        """Exclusive end of the current window (first day of a month)."""
        next_day = self.as_of + pd.Timedelta(days=1)
        if next_day.day == 1:
            return next_day
        return self.as_of.to_period("M").start_time

    @property
    def window_start(self) -> pd.Timestamp:
        """Inclusive start of the current 12-month window."""
        return self.window_end - pd.DateOffset(months=12)

    @property
    def previous_start(self) -> pd.Timestamp:
        """Inclusive start of the previous 12-month window."""
        return self.window_end - pd.DateOffset(months=24)

    @property
    def currency(self) -> str:
        """The client's currency code."""
        return self.client.config.currency

    def has_history(self, start: pd.Timestamp) -> bool:
        """Whether the transactions reach back to `start` (for a fair comparison)."""
        return self.covers("transactions", "timestamp", start)

    def table_start(self, name: str, column: str) -> pd.Timestamp | None:
        """First date in `column` of table `name` (None when absent or empty)."""
        key = f"start:{name}.{column}"
        if key not in self.shared:
            first = None
            if self.client.has(name):
                table = self.client.table(name)
                if column in table.columns:
                    value = table[column].min().to_pandas()
                    first = None if pd.isna(value) else pd.Timestamp(value).normalize()
            self.shared[key] = first
        return self.shared[key]

    def table_end(self, name: str, column: str) -> pd.Timestamp | None:
        """Last date in `column` of table `name` (None when absent or empty)."""
        key = f"end:{name}.{column}"
        if key not in self.shared:
            last = None
            if self.client.has(name):
                table = self.client.table(name)
                if column in table.columns:
                    value = table[column].max().to_pandas()
                    last = None if pd.isna(value) else pd.Timestamp(value).normalize()
            self.shared[key] = last
        return self.shared[key]

    def covers(self, name: str, column: str, start: pd.Timestamp) -> bool:
        """Whether table `name` has data from `start` on (for a fair comparison)."""
        first = self.table_start(name, column)
        return first is not None and first <= start

    def compared(self, has_previous: bool) -> str:
        """Sentence context: the window, and what it is compared with if anything."""
        if has_previous:
            return f"{self.window_label()} vs the 12 months before"
        return f"over {self.window_label()}"

    def window_label(self) -> str:
        """E.g. "Jan 2023 to Dec 2023" (from the first month with data, if later)."""
        last = self.window_end - pd.Timedelta(days=1)
        first = self.table_start("transactions", "timestamp")
        start = self.window_start
        if first is not None and first > start:
            start = first
        return f"{start:%b %Y} to {last:%b %Y}"


@dataclass(frozen=True)
class Fact:
    """A headline number, with its previous value when the data allows one."""

    label: str
    value: float
    formatted: str
    previous: float | None = None
    previous_formatted: str = ""
    #: True / False when a significance test was possible, else None.
    significant: bool | None = None
    higher_is_better: bool = True
    context: str = ""


@dataclass
class Section:
    """What one report section shows and contributes to the headline."""

    key: str
    items: list[Any] = field(default_factory=list)
    kpis: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)

    def add(self, *items: Any) -> None:
        """Append HTML snippets or matplotlib figures, in display order."""
        self.items.extend(items)

    def figure(
        self, draw: Callable[..., Any], *, figsize: tuple[float, float] = (9, 3.4)
    ) -> None:
        """Create a figure, let `draw(ax)` fill it and append it."""
        # A Figure outside pyplot's registry: sections can hold many without leaking.
        fig = Figure(figsize=figsize, dpi=96)
        draw(fig.subplots())
        fig.tight_layout()
        self.items.append(fig)


def show(section: Section) -> None:
    """Display a section's items in a notebook and release its figures."""
    from IPython.display import display

    for item in section.items:
        display(as_image(item) if isinstance(item, Figure) else item)


def as_image(fig: Figure) -> Any:
    """A figure as a PNG image (independent of the notebook's matplotlib backend)."""
    from io import BytesIO

    from IPython.display import Image

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")


def change_sentence(fact: Fact) -> str:
    """One sentence written only from the numbers of `fact`.

    Examples
    --------
    >>> change_sentence(Fact("NPS", 33.0, "33", 41.0, "41", significant=False))
    'NPS fell from 41 to 33; the change is within the margin of error.'
    >>> change_sentence(Fact("Revenue", 120.0, "120 EUR", 100.0, "100 EUR"))
    'Revenue rose from 100 EUR to 120 EUR (+20.0%).'
    >>> change_sentence(Fact("CLV", 10.0, "10 EUR", context="over 12 months"))
    'CLV: 10 EUR, over 12 months.'
    """
    context = f", {fact.context}" if fact.context else ""
    if math.isnan(fact.value):
        return f"{fact.label} could not be computed{context}."
    if fact.previous is None or math.isnan(fact.previous):
        return f"{fact.label}: {fact.formatted}{context}."
    if fact.value == fact.previous:
        return f"{fact.label} is unchanged at {fact.formatted}{context}."
    verb = "rose" if fact.value > fact.previous else "fell"
    text = f"{fact.label} {verb} from {fact.previous_formatted} to {fact.formatted}"
    if fact.significant is None and fact.previous:
        text += f" ({(fact.value - fact.previous) / abs(fact.previous):+.1%})"
    if fact.significant is True:
        text += "; the change is larger than the margin of error"
    elif fact.significant is False:
        text += "; the change is within the margin of error"
    return text + context + "."
