"""Purchase and spend models on refunds, broken summaries and too little data.

Corpus cases (issue 8, "Data"): refunds and zero-price lines netted per
customer-day before the purchase summary; a repeat buyer whose repeat spend is not
positive left out of the spend model with a count; customers whose first purchase
is after the calibration end excluded with a count; hand-made summaries with repeat
buyers at recency 0 or frequency 2.9 refused naming the customers; every customer a
one-time buyer, three customers only, a single day of data: a clear
ModelEstimationError. Public API of issue 4 (``analytics_kit.clv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    ModelEstimationError,
)
from tests.bad_input._corpus import FILES, load, parts

clv = pytest.importorskip("analytics_kit.clv")

MODELS = ["bgnbd", "mbgnbd", "pareto_nbd"]


def _summary(case: str, **kwargs) -> pd.DataFrame:
    client = load(case)
    tx = client.table("transactions")
    return clv.rfm_summary(tx, as_of=client.as_of, **kwargs)


def test_refunds_and_zero_price_lines_are_netted_per_customer_day():
    s = _summary("refunds", time_unit="day")
    # refunds.csv, as_of 2024-01-31, days:
    # r1: 5 Jan 40 - 10 = 30 (first occasion); 12 Jan 20 + 0 = 20 (repeat);
    #     19 Jan -25 alone: a negative day, not an occasion and not netted.
    #     frequency 1, recency 12 - 5 = 7, T 31 - 5 = 26, monetary 20 (repeat
    #     occasions only), average order value (30 + 20) / 2 = 25.
    # r2: 6 Jan 50 - 50 = 0 and r3: 7 Jan 0 only: no occasion, no row.
    # r4: 8 Jan 10; 15 Jan 5 - 5 = 0 is not an occasion: frequency 0, T 23.
    assert s.index.tolist() == ["r1", "r4"]
    r1, r4 = s.loc["r1"], s.loc["r4"]
    assert (r1["frequency"], r1["recency"], r1["T"]) == (1, 7.0, 26.0)
    assert r1["monetary_value"] == 20.0 and r1["average_order_value"] == 25.0
    assert (r4["frequency"], r4["recency"], r4["T"]) == (0, 0.0, 23.0)
    assert np.isnan(r4["monetary_value"])
    ex = s.attrs["exclusions"]
    assert ex["customer_days_zero_spend"] == 3  # r2 6 Jan, r3 7 Jan, r4 15 Jan
    assert ex["customer_days_negative_spend"] == 1  # r1 19 Jan
    assert ex["customers_without_occasion"] == 2  # r2, r3


def _gamma_gamma_summary(n: int, seed: int = 7) -> pd.DataFrame:
    """Repeat buyers' mean spend from Gamma-Gamma with p 6, q 4, gamma 15."""
    rng = np.random.default_rng(seed)
    x = 1 + rng.poisson(2.0, n)
    nu = rng.gamma(4.0, 1 / 15.0, n)  # shape q, rate gamma
    mbar = rng.gamma(6.0 * x, 1 / nu) / x  # mean of x Gamma(p, nu) spends
    return pd.DataFrame(
        {"frequency": x, "monetary_value": mbar},
        index=pd.Index([f"g{i}" for i in range(n)], name="customer_id"),
    )


def test_repeat_buyers_without_positive_spend_are_left_out_with_a_count():
    good = _gamma_gamma_summary(300)
    bad = pd.DataFrame(
        {"frequency": [2, 1, 3], "monetary_value": [0.0, -12.5, np.nan]},
        index=pd.Index(["zero", "refunded", "unknown"], name="customer_id"),
    )
    with pytest.warns(DataQualityWarning, match="left out"):
        model = clv.fit_spend_model(pd.concat([good, bad]))
    assert model.excluded["repeat_buyers_non_positive_or_missing_spend"] == 3
    assert model.n_customers == 300
    # The three are out of the likelihood: the fit equals the fit without them.
    reference = clv.fit_spend_model(good)
    for name in ("p", "q", "gamma"):
        assert model.params[name] == pytest.approx(reference.params[name], rel=1e-9)


