"""Turn a one-row-per-customer frame into model inputs, recording every decision.

Private helpers of :mod:`analytics_kit.churn.model`; the public functions validate
their arguments and then call these.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    format_error,
)

__all__ = ["PreparedFrame", "parse_binary", "prepare_frame"]

_TRUE = {"yes", "y", "true", "t", "1", "1.0", "churned", "churn"}
_FALSE = {"no", "n", "false", "f", "0", "0.0", "active", "retained"}
MISSING_LEVEL = "(missing)"


@dataclass(frozen=True, eq=False)
class PreparedFrame:
    """Model-ready features, the 0/1 target and what was done to get them."""

    features: pd.DataFrame
    target: np.ndarray
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    #: One row per decision: ``column``, ``issue``, ``rows``, ``action``.
    notes: pd.DataFrame


def parse_binary(values: pd.Series, *, param: str) -> np.ndarray:
    """Return a 0/1 integer array from booleans, 0/1 numbers or yes/no text.

    Raises
    ------
    DataValidationError
        When a value is missing or is not one of the recognised spellings.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype(int).to_numpy()
    text = values.astype("string").str.strip().str.lower()
    is_true = text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
    is_false = text.isin(_FALSE).fillna(False).to_numpy(dtype=bool)
    bad = ~(is_true | is_false)
    if bad.any():
        shown = [f"row {i}: {values.iloc[i]!r}" for i in np.flatnonzero(bad)[:5]]
        msg = format_error(
            f"column {param!r}",
            f"{int(bad.sum()):,} value(s) that are not a churn flag",
            "True/False, 1/0 or Yes/No (no missing values)",
            "fill or drop the rows without a known outcome before fitting",
            shown,
        )
        raise DataValidationError(msg)
    return is_true.astype(int)


def _numeric_text(col: pd.Series) -> tuple[pd.Series, int] | None:
    """Parse a text column whose non-blank values are all numbers, else None."""
    text = col.astype("string").str.strip()
    blank = text.isna() | (text == "")
    if (~blank).sum() == 0:
        return None
    parsed = pd.to_numeric(text.where(~blank), errors="coerce")
    if parsed[~blank].isna().any():
        return None
    return parsed.astype(float), int(blank.sum())


def _note(column: str, issue: str, rows: int, action: str) -> dict[str, object]:
    return {"column": column, "issue": issue, "rows": rows, "action": action}


def _classify_column(
    name: str, col: pd.Series, n_rows: int
) -> tuple[str, pd.Series | None, dict[str, object] | None]:
    """Return (kind, converted column, note); kind in numeric/categorical/drop."""
    if pd.api.types.is_datetime64_any_dtype(col):
        note = _note(name, "date column", n_rows, "dropped: derive a duration first")
        return "drop", None, note
    if pd.api.types.is_bool_dtype(col):
        return "categorical", col.astype("string"), None
    if pd.api.types.is_numeric_dtype(col):
        out = col.astype(float)
        if out.nunique(dropna=True) <= 1:
            return "drop", None, _note(name, "constant", n_rows, "dropped")
        return "numeric", out, None
    parsed = _numeric_text(col)
    if parsed is not None:
        values, blanks = parsed
        text_note: dict[str, object] | None = None
        if blanks:
            text_note = _note(
                name,
                "numbers stored as text with blank values",
                blanks,
                "blanks treated as missing: median-imputed with a missing indicator",
            )
        return "numeric", values, text_note
    text = col.astype("string")
    if text.nunique(dropna=True) == n_rows and n_rows > 20:
        note = _note(name, "identifier (unique per row)", n_rows, "dropped")
        return "drop", None, note
    if text.nunique(dropna=True) <= 1:
        return "drop", None, _note(name, "constant", n_rows, "dropped")
    missing = int(text.isna().sum())
    level_note = (
        _note(name, "missing category", missing, f"kept as level {MISSING_LEVEL}")
        if missing
        else None
    )
    return "categorical", text.fillna(MISSING_LEVEL).astype(object), level_note


def prepare_frame(
    frame: pd.DataFrame, *, target: str, exclude: Sequence[str] = ()
) -> PreparedFrame:
    """Split `frame` into typed feature columns and a 0/1 target.

    Text columns whose non-blank values are all numbers become numeric (blank
    values become missing, are counted, and a :class:`DataQualityWarning` says
    so); identifier-like text columns (unique per row), constant columns and
    date columns are dropped and noted. The input is not modified.
    """
    y = parse_binary(frame[target], param=target)
    numeric: list[str] = []
    categorical: list[str] = []
    columns: dict[str, pd.Series] = {}
    notes: list[dict[str, object]] = []
    for name in frame.columns:
        if name == target or name in exclude:
            continue
        kind, values, note = _classify_column(name, frame[name], len(frame))
        if note is not None:
            notes.append(note)
        if kind == "numeric":
            numeric.append(name)
        elif kind == "categorical":
            categorical.append(name)
        if values is not None:
            columns[name] = values.reset_index(drop=True)
    for name in numeric:
        blanks = int(columns[name].isna().sum())
        if blanks and not any(n["column"] == name for n in notes):
            notes.append(_note(name, "missing values", blanks, "median-imputed"))
    for note in notes:
        if note["issue"] in {
            "numbers stored as text with blank values",
            "missing values",
        }:
            warnings.warn(
                f"{note['column']}: {note['rows']:,} {note['issue']}; {note['action']}",
                DataQualityWarning,
                stacklevel=3,
            )
    features = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    table = pd.DataFrame(notes, columns=["column", "issue", "rows", "action"])
    return PreparedFrame(features, y, tuple(numeric), tuple(categorical), table)
