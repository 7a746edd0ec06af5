"""Fixtures of the churn tests: the real Telco and Online Retail (Germany) tables."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from analytics_kit.churn import ChurnModelResult, fit_churn_model
from analytics_kit.exceptions import DataQualityWarning


@pytest.fixture(scope="session")
def telco(shared_data: Path) -> pd.DataFrame:
    """IBM Telco churn table as shipped (TotalCharges is text with 11 blanks)."""
    return pd.read_csv(
        shared_data / "telco_customer_churn" / "Telco-Customer-Churn.csv"
    )


@pytest.fixture(scope="session")
def telco_result(telco: pd.DataFrame) -> ChurnModelResult:
    """Logistic model on Telco, 5 folds, 2 permutation repeats (kept small for speed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fit_churn_model(telco, target="Churn", n_repeats=2)


@pytest.fixture(scope="session")
def retail_de(shared_data: Path) -> pd.DataFrame:
    """UCI Online Retail, Germany, as canonical transactions.

    amount = Quantity x UnitPrice (C-invoices have negative quantity, so they are
    negative amounts); timestamps parsed from M/D/YYYY H:MM.
    """
    raw = pd.read_csv(
        shared_data / "online_retail_uci_de_fr" / "online_retail_germany.csv",
        encoding="utf-8-sig",
        dtype={"CustomerID": str, "InvoiceNo": str, "StockCode": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"],
            "timestamp": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
            "amount": raw["Quantity"] * raw["UnitPrice"],
            "order_id": raw["InvoiceNo"],
        }
    )