def test_customers_first_seen_after_the_calibration_end_are_counted():
    s = _summary("late-first", time_unit="day", calibration_end="2024-01-31")
    # early buys 3 Jan (calibration) and 10 Feb (holdout); late1 and late2 first
    # buy in February, after the calibration end of 31 January.
    assert s.index.tolist() == ["early"]
    assert s.loc["early", "frequency"] == 0
    assert s.loc["early", "frequency_holdout"] == 1
    assert s.attrs["exclusions"]["customers_first_seen_in_holdout"] == 2


def test_customers_first_seen_after_the_calibration_end_are_named():
    s = _summary("late-first", time_unit="day", calibration_end="2024-01-31")
    shown = repr({k: v for k, v in s.attrs.items() if k != "exclusions"})
    assert "late1" in shown and "late2" in shown
    table = clv.rfm_exclusions(s).set_index("reason")
    assert table.loc["customers_first_seen_in_holdout", "examples"] == [
        "late1",
        "late2",
    ]


def _hand_made(name: str) -> pd.DataFrame:
    return pd.read_csv(FILES / name, index_col="customer_id")


@pytest.mark.parametrize("model", MODELS)
def test_summary_with_repeat_buyers_at_recency_zero_is_refused_naming_them(model):
    with pytest.raises(DataValidationError) as err:
        clv.fit_purchase_model(_hand_made("summary_recency_zero.csv"), model=model)
    msg = parts(err.value)
    assert msg.what == "summary: 2 customer(s)"
    assert msg.found == "repeat purchases with recency 0"
    assert [e.split(":")[0] for e in msg.examples] == ["c2", "c4"]
    assert "rfm_summary" in msg.fix


@pytest.mark.parametrize("model", MODELS)
def test_summary_with_fractional_frequency_is_refused_naming_the_customer(model):
    with pytest.raises(DataValidationError) as err:
        clv.fit_purchase_model(
            _hand_made("summary_fractional_frequency.csv"), model=model
        )
    msg = parts(err.value)
    assert msg.what == "summary: 1 customer(s)"
    assert msg.found == "frequency that is not a whole number >= 0"
    assert msg.examples == ("c3: {'frequency': 2.9, 'recency': 5.0, 'T': 10.0}",)


@pytest.mark.parametrize("model", MODELS)
def test_every_customer_a_one_time_buyer_cannot_be_estimated(model):
    s = _summary("one-time")
    assert (s["frequency"] == 0).all() and len(s) == 6
    with pytest.raises(ModelEstimationError) as err:
        clv.fit_purchase_model(s, model=model)
    msg = parts(err.value)
    assert msg.found == "no repeat purchaser among 6 customers (every frequency is 0)"
    assert "cannot be estimated" in msg.allowed
    assert "historical CLV" in msg.fix


def test_every_customer_a_one_time_buyer_has_no_spend_model():
    with pytest.raises(ModelEstimationError) as err:
        clv.fit_spend_model(_summary("one-time"))
    msg = parts(err.value)
    assert msg.found.startswith("0 repeat buyer(s) with positive mean spend")


@pytest.mark.parametrize("model", MODELS)
def test_three_customers_cannot_be_estimated(model):
    s = _summary("three-customers")
    assert s["frequency"].tolist() == [2, 1, 0]  # a, b, c
    with pytest.raises(ModelEstimationError) as err:
        clv.fit_purchase_model(s, model=model)
    msg = parts(err.value)
    assert msg.found == "3 customers"
    assert msg.allowed.startswith("at least 40 customers")


def test_a_single_day_of_data_cannot_be_estimated():
    s = _summary("single-day")
    # a's two rows on 1 March are one occasion; as_of is that same day.
    assert s["frequency"].tolist() == [0, 0, 0, 0]
    assert s["T"].tolist() == [0.0, 0.0, 0.0, 0.0]
    with pytest.raises(ModelEstimationError, match="no repeat purchaser among 4"):
        clv.fit_purchase_model(s)
