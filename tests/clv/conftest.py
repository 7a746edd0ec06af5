"""Fixtures for the CLV tests: the CDNOW sample shipped with lifetimes."""

from __future__ import annotations

from pathlib import Path

import lifetimes
import pandas as pd
import pytest

from analytics_kit.clv import rfm_summary

CDNOW_SAMPLE = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"


def read_cdnow_sample() -> pd.DataFrame:
    """The raw CDNOW sample: one row per purchase line, 2,357 customers.

    Whitespace separated, no header: master id, sample id, yyyymmdd, CDs, dollars.
    """
    raw = pd.read_csv(
        CDNOW_SAMPLE,
        sep=r"\s+",
        header=None,
        names=["customer_id", "sample_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    raw["timestamp"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "timestamp", "amount", "cds"]]


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    return read_cdnow_sample()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    """Weeks, calibration to 1997-09-30, holdout to 1998-06-30 (FHL 2005a)."""
    return rfm_summary(
        cdnow_transactions,
        as_of="1998-06-30",
        calibration_end="1997-09-30",
        time_unit="week",
        keep_zero_spend_days=True,
    )
