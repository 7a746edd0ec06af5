"""Customer metrics, each computed once, with its definition and uncertainty.

Every scalar metric returns a frozen :class:`MetricResult` with ``value``,
``ci`` (where a sampling interval is defined), ``definition`` (the formula in
words) and the counts behind it; ``*_by`` / ``*_series`` / ``*_trend`` functions
return tidy DataFrames. :func:`definitions` lists every definition for a
report's appendix.

Families: :mod:`~analytics_kit.metrics.cac`, :mod:`~.clv_historical`,
:mod:`~.churn`, :mod:`~.retention` (with the sBG curve in
:mod:`~.retention_curve`), :mod:`~.nps`, :mod:`~.engagement`.
"""

from __future__ import annotations

from analytics_kit.metrics._result import MetricResult, definitions, wilson_interval
from analytics_kit.metrics.cac import cac, cac_by, cac_payback_months, ltv_to_cac
from analytics_kit.metrics.churn import (
    CHURN_DEFINITIONS,
    churn_by,
    churn_rate,
    churn_series,
    inactivity_churn,
)
from analytics_kit.metrics.clv_historical import historical_clv, saas_clv
from analytics_kit.metrics.engagement import (
    active_share,
    engagement_by,
    engagement_rate,
    stickiness,
)
from analytics_kit.metrics.nps import (
    NPSChangeResult,
    NPSResult,
    nps,
    nps_by,
    nps_change,
    nps_trend,
)
from analytics_kit.metrics.retention import (
    RetentionCurveFit,
    cohort_retention,
    crr_from_counts,
    fit_retention_curve,
    repeat_purchase_rate,
    retention_by,
    retention_rate,
    revenue_retention,
)

__all__ = [
    "CHURN_DEFINITIONS",
    "MetricResult",
    "NPSChangeResult",
    "NPSResult",
    "RetentionCurveFit",
    "active_share",
    "cac",
    "cac_by",
    "cac_payback_months",
    "churn_by",
    "churn_rate",
    "churn_series",
    "cohort_retention",
    "crr_from_counts",
    "definitions",
    "engagement_by",
    "engagement_rate",
    "fit_retention_curve",
    "historical_clv",
    "inactivity_churn",
    "ltv_to_cac",
    "nps",
    "nps_by",
    "nps_change",
    "nps_trend",
    "repeat_purchase_rate",
    "retention_by",
    "retention_rate",
    "revenue_retention",
    "saas_clv",
    "stickiness",
    "wilson_interval",
]
