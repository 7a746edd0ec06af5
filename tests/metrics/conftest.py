"""Real datasets mapped to the kit's canonical tables, for the metrics tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def makeschool(shared_data: Path) -> pd.DataFrame:
    """Make School 2017 weekly ratings, read as text (blanks stay empty strings)."""
    path = (
        shared_data / "nps_makeschool_2017/makeschool_summer_academy_2017_feedback.csv"
    )
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def telco_raw(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "telco_customer_churn/Telco-Customer-Churn.csv")


#: The Telco snapshot is mapped to one observed month, [PERIOD_START, PERIOD_END).
TELCO_START, TELCO_END = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")


@pytest.fixture(scope="session")
def telco_customers(telco_raw: pd.DataFrame) -> pd.DataFrame:
    """Telco as a customers table for the month in which ``Churn`` was observed.

    tenure (months) >= 1: acquired ``tenure`` months before the month starts;
    tenure 0: acquired during the month (new). ``Churn == "Yes"``: cancelled
    during the month.
    """
    tenure = telco_raw["tenure"].astype(int)
    acquired = [
        TELCO_START - pd.DateOffset(months=m)
        if m > 0
        else TELCO_START + pd.Timedelta(days=14)
        for m in tenure
    ]
    cancelled = pd.Series(pd.NaT, index=telco_raw.index, dtype="datetime64[ns]")
    cancelled[telco_raw["Churn"].eq("Yes")] = TELCO_START + pd.Timedelta(days=19)
    return pd.DataFrame(
        {
            "customer_id": telco_raw["customerID"],
            "acquisition_date": pd.to_datetime(acquired),
            "acquisition_channel": "unknown",
            "cancellation_date": cancelled,
            "contract": telco_raw["Contract"],
        }
    )


def _retail(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(
        path, dtype={"InvoiceNo": str, "StockCode": str}, encoding="utf-8-sig"
    )
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"].astype(int).astype(str),
            "timestamp": pd.to_datetime(raw["InvoiceDate"], format="%m/%d/%Y %H:%M"),
            "amount": raw["Quantity"] * raw["UnitPrice"],
            "order_id": raw["InvoiceNo"],
        }
    ).reset_index(drop=True)


@pytest.fixture(scope="session")
def retail(shared_data: Path) -> dict[str, pd.DataFrame]:
    """Online Retail line items (Germany, France) as transactions, cancellations
    (invoices starting with "C") removed."""
    out = {}
    for country in ("germany", "france"):
        tx = _retail(
            shared_data / f"online_retail_uci_de_fr/online_retail_{country}.csv"
        )
        out[country] = tx[~tx["order_id"].str.startswith("C")].reset_index(drop=True)
    return out


#: Last invoice day in both Online Retail files.
RETAIL_AS_OF = "2011-12-09"


@pytest.fixture(scope="session")
def journey(shared_data: Path) -> dict[str, pd.DataFrame]:
    base = shared_data / "complete_journey_8451"
    return {
        name: pd.read_csv(base / f"{name}.csv")
        for name in ("campaigns", "coupon_redemptions", "campaign_descriptions")
    }


@pytest.fixture(scope="session")
def sbg_counts(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "sbg_retention_fader_hardie_2007/sbg_retention_counts.csv"
    )


@pytest.fixture
def march() -> pd.DataFrame:
    """100 customers at the start of March (8 cancel in March), 10 new in March
    (2 cancel in March)."""
    rows = [
        (f"old{i}", "2024-01-15", "2024-03-10" if i < 8 else None) for i in range(100)
    ]
    rows += [
        (f"new{i}", "2024-03-05", "2024-03-20" if i < 2 else None) for i in range(10)
    ]
    frame = pd.DataFrame(
        rows, columns=["customer_id", "acquisition_date", "cancellation_date"]
    )
    frame["acquisition_date"] = pd.to_datetime(frame["acquisition_date"])
    frame["cancellation_date"] = pd.to_datetime(frame["cancellation_date"])
    return frame
