"""Probabilistic customer lifetime value: RFM summaries, purchase and spend models.

Main entry points
-----------------
rfm_summary
    One row per customer (frequency, recency, T, monetary value), on the engine.
fit_purchase_model
    BG/NBD, MBG/NBD or Pareto/NBD (lifetimes' fitters, the kit's checks).
fit_spend_model
    Gamma-Gamma on repeat buyers' mean spend.
customer_value
    Expected purchases, P(alive), expected spend and discounted CLV.
new_customer_value
    Expected discounted value of a newly acquired customer (the LTV in LTV:CAC).
holdout_scorecard
    Calibration/holdout comparison of the purchase models and the model choice.
rfm_table, rfm_patterns, customer_value_table
    Large bases: the summary as an engine expression, the distinct
    (frequency, recency, T) patterns with counts for a weighted fit, and CLV
    scored once per pattern and joined back in the engine.
"""

from __future__ import annotations

from analytics_kit.clv.models import PurchaseModel, fit_purchase_model
from analytics_kit.clv.new_customer import new_customer_value
from analytics_kit.clv.rfm import rfm_exclusions, rfm_summary
from analytics_kit.clv.scale import (
    customer_value_table,
    rfm_patterns,
    rfm_table,
    score_patterns,
)
from analytics_kit.clv.scorecard import HoldoutScorecard, holdout_scorecard
from analytics_kit.clv.spend import SpendModel, fit_spend_model
from analytics_kit.clv.value import clv_segments, customer_value

__all__ = [
    "HoldoutScorecard",
    "PurchaseModel",
    "SpendModel",
    "clv_segments",
    "customer_value",
    "customer_value_table",
    "fit_purchase_model",
    "fit_spend_model",
    "holdout_scorecard",
    "new_customer_value",
    "rfm_exclusions",
    "rfm_patterns",
    "rfm_summary",
    "rfm_table",
    "score_patterns",
]
