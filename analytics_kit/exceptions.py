"""The kit's exception and warning classes.

Every error the kit raises on purpose is an :class:`AnalyticsKitError`. Subclasses
also inherit from the built-in class a caller would expect (``ValueError`` for bad
values, ``TypeError`` for the wrong kind of argument), so ``except ValueError`` keeps
working. Messages follow one shape, in four parts: *what* (file, column, row or
parameter), *what was found*, *what is allowed* and *how to fix it*. Use
:func:`format_error` to build them.

Warnings are for what an analyst must act on; they are never logged by the library.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AnalyticsKitError",
    "ApproximationWarning",
    "ConfigError",
    "ConvergenceError",
    "DataQualityWarning",
    "DataValidationError",
    "ModelEstimationError",
    "ReportParameterError",
    "UndefinedMetricWarning",
    "format_error",
]


class AnalyticsKitError(Exception):
    """Base class of every error the kit raises on purpose."""


class ConfigError(AnalyticsKitError, ValueError):
    """Raised when the client configuration file is invalid or unsafe."""


class DataValidationError(AnalyticsKitError, ValueError):
    """Raised when a table cannot be read or breaks a rule of its schema."""


class ModelEstimationError(AnalyticsKitError, ValueError):
    """Raised when a model cannot be estimated from the data given (too little data)."""


class ConvergenceError(ModelEstimationError):
    """Raised when an optimizer fails on every start and penalty that was tried."""


class ReportParameterError(AnalyticsKitError, ValueError):
    """Raised when report parameters do not match the notebook's declared parameters."""


class DataQualityWarning(UserWarning):
    """Rows were excluded, or a result rests on very little data."""


class UndefinedMetricWarning(UserWarning):
    """A metric is undefined for the input (a zero denominator) and NaN is returned."""


class ApproximationWarning(UserWarning):
    """A result relies on an approximation or an assumption the data puts in doubt."""


def format_error(
    what: str, found: str, allowed: str, fix: str, examples: Iterable[str] = ()
) -> str:
    """Build a four-part error message.

    Parameters
    ----------
    what : str
        Where the problem is: file, column, row or parameter.
    found : str
        What was found there.
    allowed : str
        What is allowed instead.
    fix : str
        How the analyst can fix it.
    examples : iterable of str, optional
        A few offending rows or values, shown on their own lines.

    Returns
    -------
    str
        The message, one part per line.

    Examples
    --------
    >>> print(format_error("as_of", "'2024-13-01'", "an ISO date", "use '2024-12-31'"))
    as_of: found '2024-13-01'.
      allowed: an ISO date.
      fix: use '2024-12-31'.
    """
    lines = [f"{what}: found {found}.", f"  allowed: {allowed}.", f"  fix: {fix}."]
    shown = list(examples)
    if shown:
        lines.insert(1, "  examples:")
        for i, example in enumerate(shown[:5]):
            lines.insert(2 + i, f"    {example}")
    return "\n".join(lines)
