"""Churn labels, point-in-time features and churn-driver models.

Main entry points
-----------------
fit_churn_model
    Cross-validated logistic or gradient-boosting churn model with grouped
    permutation importances, correlated groups, lift, calibration, odds ratios,
    partial dependence and churn rate by level of the top drivers.
check_churn_data
    Whether a table has enough customers (100) and churners (30) for a model,
    with the counts and the reason as text when it does not.
contractual_churn_labels, transaction_churn_labels, inactivity_window
    Churn labels from cancellation dates / flags, or from inactivity after a
    cutoff (window given or derived from inter-purchase times).
point_in_time_features
    Customer features from data strictly before a cutoff (Ibis aggregation).
kaplan_meier_by_segment
    Retention curves, median lifetime with interval, log-rank test.
revenue_at_risk
    Churn probability x customer value, by segment.
churn_rate_by_level, correlated_feature_groups, lift_table
    The tables behind the model, usable on their own.
"""

from __future__ import annotations

from analytics_kit.churn.drivers import (
    churn_rate_by_level,
    correlated_feature_groups,
    feature_association,
    partial_dependence_table,
)
from analytics_kit.churn.evaluation import calibration_table, cv_interval, lift_table
from analytics_kit.churn.features import nps_class, point_in_time_features
from analytics_kit.churn.labels import (
    ChurnLabels,
    InactivityWindow,
    contractual_churn_labels,
    inactivity_window,
    transaction_churn_labels,
)
from analytics_kit.churn.model import (
    MIN_CHURNERS,
    MIN_CUSTOMERS,
    ChurnDataCheck,
    ChurnModelResult,
    check_churn_data,
    fit_churn_model,
)
from analytics_kit.churn.revenue import revenue_at_risk
from analytics_kit.churn.survival import SurvivalResult, kaplan_meier_by_segment

__all__ = [
    "MIN_CHURNERS",
    "MIN_CUSTOMERS",
    "ChurnDataCheck",
    "ChurnLabels",
    "ChurnModelResult",
    "InactivityWindow",
    "SurvivalResult",
    "calibration_table",
    "check_churn_data",
    "churn_rate_by_level",
    "contractual_churn_labels",
    "correlated_feature_groups",
    "cv_interval",
    "feature_association",
    "fit_churn_model",
    "inactivity_window",
    "kaplan_meier_by_segment",
    "lift_table",
    "nps_class",
    "partial_dependence_table",
    "point_in_time_features",
    "revenue_at_risk",
    "transaction_churn_labels",
]
