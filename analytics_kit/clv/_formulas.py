"""Log-likelihoods and predictions of the purchase and spend models (numpy only).

Private: inputs are trusted arrays of equal length (x = frequency, tx = recency,
T = age, all in the model's time unit). Public wrappers validate.

The BG/NBD and MBG/NBD conditional expectations are computed from their mixture
representation instead of the Gauss hypergeometric closed form, which loses all
accuracy when a + b + x - 1 is near or below zero (a customer without repeat
purchases and a + b < 1) or a is near 1. Given lambda and p and alive at T, the
expected number of purchases in (T, T + t] is (1 - exp(-lambda p t)) / p
(FHL 2005a, eq. 7); integrating lambda over its Gamma(r + x, alpha + T)
posterior gives (1 - (1 + p t / (alpha + T))^-(r + x)) / p, and p is integrated
over its Beta posterior by Gauss-Jacobi quadrature, which absorbs the endpoint
singularity of the Beta density exactly. This reproduces eq. 10 of FHL (2005a)
wherever that formula is well conditioned (tested).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.special import betaln, gammaln, hyp2f1, roots_jacobi, roots_legendre

Array = NDArray[np.float64]

_P_NODES = 64
_TAU_NODES = 32

PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "pareto_nbd": ("r", "alpha", "s", "beta"),
    "gamma_gamma": ("p", "q", "gamma"),
}


# ---------------------------------------------------------------- likelihoods


def loglik_bgnbd(params: dict[str, float], x: Array, tx: Array, T: Array) -> Array:
    """Per-customer BG/NBD log-likelihood, FHL (2005a) eq. 6 in log form."""
    r, alpha, a, b = (params[k] for k in PARAM_NAMES["bgnbd"])
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    base += betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    xm = np.maximum(x, 1)
    dead = betaln(a + 1, b + xm - 1) - betaln(a, b + xm) - (r + x) * np.log(alpha + tx)
    dead = np.where(x > 0, dead, -np.inf)
    return base + np.logaddexp(alive, dead)


def loglik_mbgnbd(params: dict[str, float], x: Array, tx: Array, T: Array) -> Array:
    """Per-customer MBG/NBD log-likelihood, Batislam et al. (2007) eq. 5, log form."""
    r, alpha, a, b = (params[k] for k in PARAM_NAMES["mbgnbd"])
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    base += betaln(a, b + x + 1) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    dead = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
    return base + np.logaddexp(alive, dead)


def _pareto_log_a0(params: dict[str, float], x: Array, tx: Array, T: Array) -> Array:
    """log A0 of Fader & Hardie (2005, note 008, eq. 19), branch by alpha vs beta."""
    r, alpha, s, beta = (params[k] for k in PARAM_NAMES["pareto_nbd"])
    big, small = max(alpha, beta), min(alpha, beta)
    second = s + 1 if alpha >= beta else r + x
    k = r + s + x

    def log_term(y: Array) -> Array:
        z = (big - small) / (big + y)
        return np.log(hyp2f1(k, second, k + 1, z)) - k * np.log(big + y)

    first, last = log_term(tx), log_term(T)
    with np.errstate(divide="ignore"):
        return first + np.log(-np.expm1(np.minimum(last - first, 0.0)))


def loglik_pareto(params: dict[str, float], x: Array, tx: Array, T: Array) -> Array:
    """Per-customer Pareto/NBD log-likelihood, Fader & Hardie (2005, note 008, eq. 22)."""
    r, alpha, s, beta = (params[k] for k in PARAM_NAMES["pareto_nbd"])
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s / (r + s + x)) + _pareto_log_a0(params, x, tx, T)
    return base + np.logaddexp(alive, dead)


def loglik_gamma_gamma(params: dict[str, float], x: Array, m: Array) -> Array:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend m-bar given x.

    Fader, Hardie & Lee (2005b), eq. 3; the density of m-bar = z_x / x.
    """
    p, q, gamma = (params[k] for k in PARAM_NAMES["gamma_gamma"])
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


LOGLIK = {"bgnbd": loglik_bgnbd, "mbgnbd": loglik_mbgnbd, "pareto_nbd": loglik_pareto}


# ---------------------------------------------------------------- P(alive)


