"""Helpers of the bad-input corpus: load a case, take a kit message apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import analytics_kit as ak
from analytics_kit.client import Client
from tests.io.test_reader import quality

__all__ = ["CONFIG", "FILES", "Parts", "excluded_rows", "load", "parts", "quality"]

#: The hand-made files; ``clients.yml`` there has one client per case.
FILES = Path(__file__).parent / "files"
CONFIG = FILES / "clients.yml"

_SHAPE = re.compile(
    r"\A(?P<what>.+?): found (?P<found>.+?)\.\n"
    r"(?:  examples:\n(?P<examples>(?:    .*\n)+))?"
    r"  allowed: (?P<allowed>.+?)\.\n"
    r"  fix: (?P<fix>.+)\.\Z",
    re.DOTALL,
)


@dataclass(frozen=True)
class Parts:
    """The four parts of a kit message (and its example lines)."""

    what: str
    found: str
    allowed: str
    fix: str
    examples: tuple[str, ...]


def parts(error: BaseException | str) -> Parts:
    """Split a kit message into its parts; fail when it is not four-part shaped.

    The shape is the one of :func:`analytics_kit.exceptions.format_error`:
    ``<what>: found <found>.`` then optional ``examples:`` lines, ``allowed:`` and
    ``fix:``. Every part must be non-empty.
    """
    message = str(error)
    match = _SHAPE.match(message)
    assert match, f"not a four-part message:\n{message}"
    examples = tuple(
        line.strip() for line in (match["examples"] or "").splitlines() if line
    )
    found = Parts(
        match["what"], match["found"], match["allowed"], match["fix"], examples
    )
    assert all((found.what, found.found, found.allowed, found.fix)), message
    return found


def load(case: str, **kwargs) -> Client:
    """Load the corpus client `case` (see files/clients.yml)."""
    return ak.load_client(case, config=CONFIG, **kwargs)


def excluded_rows(client: Client, table: str) -> int:
    """Rows excluded from `table`, summed over its reasons."""
    dq = client.data_quality()
    mine = dq[(dq["table"] == table) & ~dq["reason"].isin(["read", "kept", "note"])]
    return int(mine["rows"].sum())
