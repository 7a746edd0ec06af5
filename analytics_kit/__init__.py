"""analytics_kit: customer marketing analytics for analysts who serve several clients.

The five questions per client (what a customer costs, what a customer is worth, how
many leave, how loyal and how engaged they are) and what drives churn, answered by
small metric functions and model wrappers, and rendered as per-client reports.

Main entry points
-----------------
load_client
    Read, validate and summarise one client's tables.
analytics_kit.metrics
    CAC, historical CLV, churn, retention, cohorts, NPS, engagement.
analytics_kit.clv
    RFM summaries and BG/NBD, Pareto/NBD, Gamma-Gamma models.
analytics_kit.churn
    Churn labels, point-in-time features and churn-driver models.
"""

from __future__ import annotations

from analytics_kit.client import Client, load_client
from analytics_kit.config import ClientConfig, load_config

__all__ = ["Client", "ClientConfig", "__version__", "load_client", "load_config"]

__version__ = "0.1.0"
