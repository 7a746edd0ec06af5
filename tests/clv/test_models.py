"""Purchase models: published CDNOW fits, hand-computed predictions, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import beta as beta_fn
from scipy.special import hyp2f1

from analytics_kit.clv import PurchaseModel, fit_purchase_model
from analytics_kit.clv import _formulas as F
from analytics_kit.clv import models as models_module
from analytics_kit.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    ModelEstimationError,
)


def sig3(value: float) -> float:
    """Round to 3 significant figures."""
    return float(f"{value:.3g}")


# ------------------------------------------------------------ published fits


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_summary: pd.DataFrame) -> PurchaseModel:
    return fit_purchase_model(cdnow_summary, model="bgnbd")


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow_bgnbd: PurchaseModel) -> None:
    # Fader, Hardie & Lee (2005a), Marketing Science 24(2), section 5:
    # r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    p = cdnow_bgnbd.params
    assert sig3(p["r"]) == 0.243
    assert sig3(p["alpha"]) == 4.41 and round(p["alpha"], 3) == 4.414
    assert sig3(p["a"]) == 0.793
    assert sig3(p["b"]) == 2.43 and round(p["b"], 3) == 2.426
    assert round(cdnow_bgnbd.log_likelihood, 1) == -9582.4
    assert cdnow_bgnbd.time_unit == "week"
    assert cdnow_bgnbd.n_customers == 2357 and cdnow_bgnbd.n_repeat_customers == 946
    se = cdnow_bgnbd.standard_errors
    assert all(0 < se[k] < p[k] for k in p)


def test_pareto_nbd_reproduces_published_fit(cdnow_summary: pd.DataFrame) -> None:
    # FHL (2005a), section 5 / Fader & Hardie's Pareto/NBD note: r = 0.553,
    # alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0.
    fit = fit_purchase_model(cdnow_summary, model="pareto_nbd")
    p = fit.params
    assert sig3(p["r"]) == 0.553
    assert round(p["alpha"], 2) == pytest.approx(10.58)
    assert sig3(p["s"]) == 0.606
    assert round(p["beta"], 1) == pytest.approx(11.7)
    assert p["beta"] == pytest.approx(11.669, abs=0.005)
    assert round(fit.log_likelihood, 1) == pytest.approx(-9595.0, abs=0.05)


def test_mbgnbd_fits_and_its_likelihood_is_at_a_maximum(
    cdnow_summary: pd.DataFrame,
) -> None:
    fit = fit_purchase_model(cdnow_summary, model="mbgnbd")
    x, tx, T = (cdnow_summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    # Any 2 % step in any parameter lowers the summed log-likelihood.
    for name in fit.params:
        for factor in (0.98, 1.02):
            moved = dict(fit.params, **{name: fit.params[name] * factor})
            assert F.loglik_mbgnbd(moved, x, tx, T).sum() < fit.log_likelihood
    # Batislam et al. (2007) report MBG/NBD close to BG/NBD on CDNOW.
    assert abs(fit.log_likelihood - (-9582.4)) < 5


# ------------------------------------------------------------ predictions


def test_bgnbd_expectation_without_repeat_purchases_and_a_plus_b_below_one() -> None:
    # The case: r 0.5, alpha 10, a 0.2, b 0.4, T 100, t 365 -> 1.155872.
    params = {"r": 0.5, "alpha": 10.0, "a": 0.2, "b": 0.4}
    zero = np.array([0.0])
    value = F.expected_purchases("bgnbd", params, zero, zero, np.array([100.0]), 365.0)
    assert value[0] == pytest.approx(1.155872, abs=5e-7)

    # Independent check: integrate the Beta(a, b) mixture numerically.
    def integrand(p: float) -> float:
        density = p ** (params["a"] - 1) * (1 - p) ** (params["b"] - 1)
        inner = (1 - (110 / (110 + p * 365)) ** 0.5) / p
        return density * inner / beta_fn(params["a"], params["b"])

    assert value[0] == pytest.approx(integrate.quad(integrand, 0, 1, limit=200)[0])


def test_bgnbd_expectation_by_hand() -> None:
    # r = 1, alpha = 1, a = 2, b = 1, new customer (x = tx = T = 0), t = 1:
    # eq. 10 -> (a+b-1)/(a-1) [1 - (1/(1+t)) 2F1(1, 1; 2; z)], z = t/(1+t),
    # 2F1(1, 1; 2; z) = -ln(1-z)/z = (1+t) ln(1+t)/t, so E = 2 (1 - ln 2) = 0.613706.
    params = {"r": 1.0, "alpha": 1.0, "a": 2.0, "b": 1.0}
    got = F.unconditional_expected("bgnbd", params, np.array([1.0]))[0]
    assert got == pytest.approx(2 * (1 - np.log(2)), rel=1e-10)


def test_bgnbd_matches_closed_form_where_well_conditioned() -> None:
    # FHL (2005a) eq. 10 with scipy's hyp2f1, for the CDNOW parameters.
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    r, alpha, a, b = params.values()
    x = np.array([0.0, 1.0, 2.0, 7.0, 20.0])
    tx = np.array([0.0, 5.0, 30.0, 35.0, 38.0])
    T = np.array([38.0, 38.0, 38.0, 38.0, 39.0])
    t = 39.0
    z = t / (alpha + T + t)
    body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    odds = (
        (x > 0)
        * a
        / (b + np.maximum(x, 1) - 1)
        * ((alpha + T) / (alpha + tx)) ** (r + x)
    )
    closed = (a + b + x - 1) / (a - 1) * body / (1 + odds)
    got = F.expected_purchases("bgnbd", params, x, tx, T, t)
    np.testing.assert_allclose(got, closed, rtol=1e-9)


def test_p_alive_by_hand() -> None:
    # BG/NBD eq. 11: r=1, alpha=2, a=1, b=3, x=1, tx=2, T=4:
    # odds = a/(b+x-1) * ((alpha+T)/(alpha+tx))^(r+x) = 1/3 * (6/4)^2 = 0.75,
    # P(alive) = 1/1.75 = 0.571429. With x = 0 the customer is alive for sure.
    params = {"r": 1.0, "alpha": 2.0, "a": 1.0, "b": 3.0}
    got = F.p_alive(
        "bgnbd",
        params,
        np.array([1.0, 0.0]),
        np.array([2.0, 0.0]),
        np.array([4.0, 4.0]),
    )
    np.testing.assert_allclose(got, [1 / 1.75, 1.0])
    # MBG/NBD: odds = a/(b+x) * (6/4)^2 = 1/4 * 2.25 = 0.5625 -> 0.64; x = 0:
    # odds = 1/3 * (6/2)^1 = 1 -> 0.5.
    got = F.p_alive(
        "mbgnbd",
        params,
        np.array([1.0, 0.0]),
        np.array([2.0, 0.0]),
        np.array([4.0, 4.0]),
    )
    np.testing.assert_allclose(got, [1 / 1.5625, 0.5])


def test_count_pmf_sums_to_one_and_matches_simulation() -> None:
    # P(X(t) = j) from FHL (2005a) eq. 8 vs 400k simulated BG/NBD customers.
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    pmf = F.count_pmf("bgnbd", params, np.array([39.0]), 200)[0]
    assert pmf.sum() == pytest.approx(1.0, abs=1e-6)
    rng = np.random.default_rng(7)
    n = 400_000
    lam = rng.gamma(params["r"], 1 / params["alpha"], n)
    p = rng.beta(params["a"], params["b"], n)
    counts = np.zeros(n, dtype=int)
    t = np.zeros(n)
    active = np.arange(n)
    while active.size:
        t[active] += rng.exponential(1 / lam[active])
        active = active[t[active] <= 39.0]
        counts[active] += 1
        active = active[rng.random(active.size) >= p[active]]
    observed = np.bincount(counts, minlength=5)[:5] / n
    np.testing.assert_allclose(pmf[:5], observed, atol=3e-3)


def test_pareto_expectation_s_equal_one_limit() -> None:
    # s -> 1: (beta+T)/(s-1) [1 - ((beta+T)/(beta+T+t))^(s-1)] -> (beta+T) ln(1+t/(beta+T)).
    # With x = 0, T = 0: P(alive) = 1 and E = r/alpha * beta * ln(1 + t/beta).
    params = {"r": 2.0, "alpha": 4.0, "s": 1.0, "beta": 10.0}
    got = F.unconditional_expected("pareto_nbd", params, np.array([10.0]))[0]
    assert got == pytest.approx(2 / 4 * 10 * np.log(2))
    near = dict(params, s=1.0 + 1e-7)
    assert F.unconditional_expected("pareto_nbd", near, np.array([10.0]))[0] == (
        pytest.approx(got, rel=1e-6)
    )


# ------------------------------------------------------------ refusals


def _summary(frequency, recency, T) -> pd.DataFrame:
    n = len(frequency)
    return pd.DataFrame(
        {"frequency": frequency, "recency": recency, "T": T},
        index=pd.Index([f"cust{i}" for i in range(n)], name="customer_id"),
    )


def test_invalid_summaries_name_the_customers() -> None:
    base = _summary([1, 0, 2], [3.0, 0.0, 4.0], [5.0, 5.0, 5.0])
    bad_recency = base.assign(recency=[3.0, 0.0, 6.0])
    with pytest.raises(DataValidationError, match=r"cust2.*") as info:
        fit_purchase_model(bad_recency)
    assert "recency outside [0, T]" in str(info.value)
    with pytest.raises(DataValidationError, match="cust0"):
        fit_purchase_model(base.assign(frequency=[1.5, 0, 2]))
    with pytest.raises(DataValidationError, match="cust1"):
        fit_purchase_model(base.assign(frequency=[1, -1, 2]))
    with pytest.raises(DataValidationError, match="recency 0"):
        fit_purchase_model(base.assign(recency=[0.0, 0.0, 4.0]))
    with pytest.raises(DataValidationError, match="missing"):
        fit_purchase_model(base.assign(T=[5.0, np.nan, 5.0]))
    with pytest.raises(DataValidationError, match="model"):
        fit_purchase_model(base, model="nbd")


def test_no_repeat_buyers_and_too_few_customers_are_refused() -> None:
    none_repeat = _summary([0] * 100, [0.0] * 100, [10.0] * 100)
    with pytest.raises(ModelEstimationError, match="no repeat purchaser"):
        fit_purchase_model(none_repeat)
    few = _summary([1, 0, 2, 0, 1], [1.0, 0, 2, 0, 3], [5.0] * 5)
    with pytest.raises(ModelEstimationError, match="at least 40 customers"):
        fit_purchase_model(few)


def test_few_repeat_buyers_warn(cdnow_summary: pd.DataFrame) -> None:
    zeros = cdnow_summary[cdnow_summary["frequency"] == 0].head(300)
    repeaters = cdnow_summary[cdnow_summary["frequency"] > 0].head(20)
    with pytest.warns(DataQualityWarning, match="only 20 repeat buyer"):
        fit_purchase_model(pd.concat([zeros, repeaters]), time_unit="week")


def test_convergence_failure_lists_the_ladder(
    cdnow_summary: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args, **kwargs):
        raise RuntimeError("optimizer failed")

    monkeypatch.setattr(models_module, "_fit_once", fail)
    with pytest.raises(ConvergenceError) as info:
        fit_purchase_model(cdnow_summary)
    message = str(info.value)
    for label, _, _ in models_module._LADDER:
        assert label in message
    assert "fix:" in message


def test_unmoved_parameters_are_rejected(
    cdnow_summary: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(model, x, tx, T, start, penalizer):
        params = {"r": 1.0, "alpha": 1.0, "a": 1.0, "b": 1.0}
        return params, dict(params)

    monkeypatch.setattr(models_module, "_fit_once", stuck)
    with pytest.raises(ConvergenceError, match="did not move"):
        fit_purchase_model(cdnow_summary)


def test_penalised_fallback_warns(
    cdnow_summary: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = models_module._fit_once

    def only_penalised(model, x, tx, T, start, penalizer):
        if penalizer == 0:
            raise RuntimeError("no")
        return real(model, x, tx, T, start, penalizer)

    monkeypatch.setattr(models_module, "_fit_once", only_penalised)
    with pytest.warns(DataQualityWarning, match="penalizer of 0.001"):
        fit = fit_purchase_model(cdnow_summary)
    assert fit.penalizer == 0.001
    assert fit.attempts[-1] == "default start, penalizer 0.001: converged"
