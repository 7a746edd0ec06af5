"""customer_value: discounting, horizons, units, and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics_kit.clv import (
    PurchaseModel,
    SpendModel,
    customer_value,
    fit_purchase_model,
    fit_spend_model,
)
from analytics_kit.clv import _formulas as F
from analytics_kit.exceptions import DataValidationError

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL (2005a), weeks
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # FHL (2005b)


def _purchase(model: str, params: dict, unit: str | None = "week") -> PurchaseModel:
    return PurchaseModel(
        model=model,
        params=params,
        standard_errors=dict.fromkeys(params, float("nan")),
        log_likelihood=float("nan"),
        time_unit=unit,
        n_customers=0,
        n_repeat_customers=0,
    )


def _spend(params: dict = GG) -> SpendModel:
    return SpendModel(
        params=params,
        standard_errors=dict.fromkeys(params, float("nan")),
        log_likelihood=float("nan"),
        n_customers=0,
        excluded={},
        correlation=0.0,
    )


def _customers(unit_days: float = 7.0) -> pd.DataFrame:
    weeks = pd.DataFrame(
        {
            "frequency": [0, 2, 7, 1],
            "recency": [0.0, 30.4, 35.0, 2.0],
            "T": [38.9, 38.9, 38.0, 30.0],
            "monetary_value": [np.nan, 26.5, 41.0, 12.0],
        },
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    scale = 7.0 / unit_days
    return weeks.assign(recency=weeks["recency"] * scale, T=weeks["T"] * scale)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_no_discount_equals_expected_purchases_times_spend(model: str) -> None:
    params = (
        BG
        if model != "pareto_nbd"
        else {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    )
    out = customer_value(
        _purchase(model, params),
        _spend(),
        _customers(),
        horizon_months=12,
        annual_discount_rate=0.0,
    )
    np.testing.assert_allclose(
        out["discounted_expected_purchases"], out["expected_purchases"], rtol=1e-10
    )
    np.testing.assert_allclose(
        out["clv"], out["expected_purchases"] * out["expected_average_spend"]
    )
    # 12 months of 365.25/12 days = 52.178571 weeks
    summary = _customers()
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    direct = F.expected_purchases(model, params, x, tx, T, 365.25 / 7)
    np.testing.assert_allclose(out["expected_purchases"], direct, rtol=1e-12)


@pytest.mark.parametrize("model", ["bgnbd", "pareto_nbd"])
def test_discounting_matches_a_fine_grid(model: str) -> None:
    # Reference: sum over 5,000 steps of (E[Y(t_k+1)] - E[Y(t_k)]) times the
    # discount factor (1.1)^-(years at the step midpoint), horizon 30.5 months.
    params = (
        BG
        if model == "bgnbd"
        else {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    )
    summary = _customers()
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    horizon_weeks = 30.5 * (365.25 / 12) / 7
    grid = np.linspace(0.0, horizon_weeks, 5_001)
    cumulative = np.stack(
        [F.expected_purchases(model, params, x, tx, T, g) for g in grid], axis=1
    )
    mid_years = (grid[:-1] + grid[1:]) / 2 * 7 / 365.25
    reference = (np.diff(cumulative, axis=1) * 1.1**-mid_years).sum(axis=1)
    out = customer_value(
        _purchase(model, params),
        _spend(),
        summary,
        horizon_months=30.5,
        annual_discount_rate=0.10,
    )
    np.testing.assert_allclose(
        out["discounted_expected_purchases"], reference, rtol=1e-6
    )
    assert (out["discounted_expected_purchases"] < out["expected_purchases"]).all()


def test_hand_computed_clv_for_a_poisson_customer() -> None:
    # Pareto/NBD with s tiny and beta huge is a no-dropout NBD; x = 0, T = 0,
    # r = 2, alpha = 4 (weeks): purchase rate r/alpha = 0.5 per week, constant.
    # Discounted purchases over H weeks at continuous rate delta per week:
    # 0.5 * (1 - exp(-delta H)) / delta; delta = ln(1.1) * 7 / 365.25.
    # H = 12 months = 52.178571 weeks; spend for x = 0 is p gamma/(q-1) = 30.
    params = {"r": 2.0, "alpha": 4.0, "s": 1e-9, "beta": 1e9}
    one = pd.DataFrame(
        {"frequency": [0], "recency": [0.0], "T": [0.0], "monetary_value": [np.nan]}
    )
    out = customer_value(
        _purchase("pareto_nbd", params),
        _spend({"p": 6.0, "q": 4.0, "gamma": 15.0}),
        one,
        horizon_months=12,
        annual_discount_rate=0.10,
        gross_margin=0.4,
    )
    delta = math.log(1.1) * 7 / 365.25
    horizon = 365.25 / 7
    purchases = 0.5 * (1 - math.exp(-delta * horizon)) / delta
    assert out["discounted_expected_purchases"].iloc[0] == pytest.approx(
        purchases, rel=1e-6
    )
    assert out["expected_purchases"].iloc[0] == pytest.approx(0.5 * horizon, rel=1e-6)
    assert out["clv"].iloc[0] == pytest.approx(0.4 * 30.0 * purchases, rel=1e-6)


def test_fractional_horizon_is_exact() -> None:
    summary = _customers()
    model = _purchase("bgnbd", BG)
    half = customer_value(
        model, _spend(), summary, horizon_months=1.5, annual_discount_rate=0.0
    )
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    exact = F.expected_purchases("bgnbd", BG, x, tx, T, 1.5 * 365.25 / 12 / 7)
    np.testing.assert_allclose(half["expected_purchases"], exact, rtol=1e-12)
    two = customer_value(
        model, _spend(), summary, horizon_months=2, annual_discount_rate=0.0
    )
    assert (half["expected_purchases"] < two["expected_purchases"]).all()


def test_months_and_weeks_give_the_same_value() -> None:
    # alpha is a rate scale: in months it is alpha_weeks * 7 / (365.25/12).
    monthly = dict(BG, alpha=BG["alpha"] * 7 / (365.25 / 12))
    weeks = customer_value(
        _purchase("bgnbd", BG, "week"),
        _spend(),
        _customers(),
        horizon_months=24,
        annual_discount_rate=0.08,
    )
    months = customer_value(
        _purchase("bgnbd", monthly, "month"),
        _spend(),
        _customers(365.25 / 12),
        horizon_months=24,
        annual_discount_rate=0.08,
    )
    np.testing.assert_allclose(months["clv"], weeks["clv"], rtol=1e-9)


def test_unit_mismatch_and_bad_arguments_are_refused() -> None:
    summary = _customers()
    summary.attrs["time_unit"] = "month"
    with pytest.raises(DataValidationError, match="time unit"):
        customer_value(
            _purchase("bgnbd", BG, "week"),
            _spend(),
            summary,
            horizon_months=12,
            annual_discount_rate=0.1,
        )
    with pytest.raises(DataValidationError, match="time_unit"):
        customer_value(
            _purchase("bgnbd", BG, None),
            _spend(),
            _customers(),
            horizon_months=12,
            annual_discount_rate=0.1,
        )
    with pytest.raises(DataValidationError, match="horizon_months"):
        customer_value(
            _purchase("bgnbd", BG),
            _spend(),
            _customers(),
            horizon_months=-1,
            annual_discount_rate=0.1,
        )
    with pytest.raises(DataValidationError, match="gross_margin"):
        customer_value(
            _purchase("bgnbd", BG),
            _spend(),
            _customers(),
            horizon_months=1,
            annual_discount_rate=0.1,
            gross_margin=2,
        )


def test_cdnow_values_are_finite_and_positive(cdnow_summary: pd.DataFrame) -> None:
    purchase = fit_purchase_model(cdnow_summary)
    spend = fit_spend_model(cdnow_summary)
    out = customer_value(
        purchase, spend, cdnow_summary, horizon_months=12, annual_discount_rate=0.1
    )
    assert len(out) == 2357
    assert np.isfinite(out.to_numpy()).all() and (out["clv"] > 0).all()
    assert out["probability_alive"].between(0, 1).all()
    assert out.attrs["time_unit"] == "week"
    # a new customer is worth the population mean spend times E[X(52.18 weeks)]
    no_repeat = out[cdnow_summary["frequency"] == 0]["expected_average_spend"]
    assert np.allclose(no_repeat, spend.population_mean_spend)
