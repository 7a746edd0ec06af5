"""Purchase-count models: BG/NBD, MBG/NBD and Pareto/NBD, fitted with lifetimes.

:func:`fit_purchase_model` validates an RFM summary, fits the model with the
`lifetimes` fitter along a small retry ladder and returns a frozen
:class:`PurchaseModel`. Log-likelihoods and predictions are the kit's own
(:mod:`analytics_kit.clv._formulas`), computed stably.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

from analytics_kit._validation import require_columns, require_one_of
from analytics_kit.clv import _formulas as F
from analytics_kit.clv.rfm import TIME_UNITS
from analytics_kit.exceptions import (
    ConvergenceError,
    DataQualityWarning,
    DataValidationError,
    ModelEstimationError,
    format_error,
)

__all__ = ["MIN_CUSTOMERS", "PURCHASE_MODELS", "PurchaseModel", "fit_purchase_model"]

PURCHASE_MODELS = ("bgnbd", "mbgnbd", "pareto_nbd")
#: Fewest customers the kit fits a 4-parameter purchase model on (10 per parameter).
MIN_CUSTOMERS = 40
#: Below this many repeat buyers the fit is flagged as resting on little data.
FEW_REPEAT_BUYERS = 30

_FITTERS: dict[str, Any] = {
    "bgnbd": BetaGeoFitter,
    "mbgnbd": ModifiedBetaGeoFitter,
    "pareto_nbd": ParetoNBDFitter,
}
#: The retry ladder: (label, log-scale start or None for lifetimes' default, penalizer).
_LADDER: tuple[tuple[str, float | None, float], ...] = (
    ("default start, no penalizer", None, 0.0),
    ("start at 1.0, no penalizer", 0.0, 0.0),
    ("start at 0.5, no penalizer", float(np.log(0.5)), 0.0),
    ("default start, penalizer 0.001", None, 0.001),
    ("default start, penalizer 0.01", None, 0.01),
)
_EXTREME = (1e-8, 1e6)


@dataclass(frozen=True)
class PurchaseModel:
    """A fitted purchase-count model.

    Attributes
    ----------
    model : {"bgnbd", "mbgnbd", "pareto_nbd"}
    params : dict
        The paper's names: ``r, alpha, a, b`` (BG/NBD, MBG/NBD) or
        ``r, alpha, s, beta`` (Pareto/NBD); alpha and beta in the time unit.
    standard_errors : dict
        Asymptotic standard errors (numerical Hessian of the summed
        log-likelihood in log parameters, delta method); NaN when the Hessian is
        not negative definite.
    log_likelihood : float
        Sum over customers of the log-likelihood at ``params`` (no penalty).
    time_unit : str or None
        Unit of recency and T the model was fitted in ("week", "day", "month").
    n_customers, n_repeat_customers : int
    penalizer : float
        The L2 penalizer of the attempt that succeeded (0 for a plain MLE).
    attempts : tuple of str
        The ladder steps tried, in order, with their outcome.
    """

    model: str
    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    time_unit: str | None
    n_customers: int
    n_repeat_customers: int
    penalizer: float = 0.0
    attempts: tuple[str, ...] = field(default=())

    def params_table(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% normal intervals, one row each."""
        names = list(self.params)
        est = np.array([self.params[k] for k in names])
        se = np.array([self.standard_errors[k] for k in names])
        return pd.DataFrame(
            {
                "estimate": est,
                "standard_error": se,
                "lower_95": est - 1.96 * se,
                "upper_95": est + 1.96 * se,
            },
            index=pd.Index(names, name="parameter"),
        )

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive at T) per customer of `summary` (same time unit as the fit)."""
        x, tx, T = _arrays(summary)
        values = F.p_alive(self.model, self.params, x, tx, T)
        return pd.Series(values, index=summary.index, name="probability_alive")

    def expected_purchases(self, summary: pd.DataFrame, *, t: float) -> pd.Series:
        """Expected purchases in the next `t` time units, per customer."""
        x, tx, T = _arrays(summary)
        values = F.expected_purchases(self.model, self.params, x, tx, T, float(t))
        return pd.Series(values, index=summary.index, name="expected_purchases")


def fit_purchase_model(
    summary: pd.DataFrame,
    *,
    model: str = "bgnbd",
    time_unit: str | None = None,
    weights: str | None = None,
) -> PurchaseModel:
    """Fit BG/NBD, MBG/NBD or Pareto/NBD to an RFM summary.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency`` (x), ``recency`` (t_x) and ``T``,
        e.g. from :func:`~analytics_kit.clv.rfm_summary`; the index names the
        customers in error messages.
    model : {"bgnbd", "mbgnbd", "pareto_nbd"}, default "bgnbd"
    time_unit : str, optional
        Unit of recency and T; taken from ``summary.attrs["time_unit"]`` when
        omitted. Needed later to convert CLV horizons.
    weights : str, optional
        Column of `summary` holding how many customers share each row's
        (frequency, recency, T), e.g. ``n_customers`` of
        :func:`~analytics_kit.clv.rfm_patterns`. The weighted log-likelihood
        sum_j w_j LL(x_j, t_j, T_j) equals the sum over the customers, so the
        fit on the compressed rows is the fit on the customers.

    Returns
    -------
    PurchaseModel

    Raises
    ------
    DataValidationError
        Non-integer or negative frequency, recency outside [0, T], recency 0 with
        repeat purchases, missing values; the message names the customers.
    ModelEstimationError
        No repeat purchaser, fewer than ``MIN_CUSTOMERS`` customers, or
        parameters that did not move from their start.
    ConvergenceError
        Every step of the retry ladder failed; the message lists them.

    Warns
    -----
    DataQualityWarning
        Fewer than ``FEW_REPEAT_BUYERS`` repeat buyers, or the fit needed a
        penalizer (estimates then shrink towards zero).

    Notes
    -----
    Maximum likelihood by lifetimes' fitters (BFGS on log parameters, time
    rescaled internally). The ladder tries other starting values, then a small
    L2 penalizer (0.001, 0.01). A fit is rejected when a parameter is below 1e-8
    or above 1e6 (a boundary solution), did not move from its start, or (without
    penalizer) the gradient of the mean log-likelihood is not zero. Pareto/NBD
    uses lifetimes' Nelder-Mead from a fixed start with tolerance 1e-8. The
    log-likelihood is recomputed here as
    a sum in the data's time unit: lifetimes reports a penalised mean.

    References
    ----------
    Fader, Hardie & Lee (2005a), "Counting Your Customers" the Easy Way,
    Marketing Science 24(2), eq. 6 (likelihood), 10 (conditional expectation),
    11 (P(alive)). Batislam, Denizel & Filiztekin (2007), Empirical validation
    and comparison of models for customer base analysis, IJRM 24(3), 201-209
    (MBG/NBD). Schmittlein, Morrison & Colombo (1987), Management Science 33(1),
    1-24 (Pareto/NBD); Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD
    Model and Related Expressions", eq. 22.
    """
    require_one_of(model, PURCHASE_MODELS, param="model")
    unit = _time_unit(summary, time_unit)
    x, tx, T = validate_summary(summary)
    w = _weights(summary, weights)
    n_customers = round(float(w.sum()))
    n_repeat = round(float(w[x > 0].sum()))
    _check_identifiable(n_customers, n_repeat, model)
    params, ses, penalizer, attempts = _fit_ladder(model, x, tx, T, w)
    loglik = float(w @ F.LOGLIK[model](params, x, tx, T))
    if penalizer > 0:
        warnings.warn(
            f"{model} converged only with an L2 penalizer of {penalizer}; estimates "
            "are shrunk towards zero. Attempts: " + "; ".join(attempts),
            DataQualityWarning,
            stacklevel=2,
        )
    return PurchaseModel(
        model=model,
        params=params,
        standard_errors=ses,
        log_likelihood=loglik,
        time_unit=unit,
        n_customers=n_customers,
        n_repeat_customers=n_repeat,
        penalizer=penalizer,
        attempts=tuple(attempts),
    )


def validate_summary(
    summary: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check frequency / recency / T and return them as float arrays.

    Rules: no missing values; frequency a whole number >= 0; 0 <= recency <= T;
    recency > 0 whenever frequency > 0. Raises DataValidationError naming the
    offending customers.
    """
    require_columns(summary.columns, ["frequency", "recency", "T"], param="summary")
    cols = summary[["frequency", "recency", "T"]]
    values = cols.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    x, tx, T = values.T
    rules = [
        (~np.isfinite(values).all(axis=1), "missing or non-numeric values"),
        ((x < 0) | (x != np.round(x)), "frequency that is not a whole number >= 0"),
        ((tx < 0) | (tx > T + 1e-9), "recency outside [0, T]"),
        ((x > 0) & (tx <= 0), "repeat purchases with recency 0"),
    ]
    for bad, what in rules:
        if bad.any():
            rows = summary.loc[bad, ["frequency", "recency", "T"]].head(5)
            examples = [f"{idx}: {row.to_dict()}" for idx, row in rows.iterrows()]
            msg = format_error(
                f"summary: {int(bad.sum())} customer(s)",
                what,
                "whole frequency >= 0, 0 <= recency <= T, recency > 0 when "
                "frequency > 0, no missing values",
                "build the summary with analytics_kit.clv.rfm_summary, or drop "
                "these customers",
                examples,
            )
            raise DataValidationError(msg)
    return x, tx, T


