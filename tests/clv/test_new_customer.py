"""Value of a newly acquired customer, checked against BG/NBD's closed form."""

from __future__ import annotations

import pytest
from scipy.special import hyp2f1

from analytics_kit.clv.models import PurchaseModel
from analytics_kit.clv.new_customer import new_customer_value
from analytics_kit.clv.spend import SpendModel

CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL (2005a)
SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # FHL (2005b)


def _models():
    purchase = PurchaseModel(
        model="bgnbd",
        params=CDNOW,
        standard_errors={},
        log_likelihood=0.0,
        time_unit="week",
        n_customers=0,
        n_repeat_customers=0,
        penalizer=0.0,
        attempts=(),
    )
    spend = SpendModel(
        params=SPEND,
        standard_errors={},
        log_likelihood=0.0,
        n_customers=0,
        excluded={},
        correlation=0.0,
        attempts=(),
    )
    return purchase, spend


def _unconditional(t: float) -> float:
    # FHL (2005a) eq. 7: E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r
    #                                  2F1(r, b; a+b-1; t/(alpha+t))]
    r, alpha, a, b = (CDNOW[k] for k in ("r", "alpha", "a", "b"))
    return (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )


def test_undiscounted_value_is_first_purchase_plus_expected_repeats():
    purchase, spend = _models()
    mean_spend = 6.25 * 15.44 / (3.74 - 1)  # E[Z] = p gamma / (q - 1) = 35.22
    weeks = 12 * (365.25 / 12) / 7  # 12 months in weeks = 52.18
    expected = 0.4 * mean_spend * (1 + _unconditional(weeks))
    value = new_customer_value(
        purchase, spend, horizon_months=12, annual_discount_rate=0.0, gross_margin=0.4
    )
    assert value == pytest.approx(expected, rel=1e-6)


def test_discounting_lowers_value_and_horizon_raises_it():
    purchase, spend = _models()
    base = new_customer_value(
        purchase, spend, horizon_months=36, annual_discount_rate=0.0
    )
    discounted = new_customer_value(
        purchase, spend, horizon_months=36, annual_discount_rate=0.1
    )
    shorter = new_customer_value(
        purchase, spend, horizon_months=12, annual_discount_rate=0.0
    )
    assert shorter < discounted < base
