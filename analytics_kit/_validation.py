"""Boundary checks shared by the public functions.

Validate once, where data enters a public function; private helpers trust their
inputs. Each check raises a :class:`~analytics_kit.exceptions.AnalyticsKitError`
with a four-part message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from analytics_kit.exceptions import DataValidationError, format_error

__all__ = ["require_columns", "require_date", "require_one_of"]


def require_columns(
    columns: Iterable[str], required: Sequence[str], *, param: str
) -> None:
    """Raise when any of `required` is missing from `columns`.

    Parameters
    ----------
    columns : iterable of str
        The columns the table has.
    required : sequence of str
        The columns the caller needs.
    param : str
        The name of the argument or file the table came from, used in the message.
    """
    have = list(columns)
    missing = sorted(set(required) - set(have))
    if missing:
        msg = format_error(
            f"{param}: column(s) {', '.join(map(repr, missing))}",
            f"missing; the table has {sorted(have)}",
            f"a table with columns {sorted(required)}",
            "rename the columns, or pass the matching *_col argument",
        )
        raise DataValidationError(msg)


def require_date(value: Any, *, param: str) -> pd.Timestamp:
    """Return `value` as a timezone-naive day-precision timestamp.

    Parameters
    ----------
    value : str, datetime.date or pandas.Timestamp
        An ISO date (``YYYY-MM-DD``) or a date object.
    param : str
        The parameter name, used in the message.

    Returns
    -------
    pandas.Timestamp
        Midnight of that date, without timezone.
    """
    if value is None:
        msg = format_error(
            param,
            "None",
            "an ISO date string (YYYY-MM-DD) or a date",
            f"pass {param}='2024-12-31'; the kit never defaults to today's date",
        )
        raise DataValidationError(msg)
    try:
        if isinstance(value, str):
            ts = pd.Timestamp(dt.date.fromisoformat(value))
        else:
            ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        msg = format_error(
            param,
            repr(value),
            "an ISO date string (YYYY-MM-DD) or a date",
            f"pass e.g. {param}='2024-12-31'",
        )
        raise DataValidationError(msg) from exc
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def require_one_of(value: Any, allowed: Sequence[Any], *, param: str) -> Any:
    """Return `value` when it is one of `allowed`, else raise a ValueError."""
    if value not in allowed:
        msg = format_error(
            param,
            repr(value),
            f"one of {list(allowed)}",
            f"pass one of {list(allowed)}",
        )
        raise DataValidationError(msg)
    return value