def _weights(summary: pd.DataFrame, column: str | None) -> np.ndarray:
    """Customer counts per row (all 1 without a weights column)."""
    if column is None:
        return np.ones(len(summary))
    require_columns(summary.columns, [column], param="summary")
    w = pd.to_numeric(summary[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0) | (w != np.round(w))
    if bad.any():
        rows = summary.loc[bad, [column]].head(5)
        msg = format_error(
            f"summary[{column!r}]: {int(bad.sum())} row(s)",
            "a weight that is not a whole number > 0",
            "the number of customers sharing the row's (frequency, recency, T)",
            "build the rows with analytics_kit.clv.rfm_patterns",
            [f"{idx}: {row[column]!r}" for idx, row in rows.iterrows()],
        )
        raise DataValidationError(msg)
    return w


def _arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return validate_summary(summary)


def _time_unit(summary: pd.DataFrame, time_unit: str | None) -> str | None:
    unit = time_unit if time_unit is not None else summary.attrs.get("time_unit")
    if unit is not None:
        require_one_of(unit, TIME_UNITS, param="time_unit")
    return unit


def _check_identifiable(n: int, n_repeat: int, model: str) -> None:
    if n_repeat == 0:
        msg = format_error(
            f"summary ({model})",
            f"no repeat purchaser among {n} customers (every frequency is 0)",
            "at least one customer with frequency > 0; without repeat purchases "
            "the purchase and dropout rates cannot be estimated",
            "use a longer calibration period or report historical CLV instead",
        )
        raise ModelEstimationError(msg)
    if n < MIN_CUSTOMERS:
        msg = format_error(
            f"summary ({model})",
            f"{n} customers",
            f"at least {MIN_CUSTOMERS} customers to identify four parameters",
            "pool clients or segments, or report historical CLV instead",
        )
        raise ModelEstimationError(msg)
    if n_repeat < FEW_REPEAT_BUYERS:
        warnings.warn(
            f"{model} rests on only {n_repeat} repeat buyer(s); treat its "
            "parameters and predictions as very uncertain",
            DataQualityWarning,
            stacklevel=3,
        )


def _fit_ladder(
    model: str, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray
) -> tuple[dict[str, float], dict[str, float], float, list[str]]:
    attempts: list[str] = []
    weighted = None if np.all(w == 1) else w
    for label, start, penalizer in _LADDER:
        try:
            # weights only when given: keeps the unweighted call signature
            extra = {} if weighted is None else {"w": weighted}
            params, init = _fit_once(model, x, tx, T, start, penalizer, **extra)
        except Exception as exc:  # lifetimes raises its own and numpy errors
            attempts.append(f"{label}: failed ({type(exc).__name__})")
            continue
        problem = _fit_problem(model, params, init, (x, tx, T, w), penalizer)
        if problem:
            attempts.append(f"{label}: rejected ({problem})")
            continue
        attempts.append(f"{label}: converged")
        ses = standard_errors(lambda p: w @ F.LOGLIK[model](p, x, tx, T), params)
        return params, ses, penalizer, attempts
    msg = format_error(
        f"fit_purchase_model(model={model!r})",
        "no converged fit; tried: " + "; ".join(attempts),
        "a fit with finite parameters inside (1e-8, 1e6) and a zero gradient",
        "check the summary's time unit (weeks suit most retail data), use a "
        "longer calibration period, try another model, or drop extreme customers",
    )
    raise ConvergenceError(msg)


def _fit_once(
    model: str,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    start: float | None,
    penalizer: float,
    w: np.ndarray | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """One lifetimes fit; returns fitted and starting parameters (data units)."""
    fitter = _FITTERS[model](penalizer_coef=penalizer)
    scale = 1.0 / T.max()
    sink = io.StringIO()  # lifetimes prints the optimizer output on failure
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink):
        warnings.simplefilter("ignore")
        if model == "pareto_nbd":
            # Nelder-Mead on raw parameters; a fixed start keeps it reproducible.
            init = np.full(4, 1.0 if start is None else float(np.exp(start)))
            fitter.fit(
                x.astype(int),
                tx,
                T,
                weights=w,
                initial_params=init,
                tol=1e-8,
                maxiter=20000,
            )
            start_raw = init.copy()
            start_raw[[1, 3]] /= scale
        else:
            log_init = None if start is None else np.full(4, start)
            fitter.fit(x.astype(int), tx, T, weights=w, initial_params=log_init)
            start_raw = np.exp(np.full(4, 0.1) if log_init is None else log_init)
            start_raw[1] /= scale
    names = F.PARAM_NAMES[model]
    fitted = dict(zip(names, map(float, fitter.params_.to_numpy()), strict=True))
    return fitted, dict(zip(names, map(float, start_raw), strict=True))


def _fit_problem(
    model: str,
    params: dict[str, float],
    init: dict[str, float],
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    penalizer: float,
) -> str:
    x, tx, T, w = data
    values = np.array(list(params.values()))
    if not np.isfinite(values).all():
        return "non-finite parameters"
    low, high = _EXTREME
    if (values < low).any() or (values > high).any():
        return f"parameters at a boundary: {np.round(values, 6).tolist()}"
    if np.allclose(values, list(init.values()), rtol=1e-6):
        return "parameters did not move from their starting values"
    if penalizer == 0:
        grad = _log_gradient(
            lambda p: w @ F.LOGLIK[model](p, x, tx, T) / w.sum(), params
        )
        if not np.all(np.abs(grad) < 1e-3):
            return f"gradient not zero at the optimum: {np.round(grad, 5).tolist()}"
    return ""


def _log_gradient(loglik: Any, params: dict[str, float], h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of `loglik` in log parameters."""
    names = list(params)
    base = np.log(np.array([params[k] for k in names]))
    grad = np.empty(len(names))
    for i in range(len(names)):
        step = np.zeros(len(names))
        step[i] = h
        up = loglik(dict(zip(names, np.exp(base + step), strict=True)))
        down = loglik(dict(zip(names, np.exp(base - step), strict=True)))
        grad[i] = (up - down) / (2 * h)
    return grad


def standard_errors(
    loglik: Any, params: dict[str, float], h: float = 1e-4
) -> dict[str, float]:
    """Asymptotic standard errors from the numerical Hessian of a summed log-likelihood.

    The Hessian is taken in log parameters (central differences) and mapped back
    with the delta method: se(theta) = theta * sqrt(diag((-H)^-1)). NaN where the
    Hessian is not negative definite.
    """
    names = list(params)
    k = len(names)
    base = np.log(np.array([params[n] for n in names]))

    def at(vec: np.ndarray) -> float:
        return float(loglik(dict(zip(names, np.exp(vec), strict=True))))

    hess = np.empty((k, k))
    eye = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            val = (
                at(base + eye[i] + eye[j])
                - at(base + eye[i] - eye[j])
                - at(base - eye[i] + eye[j])
                + at(base - eye[i] - eye[j])
            ) / (4 * h * h)
            hess[i, j] = hess[j, i] = val
    try:
        cov = np.linalg.inv(-hess)
        var = np.diag(cov)
    except np.linalg.LinAlgError:
        var = np.full(k, np.nan)
    with np.errstate(invalid="ignore"):
        se = np.exp(base) * np.sqrt(np.where(var > 0, var, np.nan))
    return dict(zip(names, map(float, se), strict=True))
