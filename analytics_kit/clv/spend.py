"""Gamma-Gamma model of spend per purchase occasion, fitted with lifetimes.

:func:`fit_spend_model` keeps the customers the model describes (repeat buyers
with a positive mean repeat spend), reports who was left out and why, refuses
fits whose population mean spend is undefined (q <= 1) and warns when spend
and frequency are correlated, which the model assumes they are not.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifetimes import GammaGammaFitter

from analytics_kit._validation import require_columns
from analytics_kit.clv import _formulas as F
from analytics_kit.clv.models import standard_errors
from analytics_kit.exceptions import (
    ApproximationWarning,
    ConvergenceError,
    DataQualityWarning,
    ModelEstimationError,
    format_error,
)

__all__ = ["MIN_SPEND_CUSTOMERS", "SpendModel", "fit_spend_model"]

#: Fewest repeat buyers the kit fits Gamma-Gamma on (10 per parameter).
MIN_SPEND_CUSTOMERS = 30
#: |Pearson correlation| of frequency and mean spend above which the kit warns.
CORRELATION_LIMIT = 0.3

_LADDER: tuple[tuple[str, float | None, float], ...] = (
    ("default start, no penalizer", None, 0.0),
    ("start at 1.0, no penalizer", 0.0, 0.0),
    ("start at 2.0, no penalizer", float(np.log(2.0)), 0.0),
    ("default start, penalizer 0.001", None, 0.001),
)


@dataclass(frozen=True)
class SpendModel:
    """A fitted Gamma-Gamma spend model.

    Attributes
    ----------
    params : dict
        ``p`` (shape of spend per occasion), ``q`` and ``gamma`` (shape and scale
        of the customers' spend-rate distribution), FHL (2005b) notation.
    standard_errors : dict
        Delta-method standard errors from the numerical Hessian.
    log_likelihood : float
        Summed log-likelihood of the customers used.
    n_customers : int
        Customers used (frequency > 0 and monetary_value > 0).
    excluded : dict
        Customers left out, by reason.
    correlation : float
        Pearson correlation of frequency and monetary_value among those used.
    attempts : tuple of str
        Ladder steps tried.
    """

    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_customers: int
    excluded: dict[str, int]
    correlation: float
    attempts: tuple[str, ...] = field(default=())

    @property
    def population_mean_spend(self) -> float:
        """E[Z] = p gamma / (q - 1), the mean spend per occasion of a new customer."""
        p, q, gamma = (self.params[k] for k in ("p", "q", "gamma"))
        return p * gamma / (q - 1.0)

    def expected_average_spend(self, summary: pd.DataFrame) -> pd.Series:
        """E[Z | x, m-bar] per customer (FHL 2005b eq. 5); population mean if x = 0."""
        x = summary["frequency"].to_numpy(dtype=float)
        m = summary["monetary_value"].to_numpy(dtype=float)
        values = F.gamma_gamma_mean(self.params, x, m)
        return pd.Series(values, index=summary.index, name="expected_average_spend")


def fit_spend_model(summary: pd.DataFrame) -> SpendModel:
    """Fit the Gamma-Gamma model to repeat buyers' mean spend per occasion.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency`` and ``monetary_value`` (the mean
        of the *repeat* occasions' totals, as :func:`rfm_summary` computes it).

    Returns
    -------
    SpendModel

    Raises
    ------
    ModelEstimationError
        Fewer than ``MIN_SPEND_CUSTOMERS`` usable repeat buyers, or a fitted
        q <= 1: the population mean spend p gamma / (q - 1) is then undefined
        (it would come out negative or infinite), so no CLV is produced.
    ConvergenceError
        Every ladder step failed.

    Warns
    -----
    DataQualityWarning
        When customers with frequency > 0 were left out (monetary_value <= 0 or
        missing, e.g. refunds exceeding purchases).
    ApproximationWarning
        When |corr(frequency, monetary_value)| > 0.3: the model assumes spend is
        independent of the purchase process.

    Notes
    -----
    Model: spend per occasion z ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across
    customers; the mean of x occasions, m-bar, has the density of FHL (2005b)
    eq. 3. Customers with frequency 0 carry no information on spend variability
    and are not used (their expected spend is the population mean).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using
    Iso-Value Curves for Customer Base Analysis. JMR 42(4), 415-430, eqs. 3-5.
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary
    Value. http://brucehardie.com/notes/025/
    """
    require_columns(summary.columns, ["frequency", "monetary_value"], param="summary")
    x = pd.to_numeric(summary["frequency"], errors="coerce").to_numpy(dtype=float)
    m = pd.to_numeric(summary["monetary_value"], errors="coerce").to_numpy(dtype=float)
    used, excluded = _eligible(x, m)
    n_used = int(used.sum())
    if n_used < MIN_SPEND_CUSTOMERS:
        msg = format_error(
            "summary (Gamma-Gamma)",
            f"{n_used} repeat buyer(s) with positive mean spend; left out: {excluded}",
            f"at least {MIN_SPEND_CUSTOMERS} such customers",
            "use a longer calibration period, or value customers at the "
            "historical average order value instead",
        )
        raise ModelEstimationError(msg)
    if excluded["repeat_buyers_non_positive_or_missing_spend"]:
        warnings.warn(
            f"Gamma-Gamma left out customers: {excluded}",
            DataQualityWarning,
            stacklevel=2,
        )
    xu, mu = x[used], m[used]
    params, attempts = _fit_ladder(xu, mu)
    _refuse_heavy_tail(params)
    corr = float(np.corrcoef(xu, mu)[0, 1]) if n_used > 2 else float("nan")
    if abs(corr) > CORRELATION_LIMIT:
        warnings.warn(
            f"frequency and mean spend correlate (r = {corr:.2f}); Gamma-Gamma "
            "assumes independence, so expected spend is biased for frequent buyers",
            ApproximationWarning,
            stacklevel=2,
        )

    def loglik(p: dict[str, float]) -> float:
        return float(F.loglik_gamma_gamma(p, xu, mu).sum())

    return SpendModel(
        params=params,
        standard_errors=standard_errors(loglik, params),
        log_likelihood=loglik(params),
        n_customers=n_used,
        excluded=excluded,
        correlation=corr,
        attempts=tuple(attempts),
    )


def _eligible(x: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    repeat = np.isfinite(x) & (x > 0)
    positive = np.isfinite(m) & (m > 0)
    used = repeat & positive
    excluded = {
        "no_repeat_purchase": int((~repeat).sum()),
        "repeat_buyers_non_positive_or_missing_spend": int((repeat & ~positive).sum()),
    }
    return used, excluded


def _fit_ladder(x: np.ndarray, m: np.ndarray) -> tuple[dict[str, float], list[str]]:
    attempts: list[str] = []
    for label, start, penalizer in _LADDER:
        init = None if start is None else np.full(3, start)
        fitter = GammaGammaFitter(penalizer_coef=penalizer)
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                fitter.fit(x, m, initial_params=init)
        except Exception as exc:  # lifetimes raises its own and numpy errors
            attempts.append(f"{label}: failed ({type(exc).__name__})")
            continue
        values = fitter.params_.to_numpy(dtype=float)
        start_values = np.exp(np.full(3, 0.1) if init is None else init)
        if not np.isfinite(values).all() or (values > 1e8).any():
            attempts.append(f"{label}: rejected (non-finite or extreme parameters)")
            continue
        if np.allclose(values, start_values, rtol=1e-6):
            attempts.append(f"{label}: rejected (parameters did not move)")
            continue
        attempts.append(f"{label}: converged")
        return dict(zip(("p", "q", "gamma"), map(float, values), strict=True)), attempts
    msg = format_error(
        "fit_spend_model",
        "no converged fit; tried: " + "; ".join(attempts),
        "a fit with finite parameters",
        "check monetary_value for outliers or wrong units (cents vs currency)",
    )
    raise ConvergenceError(msg)


def _refuse_heavy_tail(params: dict[str, float]) -> None:
    p, q, gamma = params["p"], params["q"], params["gamma"]
    if q <= 1.0:
        msg = format_error(
            "Gamma-Gamma parameter q",
            f"q = {q:.3f} (p = {p:.3f}, gamma = {gamma:.3f})",
            "q > 1, so that the population mean spend p * gamma / (q - 1) exists "
            f"(here it would be {p * gamma / (q - 1.0) if q != 1 else float('inf'):.4g})",
            "look for extreme mean spends (bulk or B2B orders, wrong currency "
            "units) and remove or cap them, or value customers at the historical "
            "average order value",
        )
        raise ModelEstimationError(msg)
