"""Gamma-Gamma: the published CDNOW fit, exclusions, q <= 1 and correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_kit.clv import _formulas as F
from analytics_kit.clv import fit_spend_model
from analytics_kit.exceptions import (
    ApproximationWarning,
    DataQualityWarning,
    ModelEstimationError,
)


def _gamma_gamma_summary(
    n: int, *, p: float, q: float, gamma: float, seed: int, max_x: int = 8
):
    """Repeat buyers whose per-occasion spend follows Gamma-Gamma (FHL 2005b)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, max_x, size=n)
    nu = rng.gamma(q, 1 / gamma, size=n)  # rate per customer
    # the mean of x Gamma(p, nu) draws is Gamma(p x, nu x)
    m = rng.gamma(p * x, 1 / (nu * x))
    return pd.DataFrame({"frequency": x, "monetary_value": m})


def test_reproduces_fader_hardie_lee_2005b(cdnow_summary: pd.DataFrame) -> None:
    # FHL (2005b), JMR 42(4): p = 6.25, q = 3.74, gamma = 15.44 on the 946
    # CDNOW repeat buyers' mean repeat spend.
    fit = fit_spend_model(cdnow_summary)
    assert fit.n_customers == 946
    assert fit.excluded == {
        "no_repeat_purchase": 1411,
        "repeat_buyers_non_positive_or_missing_spend": 0,
    }
    assert round(fit.params["p"], 2) == 6.25
    assert round(fit.params["q"], 2) == 3.74
    assert round(fit.params["gamma"], 2) == 15.44
    # population mean p gamma / (q - 1) = 6.25 * 15.44 / 2.74 = 35.2 dollars
    assert fit.population_mean_spend == pytest.approx(6.25 * 15.44 / 2.74, rel=2e-3)
    assert all(np.isfinite(list(fit.standard_errors.values())))


def test_expected_spend_by_hand() -> None:
    # E[Z | x, m] = (p gamma + p x m) / (p x + q - 1); p=6, q=4, gamma=15:
    # x=2, m=20 -> (90 + 240) / (12 + 3) = 22; x=0 -> 90 / 3 = 30 (population).
    params = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    got = F.gamma_gamma_mean(
        params, np.array([2.0, 0.0, 3.0]), np.array([20.0, np.nan, -5])
    )
    np.testing.assert_allclose(got, [22.0, 30.0, 30.0])


def test_negative_repeat_mean_is_excluded_with_a_count(
    cdnow_summary: pd.DataFrame,
) -> None:
    refunded = cdnow_summary.copy()
    repeat_ids = refunded.index[refunded["frequency"] > 0][:2]
    refunded.loc[repeat_ids[0], "monetary_value"] = -12.5  # refunds exceed buys
    refunded.loc[repeat_ids[1], "monetary_value"] = 0.0
    with pytest.warns(DataQualityWarning, match="left out"):
        fit = fit_spend_model(refunded)
    assert fit.excluded["repeat_buyers_non_positive_or_missing_spend"] == 2
    assert fit.n_customers == 944
    assert fit.population_mean_spend > 0


def test_q_below_one_is_refused() -> None:
    data = _gamma_gamma_summary(3000, p=4.0, q=0.8, gamma=10.0, seed=3)
    with pytest.raises(ModelEstimationError, match="q > 1") as info:
        fit_spend_model(data)
    assert "population mean spend" in str(info.value)


def test_correlated_frequency_and_spend_warn() -> None:
    data = _gamma_gamma_summary(2000, p=6.0, q=4.0, gamma=15.0, seed=5)
    data["monetary_value"] = data["monetary_value"] * data["frequency"] ** 1.5
    with pytest.warns(ApproximationWarning, match="correlate"):
        fit_spend_model(data)


def test_too_few_repeat_buyers_refused() -> None:
    data = _gamma_gamma_summary(10, p=6.0, q=4.0, gamma=15.0, seed=1)
    with pytest.raises(ModelEstimationError, match="at least 30"):
        fit_spend_model(data)


def test_recovers_parameters_on_simulated_means() -> None:
    # 50k simulated repeat buyers (x = 1..14), fixed seed. p and gamma are
    # strongly correlated (their product is what the data pins down): the
    # standard error of p is still ~4 % here, so each estimate is checked
    # against the truth within 3 standard errors and within 5 %, and the
    # population mean p gamma / (q - 1) = 6 * 15 / 3 = 30 within 1 %.
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    data = _gamma_gamma_summary(50_000, **truth, seed=2, max_x=15)
    fit = fit_spend_model(data)
    for name, value in truth.items():
        assert abs(fit.params[name] - value) < 3 * fit.standard_errors[name]
        assert fit.params[name] == pytest.approx(value, rel=0.05)
    assert fit.population_mean_spend == pytest.approx(30.0, rel=0.01)
