"""Churn labels for transaction-only and contractual clients."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics_kit.churn import (
    check_churn_data,
    contractual_churn_labels,
    fit_churn_model,
    inactivity_window,
    point_in_time_features,
    transaction_churn_labels,
)
from analytics_kit.exceptions import DataValidationError, ModelEstimationError


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": pd.to_datetime([r[1] for r in rows]),
            "amount": [r[2] for r in rows],
        }
    )


SMALL = _tx(
    [
        ("A", "2024-01-01 09:00", 10.0),
        ("A", "2024-02-01 09:00", 10.0),
        ("A", "2024-02-01 17:00", 5.0),  # same day: not a new gap
        ("A", "2024-04-05 10:00", 10.0),  # in the window -> A active
        ("B", "2024-03-01 10:00", 10.0),
        ("B", "2024-04-10 10:00", -5.0),  # a return is not a purchase
        ("C", "2024-03-15 10:00", 10.0),
        ("C", "2024-07-01 10:00", 10.0),  # after the window -> C churned
        ("D", "2024-04-02 10:00", 10.0),  # first purchase after cutoff: not labelled
        ("E", "2024-01-10 10:00", 10.0),
        ("E", "2024-01-20 10:00", 10.0),
        ("E", "2024-03-10 10:00", 10.0),
    ]
)


def test_transaction_labels_by_hand() -> None:
    labels = transaction_churn_labels(
        SMALL, cutoff="2024-04-01", as_of="2024-12-31", window_days=60
    )
    got = dict(zip(labels.labels["customer_id"], labels.labels["churned"], strict=True))
    # window [Apr 1, May 31): A bought Apr 5; B only returned; C, E silent.
    assert got == {"A": False, "B": True, "C": True, "E": True}
    assert labels.churners == 3
    assert labels.window_days == 60
    assert "given by the analyst" in labels.definition


def test_window_derived_from_gaps_by_hand() -> None:
    # gaps between purchase days before Apr 1: A Jan 1 -> Feb 1 = 31;
    # E Jan 10 -> Jan 20 = 10, Jan 20 -> Mar 10 = 50 (2024 is a leap year: 11 + 29 + 10).
    # Sorted [10, 31, 50]; the 0.9 quantile (linear) = 31 + 0.8 * 19 = 46.2 -> 47 days.
    window = inactivity_window(SMALL, cutoff="2024-04-01", quantile=0.9)
    assert window.gaps == 3
    assert window.customers == 2
    assert window.window_days == 47
    # the median gap is 31 exactly
    assert inactivity_window(SMALL, cutoff="2024-04-01", quantile=0.5).window_days == 31
    labels = transaction_churn_labels(SMALL, cutoff="2024-04-01", as_of="2024-12-31")
    assert labels.window_days == 47
    assert "derived" in labels.definition and "47 days" in labels.definition


def test_window_that_ends_after_as_of_is_refused() -> None:
    with pytest.raises(DataValidationError, match="after as_of"):
        transaction_churn_labels(
            SMALL, cutoff="2024-04-01", as_of="2024-05-01", window_days=60
        )


def test_no_repeat_buyers_cannot_derive_a_window() -> None:
    one = _tx([("A", "2024-01-01", 1.0), ("B", "2024-02-01", 1.0)])
    with pytest.raises(ModelEstimationError, match="window_days"):
        inactivity_window(one, cutoff="2024-04-01")


def test_contractual_labels_by_hand() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "acquisition_date": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-01-15", "2024-07-15"]
            ),
            "cancellation_date": pd.to_datetime(
                ["2024-03-01", None, "2024-08-01", None]
            ),
        }
    )
    labels = contractual_churn_labels(customers, as_of="2024-06-30").labels
    # d is acquired after as_of; c cancels after as_of, so is active at as_of.
    assert labels["customer_id"].tolist() == ["a", "b", "c"]
    assert labels["churned"].tolist() == [True, False, False]
    # a: Jan 1 -> Mar 1 = 31 + 29 = 60; b: Feb 1 -> Jun 30 = 29+31+30+31+29 = 150;
    # c: Jan 15 -> Feb 1 = 17, + 150 = 167
    assert labels["duration_days"].tolist() == [60.0, 150.0, 167.0]


def test_contractual_labels_from_flag() -> None:
    customers = pd.DataFrame({"customer_id": [1, 2, 3], "Churn": ["Yes", "No", "yes "]})
    labels = contractual_churn_labels(
        customers, as_of="2024-06-30", churn_flag_col="Churn"
    )
    assert labels.labels["churned"].tolist() == [True, False, True]


def test_cancellation_before_acquisition_is_refused() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["a"],
            "acquisition_date": pd.to_datetime(["2024-03-01"]),
            "cancellation_date": pd.to_datetime(["2024-01-01"]),
        }
    )
    with pytest.raises(DataValidationError, match="before the acquisition"):
        contractual_churn_labels(customers, as_of="2024-06-30")


def test_online_retail_germany_labels(retail_de: pd.DataFrame) -> None:
    cutoff, window = pd.Timestamp("2011-09-01"), 91
    labels = transaction_churn_labels(
        retail_de, cutoff="2011-09-01", as_of="2011-12-09", window_days=window
    )
    # independent pandas computation of the same definition
    buys = retail_de[retail_de["amount"] > 0]
    base = set(buys.loc[buys["timestamp"] < cutoff, "customer_id"])
    in_window = buys["timestamp"].between(
        cutoff, cutoff + pd.Timedelta(days=window), inclusive="left"
    )
    active = set(buys.loc[in_window, "customer_id"]) & base
    assert labels.customers == len(base) == 72
    assert labels.churners == len(base - active) == 24
    # derived window: recompute the 0.9 quantile of purchase-day gaps in pandas
    days = buys.loc[buys["timestamp"] < cutoff].assign(
        day=lambda d: d["timestamp"].dt.floor("D")
    )
    days = (
        days[["customer_id", "day"]]
        .drop_duplicates()
        .sort_values(["customer_id", "day"])
    )
    gaps = days.groupby("customer_id")["day"].diff().dt.days.dropna()
    derived = inactivity_window(retail_de, cutoff="2011-09-01")
    assert derived.gaps == len(gaps)
    assert derived.window_days == math.ceil(np.quantile(gaps, 0.9))


def test_online_retail_germany_has_too_few_churners(retail_de: pd.DataFrame) -> None:
    labels = transaction_churn_labels(
        retail_de, cutoff="2011-09-01", as_of="2011-12-09"
    )
    features = point_in_time_features(retail_de, cutoff="2011-09-01")
    table = features.merge(labels.labels, on="customer_id")
    assert len(table) == labels.customers
    check = check_churn_data(table, target="churned")
    assert not check.ok
    assert check.customers == 72 and check.churners == labels.churners
    assert "72 customers (at least 100 needed)" in check.reason
    with pytest.raises(ModelEstimationError, match="72 customers"):
        fit_churn_model(table, target="churned")


def test_contractual_labels_at_a_cutoff_by_hand() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "acquisition_date": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-01-15", "2024-04-10", "2024-02-01"]
            ),
            "cancellation_date": pd.to_datetime(
                ["2024-03-01", "2024-05-15", "2024-08-01", None, None]
            ),
        }
    )
    labels = contractual_churn_labels(
        customers, as_of="2024-12-31", cutoff="2024-04-01", horizon_days=60
    )
    # a left before the cutoff and d joined after it: not labelled.
    # Window [Apr 1, May 31): b cancels May 15 -> churned; c cancels Aug 1 -> not.
    got = dict(zip(labels.labels["customer_id"], labels.labels["churned"], strict=True))
    assert got == {"b": True, "c": False, "e": False}
    assert labels.window_days == 60
    # c's duration still runs to its cancellation: Jan 15 -> Aug 1 = 199 days
    # (17 + 29 + 31 + 30 + 31 + 30 + 31)
    dur = labels.labels.set_index("customer_id")["duration_days"]
    assert dur["c"] == 199.0
    with pytest.raises(DataValidationError, match="after as_of"):
        contractual_churn_labels(
            customers, as_of="2024-05-01", cutoff="2024-04-01", horizon_days=60
        )
