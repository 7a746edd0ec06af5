"""Compressed fitting and per-pattern scoring (analytics_kit.clv.scale)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_kit.clv import (
    customer_value,
    customer_value_table,
    fit_purchase_model,
    fit_spend_model,
    rfm_patterns,
    rfm_summary,
    rfm_table,
)
from analytics_kit.datasets import simulate_bgnbd_transactions
from analytics_kit.exceptions import DataValidationError

TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # weeks


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate_bgnbd_transactions(6000, **TRUTH, seed=7)


@pytest.fixture(scope="module")
def summary(simulated: pd.DataFrame) -> pd.DataFrame:
    return rfm_summary(simulated, as_of="2023-12-31")


@pytest.fixture(scope="module")
def patterns(simulated: pd.DataFrame) -> pd.DataFrame:
    return rfm_patterns(rfm_table(simulated, as_of="2023-12-31"), time_unit="week")


def test_patterns_count_every_customer_once(summary, patterns) -> None:
    assert patterns["n_customers"].sum() == len(summary)
    assert len(patterns) < len(summary)
    by_hand = summary.groupby(["frequency", "recency", "T"]).size().sort_index()
    got = patterns.set_index(["frequency", "recency", "T"])["n_customers"]
    assert got.sort_index().tolist() == by_hand.tolist()
    assert patterns.attrs["time_unit"] == "week"


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_compressed_fit_equals_uncompressed(summary, patterns, model) -> None:
    full = fit_purchase_model(summary, model=model)
    packed = fit_purchase_model(patterns, model=model, weights="n_customers")
    for name, value in full.params.items():
        assert packed.params[name] == pytest.approx(value, rel=1e-6)
    assert packed.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-9)
    assert packed.n_customers == full.n_customers == len(summary)
    assert packed.n_repeat_customers == full.n_repeat_customers


def test_compressed_fit_recovers_the_simulated_parameters(patterns) -> None:
    fit = fit_purchase_model(patterns, weights="n_customers")
    # 6,000 customers over two years: each estimate within 3 standard errors.
    for name, true in TRUTH.items():
        assert abs(fit.params[name] - true) < 3 * fit.standard_errors[name]


def test_weights_must_be_counts(patterns) -> None:
    bad = patterns.assign(n_customers=patterns["n_customers"].astype(float))
    bad.loc[bad.index[:2], "n_customers"] = [0.0, 1.5]
    with pytest.raises(DataValidationError, match="whole number > 0"):
        fit_purchase_model(bad, weights="n_customers")


def test_duplicated_customers_weigh_like_a_count(summary) -> None:
    # Every customer listed twice is the same data as a weight of 2 on each.
    doubled = pd.concat([summary, summary])
    weighted = summary.assign(w=2)
    a = fit_purchase_model(doubled)
    b = fit_purchase_model(weighted, weights="w")
    for name, value in a.params.items():
        assert b.params[name] == pytest.approx(value, rel=1e-6)


def test_scores_joined_back_equal_per_customer_scores(simulated, summary) -> None:
    purchase = fit_purchase_model(summary)
    spend = fit_spend_model(summary)
    expected = customer_value(
        purchase,
        spend,
        summary,
        horizon_months=12,
        annual_discount_rate=0.1,
        gross_margin=0.4,
    )
    table = rfm_table(simulated, as_of="2023-12-31")
    got = customer_value_table(
        purchase,
        spend,
        table,
        horizon_months=12,
        annual_discount_rate=0.1,
        gross_margin=0.4,
    )
    frame = got.to_pandas().set_index("customer_id").sort_index()
    assert frame.index.equals(expected.index)
    for col in expected.columns:
        np.testing.assert_allclose(frame[col], expected[col], rtol=1e-12, atol=1e-12)


def test_customer_value_scores_patterns_not_rows(summary) -> None:
    # Scoring a pattern once and copying must equal scoring each customer alone.
    purchase = fit_purchase_model(summary)
    spend = fit_spend_model(summary)
    kwargs = {"horizon_months": 6.5, "annual_discount_rate": 0.08}
    values = customer_value(purchase, spend, summary, **kwargs)
    picks = summary.iloc[[0, 5, 17, 400, 2999]]
    for cid in picks.index:
        one = customer_value(purchase, spend, summary.loc[[cid]], **kwargs)
        pd.testing.assert_series_equal(one.iloc[0], values.loc[cid], rtol=1e-12)


def test_scoring_needs_the_models_time_unit(simulated, summary) -> None:
    purchase = fit_purchase_model(summary)
    spend = fit_spend_model(summary)
    table = rfm_table(simulated, as_of="2023-12-31")
    with pytest.raises(DataValidationError, match="time_unit"):
        customer_value_table(
            purchase,
            spend,
            table,
            horizon_months=12,
            annual_discount_rate=0.1,
            time_unit="month",
        )
