"""Small display helpers for report notebooks: KPI cards, tables, notes.

Everything that comes from data (client names, segment names, comments, channel
names) is HTML-escaped here, so a value such as ``<script>alert(1)</script>`` shows as
text in the report and never runs.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from IPython.display import HTML

__all__ = [
    "Card",
    "fmt_count",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "kpi_cards",
    "missing_table_note",
    "note",
    "paragraph",
    "table",
]


def _nan(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_count(value: float | None) -> str:
    """``12,345``; an em dash for a missing value."""
    return "—" if _nan(value) else f"{value:,.0f}"


def fmt_number(value: float | None, digits: int = 2) -> str:
    """A number with thousands separators and `digits` decimals."""
    return "—" if _nan(value) else f"{value:,.{digits}f}"


def fmt_money(value: float | None, currency: str, digits: int = 2) -> str:
    """``1,234.50 EUR``."""
    return "—" if _nan(value) else f"{value:,.{digits}f} {currency}"


def fmt_share(value: float | None, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``0.1234`` -> ``12.3%``."""
    return "—" if _nan(value) else f"{100 * value:.{digits}f}%"


@dataclass(frozen=True)
class Card:
    """One KPI card: a label, the formatted value and a line of context."""

    label: str
    value: str
    sub: str = ""


def kpi_cards(cards: Sequence[Card]) -> HTML:
    """A row of KPI cards (all text escaped)."""
    parts = [
        f'<div class="ak-card"><div class="ak-label">{html.escape(c.label)}</div>'
        f'<div class="ak-value">{html.escape(c.value)}</div>'
        f'<div class="ak-sub">{html.escape(c.sub)}</div></div>'
        for c in cards
    ]
    return HTML('<div class="ak-cards">' + "".join(parts) + "</div>")


def table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    caption: str | None = None,
    index: bool = False,
) -> HTML:
    """An HTML table with formatted numbers and every cell escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        What to show; not modified.
    formats : mapping, optional
        Column -> format string (``"{:,.0f}"``) or callable.
    caption : str, optional
        Shown above the table (escaped).
    index : bool, default=False
        Whether to show the index.
    """
    # Column labels, index labels and their names come from data too (a pivot by
    # channel or segment): escape every one of them, not only the cells.
    shown = frame.copy(deep=False)
    shown.index = shown.index.set_names(_escaped_names(shown.index.names))
    shown.columns = shown.columns.set_names(_escaped_names(shown.columns.names))
    # pandas escapes what goes into a callable format, not what comes out of it.
    safe = {
        col: (lambda v, f=fmt: html.escape(f(v))) if callable(fmt) else fmt
        for col, fmt in (formats or {}).items()
    }
    styler = shown.style.format(safe, escape="html", na_rep="—")
    styler = styler.format_index(escape="html", axis=0)
    styler = styler.format_index(escape="html", axis=1)
    styler = styler.set_table_attributes('class="ak-table"')
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return HTML(styler.to_html())


def _escaped_names(names: Sequence[object]) -> list[str | None]:
    return [None if n is None else html.escape(str(n)) for n in names]


def note(text: str) -> HTML:
    """A highlighted note (escaped)."""
    return HTML(f'<p class="ak-note">{html.escape(text)}</p>')


def paragraph(text: str) -> HTML:
    """A plain paragraph (escaped)."""
    return HTML(f"<p>{html.escape(text)}</p>")


def missing_table_note(table_name: str, client_id: str) -> HTML:
    """The one line a section shows when its input table is absent."""
    return note(
        f"This section needs the {table_name} table, which client {client_id!r} does "
        f"not supply. Add tables.{table_name}.path (and its column mapping) for this "
        "client in the configuration to include it."
    )
