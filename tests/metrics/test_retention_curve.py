"""Shifted-beta-geometric fit: Fader & Hardie (2007) and parameter recovery."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from analytics_kit.exceptions import ModelEstimationError
from analytics_kit.metrics import fit_retention_curve


@pytest.mark.parametrize(
    ("column", "alpha", "beta"),
    [("regular_alive", 0.704, 1.182), ("highend_alive", 0.668, 3.806)],
)
def test_fader_hardie_2007(sbg_counts, column, alpha, beta):
    # Fader & Hardie (2007), J. Interactive Marketing 21(1): fit on years 1-7.
    fit = fit_retention_curve(sbg_counts[column])
    assert round(fit.alpha, 3) == alpha
    assert round(fit.beta, 3) == beta
    assert fit.alpha_ci[0] < fit.alpha < fit.alpha_ci[1]
    assert fit.n_periods == 7


def test_curve_formulas_against_hand_values():
    fit = fit_retention_curve([1000, 631, 468, 382, 326, 289, 262, 241])
    a, b = fit.alpha, fit.beta
    # S(1) = B(a, b+1)/B(a, b) = b/(a+b); S(2) = b(b+1)/((a+b)(a+b+1))
    assert fit.survival(1) == pytest.approx(b / (a + b))
    assert fit.survival(2) == pytest.approx(b * (b + 1) / ((a + b) * (a + b + 1)))
    # retention in period t = S(t)/S(t-1) = (b + t - 1)/(a + b + t - 1)
    assert fit.retention(3) == pytest.approx(fit.survival(3) / fit.survival(2))
    proj = fit.project(12)
    assert proj["observed"].iloc[:8].tolist() == [
        1000,
        631,
        468,
        382,
        326,
        289,
        262,
        241,
    ]
    assert proj["observed"].iloc[8:].isna().all()
    assert proj["expected"].iloc[0] == pytest.approx(1000)
    # horizon lifetime = sum_{t<H} S(t); DEL = sum_t S(t)/(1+d)^t (truncated far out)
    assert fit.expected_lifetime(horizon_periods=3) == pytest.approx(
        1 + fit.survival(1) + fit.survival(2)
    )
    t = np.arange(5000)
    assert fit.discounted_expected_lifetime(discount_rate=0.1) == pytest.approx(
        float(np.sum(fit.survival(t) / 1.1**t)), rel=1e-6
    )


def test_parameter_recovery_on_simulated_cohort():
    # 20,000 customers, theta ~ Beta(1.5, 3.0); lifetime T ~ Geometric(theta) (periods
    # until cancelling); survivors n_t = #{T > t} for t = 0..8
    rng = np.random.default_rng(2024)
    theta = rng.beta(1.5, 3.0, size=20_000)
    lifetimes = rng.geometric(theta)
    survivors = [int((lifetimes > t).sum()) for t in range(9)]
    fit = fit_retention_curve(survivors)
    assert fit.alpha_ci[0] < 1.5 < fit.alpha_ci[1]
    assert fit.beta_ci[0] < 3.0 < fit.beta_ci[1]
    assert fit.alpha == pytest.approx(1.5, rel=0.15)
    assert fit.beta == pytest.approx(3.0, rel=0.15)
    # the true survival S(8) = B(1.5, 11)/B(1.5, 3) is reproduced
    true_s8 = np.exp(special.betaln(1.5, 11) - special.betaln(1.5, 3))
    assert fit.survival(8) == pytest.approx(true_s8, rel=0.05)


@pytest.mark.parametrize(
    "bad", [[1000, 900], [1000, 1100, 900], [0, 0, 0], [100, 90.5, 80]]
)
def test_invalid_counts(bad):
    with pytest.raises(ModelEstimationError, match="survivors"):
        fit_retention_curve(bad)