def p_alive(
    model: str, params: dict[str, float], x: Array, tx: Array, T: Array
) -> Array:
    """Probability that each customer is alive at T.

    BG/NBD: FHL (2005a) eq. 11 (1 when x = 0); MBG/NBD: Batislam et al. (2007);
    Pareto/NBD: Schmittlein, Morrison & Colombo (1987), eq. 11, via the likelihood.
    """
    r, alpha = params["r"], params["alpha"]
    if model == "pareto_nbd":
        s, beta = params["s"], params["beta"]
        alive = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha)
            + s * np.log(beta)
            - (r + x) * np.log(alpha + T)
            - s * np.log(beta + T)
        )
        return np.clip(np.exp(alive - loglik_pareto(params, x, tx, T)), 0.0, 1.0)
    a, b = params["a"], params["b"]
    shift = -1.0 if model == "bgnbd" else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds = (
            np.log(a)
            - np.log(b + x + shift)
            + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
    if model == "bgnbd":
        log_odds = np.where(x > 0, log_odds, -np.inf)
    return 1.0 / (1.0 + np.exp(log_odds))


# ---------------------------------------------------------------- quadrature


@lru_cache(maxsize=4096)
def _beta_nodes(a: float, b: float, n: int = _P_NODES) -> tuple[Array, Array]:
    """Nodes and weights of E[f(p)] for p ~ Beta(a, b) (Gauss-Jacobi)."""
    nodes, weights = roots_jacobi(n, b - 1.0, a - 1.0)
    return (1.0 + nodes) / 2.0, weights / weights.sum()


@lru_cache(maxsize=8)
def _legendre(n: int = _TAU_NODES) -> tuple[Array, Array]:
    nodes, weights = roots_legendre(n)
    return (1.0 + nodes) / 2.0, weights / 2.0


def _posterior_b(model: str, b: float, x: float) -> float:
    """Beta posterior of p for an alive customer: (a, b + x) BG, (a, b + x + 1) MBG."""
    return b + x if model == "bgnbd" else b + x + 1.0


def _by_frequency(x: Array) -> list[tuple[float, NDArray[np.intp]]]:
    values, inverse = np.unique(x, return_inverse=True)
    return [(float(v), np.flatnonzero(inverse == i)) for i, v in enumerate(values)]


# ---------------------------------------------------------------- expectations


def expected_purchases(
    model: str, params: dict[str, float], x: Array, tx: Array, T: Array, t: Array
) -> Array:
    """E[Y(t) | x, tx, T]: expected purchases in (T, T + t] for each customer.

    BG/NBD FHL (2005a) eq. 10; MBG/NBD Batislam et al. (2007) eq. 8;
    Pareto/NBD Schmittlein et al. (1987) eq. 22 (with its s -> 1 limit).
    """
    t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
    alive = p_alive(model, params, x, tx, T)
    r, alpha = params["r"], params["alpha"]
    if model == "pareto_nbd":
        s, beta = params["s"], params["beta"]
        log_ratio = np.log1p(t / (beta + T))
        c = s - 1.0
        growth = np.where(
            abs(c) < 1e-10, log_ratio, -np.expm1(-c * log_ratio) / np.where(c, c, 1.0)
        )
        return alive * (r + x) * (beta + T) / (alpha + T) * growth
    out = np.empty_like(x, dtype=float)
    for value, idx in _by_frequency(x):
        p, w = _beta_nodes(params["a"], _posterior_b(model, params["b"], value))
        scaled = t[idx, None] / (alpha + T[idx, None])
        inner = -np.expm1(-(r + value) * np.log1p(p[None, :] * scaled)) / p[None, :]
        out[idx] = inner @ w
    return alive * out


def discounted_purchases(
    model: str,
    params: dict[str, float],
    x: Array,
    tx: Array,
    T: Array,
    horizon: float,
    rate: float,
) -> Array:
    """Discounted expected purchases: integral_0^H exp(-rate tau) dE[Y(tau)].

    `rate` is the continuous discount rate per model time unit. The purchase
    intensity of an alive customer with posterior Gamma(r + x, alpha + T) for
    lambda is (r + x) / (alpha + T) * (1 + p tau / (alpha + T))^-(r + x + 1)
    (BG/NBD, MBG/NBD) or (r + x) / (alpha + T) * ((beta + T)/(beta + T + tau))^s
    (Pareto/NBD, the derivative of eq. 22 of Schmittlein et al. 1987). tau is
    integrated by Gauss-Legendre after the substitution
    u = log(1 + tau / c), which keeps the integrand's pole far from the interval.
    """
    alive = p_alive(model, params, x, tx, T)
    r, alpha = params["r"], params["alpha"]
    ref = (params["beta"] if model == "pareto_nbd" else alpha) + T
    upper = np.log1p(horizon / ref)
    xi, wi = _legendre()
    u = upper[:, None] * xi[None, :]
    tau = ref[:, None] * np.expm1(u)
    jac = upper[:, None] * wi[None, :] * ref[:, None] * np.exp(u)
    disc = np.exp(-rate * tau) * jac
    if model == "pareto_nbd":
        decay = np.exp(-params["s"] * u)
        integral = (disc * decay).sum(axis=1)
    else:
        integral = np.empty_like(x, dtype=float)
        for value, idx in _by_frequency(x):
            p, w = _beta_nodes(params["a"], _posterior_b(model, params["b"], value))
            grow = tau[idx, :, None] / (alpha + T[idx, None, None])
            kernel = np.exp(-(r + value + 1) * np.log1p(p * grow)) @ w
            integral[idx] = (disc[idx] * kernel).sum(axis=1)
    return alive * (r + x) / (alpha + T) * integral


def unconditional_expected(model: str, params: dict[str, float], t: Array) -> Array:
    """E[X(t)] for a customer who made the first purchase at time 0."""
    t = np.asarray(t, dtype=float)
    zeros = np.zeros_like(t)
    return expected_purchases(model, params, zeros, zeros, zeros, t)


# ---------------------------------------------------------------- count pmf


def _nbd_log_pmf(j: Array, r: float, alpha: float, t: Array) -> Array:
    """log P(N(t) = j) for Poisson counts with Gamma(r, alpha) rates (NBD)."""
    with np.errstate(divide="ignore"):
        return (
            gammaln(r + j)
            - gammaln(r)
            - gammaln(j + 1)
            + r * np.log(alpha / (alpha + t))
            + j * np.log(t / (alpha + t))
        )


def count_pmf(
    model: str, params: dict[str, float], t: Array, max_count: int
) -> NDArray[np.float64]:
    """P(X(t) = j) for j = 0..max_count-1 and each t (rows), new customers.

    BG/NBD: FHL (2005a) eq. 8. MBG/NBD: the same derivation with a dropout
    chance at time 0. Pareto/NBD: the NBD pmf integrated over the exponential
    lifetime by Gauss-Legendre quadrature (Schmittlein et al. 1987, section 3).
    """
    t = np.asarray(t, dtype=float)[:, None]
    j = np.arange(max_count, dtype=float)[None, :]
    r, alpha = params["r"], params["alpha"]
    nbd = np.exp(_nbd_log_pmf(j, r, alpha, np.maximum(t, 1e-300)))
    nbd = np.where(t > 0, nbd, (j == 0).astype(float))
    tail = 1.0 - np.cumsum(nbd, axis=1) + nbd  # P(N >= j)
    if model == "pareto_nbd":
        s, beta = params["s"], params["beta"]
        xi, wi = _legendre()
        tau = t * xi[None, :]  # (n_t, n_nodes)
        dens = s * beta**s * (beta + tau) ** (-(s + 1)) * (t * wi[None, :])
        inner = np.exp(
            _nbd_log_pmf(j[:, :, None], r, alpha, np.maximum(tau, 1e-300)[:, None, :])
        )
        inner = np.where(tau[:, None, :] > 0, inner, (j[:, :, None] == 0).astype(float))
        return (beta / (beta + t)) ** s * nbd + (inner * dens[:, None, :]).sum(axis=2)
    a, b = params["a"], params["b"]
    if model == "bgnbd":
        stay = np.exp(betaln(a, b + j) - betaln(a, b))
        leave = np.exp(betaln(a + 1, b + np.maximum(j, 1) - 1) - betaln(a, b))
        return stay * nbd + np.where(j > 0, leave * tail, 0.0)
    stay = np.exp(betaln(a, b + j + 1) - betaln(a, b))
    leave = np.exp(betaln(a + 1, b + j) - betaln(a, b))
    return stay * nbd + leave * tail


# ---------------------------------------------------------------- spend


def gamma_gamma_mean(params: dict[str, float], x: Array, m: Array) -> Array:
    """E[Z | x, m-bar] = (p gamma + p x m-bar) / (p x + q - 1), FHL (2005b) eq. 5.

    Customers with x = 0 or no usable m-bar get the population mean
    p gamma / (q - 1).
    """
    p, q, gamma = (params[k] for k in PARAM_NAMES["gamma_gamma"])
    usable = (x > 0) & np.isfinite(m) & (m > 0)
    xs = np.where(usable, x, 0.0)
    ms = np.where(usable, m, 0.0)
    return (p * gamma + p * xs * ms) / (p * xs + q - 1.0)
