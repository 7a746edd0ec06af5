"""Result objects, the definitions registry and small shared helpers for metrics.

Every metric function registers the words that define it with
:func:`register_definition`; :func:`definitions` returns them as a table for a
report's definitions appendix.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analytics_kit._validation import require_columns
from analytics_kit.engine import Table, as_table
from analytics_kit.exceptions import (
    DataValidationError,
    UndefinedMetricWarning,
    format_error,
)

__all__ = [
    "MetricResult",
    "definitions",
    "register_definition",
    "wilson_interval",
]

_DEFINITIONS: dict[str, str] = {}


def register_definition(metric: str, text: str) -> str:
    """Record the definition `text` of `metric` (idempotent) and return the text."""
    _DEFINITIONS[metric] = text
    return text


def definitions(metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """The definitions appendix: one row per metric, in registration order.

    Parameters
    ----------
    metrics : sequence of str, optional
        Only these metrics (in this order); default every registered metric.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric`` and ``definition``.

    Raises
    ------
    DataValidationError
        When a requested metric has no registered definition.
    """
    names = list(_DEFINITIONS) if metrics is None else list(metrics)
    unknown = [m for m in names if m not in _DEFINITIONS]
    if unknown:
        msg = format_error(
            "metrics",
            f"unknown metric name(s) {unknown}",
            f"registered metrics {sorted(_DEFINITIONS)}",
            "pass names from analytics_kit.metrics.definitions()['metric']",
        )
        raise DataValidationError(msg)
    return pd.DataFrame(
        {"metric": names, "definition": [_DEFINITIONS[m] for m in names]}
    )


@dataclass(frozen=True)
class MetricResult:
    """A scalar metric with its parts, its interval and its definition.

    Attributes
    ----------
    metric : str
        Registry name of the definition used (see :func:`definitions`).
    value : float
        The metric (a share is a fraction in [0, 1]; NaN when undefined).
    numerator, denominator : float
        The two counts (or sums) whose ratio is `value`.
    ci : tuple of float or None
        (low, high) confidence interval; None where no sampling interval is defined.
    confidence : float
        Confidence level of `ci`.
    definition : str
        The formula in words.
    details : dict
        Further counts behind the value (read-only by convention).
    """

    metric: str
    value: float
    numerator: float
    denominator: float
    ci: tuple[float, float] | None
    definition: str
    confidence: float = 0.95
    details: dict[str, Any] = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.value)

    def to_dict(self) -> dict[str, Any]:
        """Flat dictionary (one report-table row)."""
        low, high = self.ci if self.ci is not None else (math.nan, math.nan)
        return {
            "metric": self.metric,
            "value": self.value,
            "ci_low": low,
            "ci_high": high,
            "numerator": self.numerator,
            "denominator": self.denominator,
            **self.details,
            "definition": self.definition,
        }


def wilson_interval(
    successes: float, n: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    ``(p + z²/2n ± z √(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = successes/n``.
    Returns (NaN, NaN) when ``n == 0`` or ``successes`` is outside ``[0, n]``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22(158), 209-212.
    """
    if n <= 0 or successes < 0 or successes > n:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def safe_ratio(
    numerator: float, denominator: float, *, what: str, stacklevel: int = 3
) -> float:
    """`numerator / denominator`, or NaN with an UndefinedMetricWarning when 0."""
    if denominator == 0 or not np.isfinite(denominator):
        warnings.warn(
            f"{what}: the denominator is {denominator}; the metric is undefined "
            "and NaN is returned.",
            UndefinedMetricWarning,
            stacklevel=stacklevel,
        )
        return math.nan
    return float(numerator) / float(denominator)


def check_confidence(confidence: float) -> float:
    """Return `confidence` when it lies strictly between 0 and 1, else raise."""
    if not 0 < confidence < 1:
        msg = format_error(
            "confidence",
            repr(confidence),
            "a level strictly between 0 and 1",
            "pass confidence=0.95",
        )
        raise DataValidationError(msg)
    return float(confidence)


def table_of(data: pd.DataFrame | Table, required: Sequence[str], param: str) -> Table:
    """`data` as an Ibis table after checking it has the `required` columns."""
    table = as_table(data)
    require_columns(table.columns, required, param=param)
    return table
