"""Calibration/holdout scorecard of the purchase models, and the model choice.

Fit each purchase model on the calibration period, predict the holdout and
compare: total repeat transactions, per-customer error, calibration by decile,
cumulative tracking, the distribution of calibration-period counts and P(alive)
against holdout activity (the checks of FHL 2005a, section 5, and Batislam et
al. 2007, section 4).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from ibis.expr.types import Table

from analytics_kit.clv import _formulas as F
from analytics_kit.clv.models import PURCHASE_MODELS, PurchaseModel, fit_purchase_model
from analytics_kit.clv.rfm import DAYS_PER_UNIT, repeat_occasions_by_day, rfm_summary
from analytics_kit.exceptions import AnalyticsKitError, DataQualityWarning

__all__ = ["HoldoutScorecard", "holdout_scorecard"]

#: A model other than BG/NBD is chosen only when its holdout MAE is this much lower.
MAE_MARGIN = 0.01


@dataclass(frozen=True)
class HoldoutScorecard:
    """The holdout comparison of purchase models (tidy tables, ``model`` column).

    Attributes
    ----------
    summary : pandas.DataFrame
        The calibration/holdout RFM summary.
    models : dict of str to PurchaseModel
        The models that could be fitted.
    comparison : pandas.DataFrame
        One row per model: log_likelihood, predicted_total, actual_total,
        pct_error (100 (predicted - actual) / actual), mae, rmse.
    deciles : pandas.DataFrame
        Mean predicted and actual holdout purchases per decile of predictions.
    tracking : pandas.DataFrame
        Cumulative repeat transactions by week: ``week``, ``date``, ``actual``
        and one ``expected`` row per model (long format, column ``series``).
    period_counts : pandas.DataFrame
        Customers by calibration-period repeat count (observed vs each model).
    alive_check : pandas.DataFrame
        Customers by P(alive) band: mean P(alive), share active in the holdout.
    chosen : str
        The model the report uses.
    reason : str
        Why, in one sentence with the numbers.
    failures : dict of str to str
        Models that could not be fitted, with the error.
    """

    summary: pd.DataFrame
    models: dict[str, PurchaseModel]
    comparison: pd.DataFrame
    deciles: pd.DataFrame
    tracking: pd.DataFrame
    period_counts: pd.DataFrame
    alive_check: pd.DataFrame
    chosen: str
    reason: str
    failures: dict[str, str] = field(default_factory=dict)


def holdout_scorecard(
    transactions: pd.DataFrame | Table,
    *,
    calibration_end: Any,
    as_of: Any,
    time_unit: str = "week",
    models: tuple[str, ...] = PURCHASE_MODELS,
    customer_col: str = "customer_id",
    date_col: str = "timestamp",
    amount_col: str | None = "amount",
    keep_zero_spend_days: bool = False,
    n_bins: int = 10,
    max_count: int = 7,
) -> HoldoutScorecard:
    """Fit purchase models on the calibration period and score them on the holdout.

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        As for :func:`rfm_summary`.
    calibration_end, as_of : str or date
        End of the calibration period and of the holdout (inclusive).
    time_unit : {"week", "day", "month"}, default "week"
    models : tuple of str
        Models to compare, among "bgnbd", "mbgnbd", "pareto_nbd".
    customer_col, date_col, amount_col, keep_zero_spend_days
        Passed to :func:`rfm_summary`.
    n_bins : int, default 10
        Number of prediction bins (deciles).
    max_count : int, default 7
        Calibration counts 0 .. max_count-1 are shown, larger ones pooled
        as "max_count+".

    Returns
    -------
    HoldoutScorecard

    Raises
    ------
    ModelEstimationError
        When no model could be fitted (the errors are listed).

    Notes
    -----
    Model choice: the lowest per-customer mean absolute error of holdout
    repeat purchases; BG/NBD is kept unless another model lowers the MAE by more
    than 1 % (it is the best documented and the fastest to score). Tracking
    expectations are sum_i E[X(t - t0_i)] over customers first seen at t0_i
    (FHL 2005a, fig. 2); period counts use P(X(T_i) = x) (FHL 2005a, eq. 8).

    References
    ----------
    Fader, Hardie & Lee (2005a), Marketing Science 24(2), section 5, figs. 2-4.
    Batislam, Denizel & Filiztekin (2007), IJRM 24(3), section 4.
    """
    rfm_args = dict(
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        keep_zero_spend_days=keep_zero_spend_days,
    )
    summary = rfm_summary(
        transactions,
        as_of=as_of,
        calibration_end=calibration_end,
        time_unit=time_unit,
        **rfm_args,
    )
    fitted, failures = _fit_all(summary, models)
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    actual = summary["frequency_holdout"].to_numpy(float)
    horizon = float(summary["duration_holdout"].iloc[0])
    predicted = {
        name: F.expected_purchases(m.model, m.params, x, tx, T, horizon)
        for name, m in fitted.items()
    }
    comparison = _comparison(fitted, predicted, actual)
    chosen, reason = _choose(comparison)
    daily = repeat_occasions_by_day(
        transactions, as_of=as_of, calibration_end=calibration_end, **rfm_args
    )
    return HoldoutScorecard(
        summary=summary,
        models=fitted,
        comparison=comparison,
        deciles=_deciles(predicted, actual, n_bins),
        tracking=_tracking(fitted, summary, daily),
        period_counts=_period_counts(fitted, x, T, max_count),
        alive_check=_alive_check(fitted, x, tx, T, actual),
        chosen=chosen,
        reason=reason,
        failures=failures,
    )


def _fit_all(
    summary: pd.DataFrame, models: tuple[str, ...]
) -> tuple[dict[str, PurchaseModel], dict[str, str]]:
    fitted: dict[str, PurchaseModel] = {}
    failures: dict[str, str] = {}
    for name in models:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                fitted[name] = fit_purchase_model(summary, model=name)
        except AnalyticsKitError as exc:
            failures[name] = str(exc)
    if not fitted:
        # re-raise the first model's error with its own message
        fit_purchase_model(summary, model=models[0])
    if failures:
        warnings.warn(
            f"holdout_scorecard: could not fit {sorted(failures)}; see .failures",
            DataQualityWarning,
            stacklevel=3,
        )
    return fitted, failures


def _comparison(
    fitted: dict[str, PurchaseModel],
    predicted: dict[str, np.ndarray],
    actual: np.ndarray,
) -> pd.DataFrame:
    rows = []
    for name, pred in predicted.items():
        err = pred - actual
        total = actual.sum()
        rows.append(
            {
                "model": name,
                "log_likelihood": fitted[name].log_likelihood,
                "predicted_total": pred.sum(),
                "actual_total": total,
                "pct_error": 100 * (pred.sum() - total) / total if total else np.nan,
                "mae": np.abs(err).mean(),
                "rmse": np.sqrt((err**2).mean()),
            }
        )
    return pd.DataFrame(rows)


def _choose(comparison: pd.DataFrame) -> tuple[str, str]:
    ranked = comparison.sort_values("mae").reset_index(drop=True)
    best = ranked.iloc[0]
    name, why = str(best["model"]), "the lowest per-customer holdout MAE"
    by_model = comparison.set_index("model")
    if name != "bgnbd" and "bgnbd" in by_model.index:
        bg_mae = by_model.loc["bgnbd", "mae"]
        if best["mae"] > bg_mae * (1 - MAE_MARGIN):
            name = "bgnbd"
            why = (
                f"a holdout MAE within {MAE_MARGIN:.0%} of the best "
                f"({best['model']}, {best['mae']:.4f}) and the simplest scoring"
            )
    row = by_model.loc[name]
    others = ", ".join(
        f"{m} {by_model.loc[m, 'mae']:.4f}" for m in by_model.index if m != name
    )
    reason = (
        f"{name} is used: {why} (MAE {row['mae']:.4f}"
        + (f"; {others}" if others else "")
        + f"); it predicts {row['predicted_total']:.0f} holdout repeat transactions "
        f"against {row['actual_total']:.0f} observed ({row['pct_error']:+.1f} %)."
    )
    return name, reason


def _deciles(
    predicted: dict[str, np.ndarray], actual: np.ndarray, n_bins: int
) -> pd.DataFrame:
    frames = []
    for name, pred in predicted.items():
        ranks = pd.Series(pred).rank(method="first")
        bins = pd.qcut(ranks, n_bins, labels=False) + 1
        frame = pd.DataFrame({"bin": bins, "predicted": pred, "actual": actual})
        table = frame.groupby("bin", as_index=False).agg(
            customers=("actual", "size"),
            predicted=("predicted", "mean"),
            actual=("actual", "mean"),
        )
        frames.append(table.assign(model=name))
    return pd.concat(frames, ignore_index=True)


def _tracking(
    fitted: dict[str, PurchaseModel], summary: pd.DataFrame, daily: pd.DataFrame
) -> pd.DataFrame:
    unit_days = DAYS_PER_UNIT[summary.attrs["time_unit"]]
    cal_end = pd.Timestamp(summary.attrs["calibration_end"])
    as_of = pd.Timestamp(summary.attrs["as_of"])
    first_day = (summary["T"] * unit_days).round().astype(int)  # days before cal end
    cohorts = first_day.value_counts()
    offsets = cohorts.index.to_numpy(float)  # days from first purchase to cal end
    sizes = cohorts.to_numpy(float)
    start = cal_end - pd.Timedelta(days=int(offsets.max()))
    weeks = np.arange(0, (as_of - start).days // 7 + 1)
    ends = start + pd.to_timedelta(weeks * 7, unit="D")
    # days from each cohort's first purchase to each week's end (rows: weeks)
    elapsed = (ends - cal_end).days.to_numpy(float)[:, None] + offsets[None, :]
    age = np.clip(elapsed, 0, None) / unit_days
    counts = np.searchsorted(daily["day"].to_numpy(), ends.to_numpy(), side="right")
    cumulative = np.concatenate([[0], np.cumsum(daily["repeat_occasions"].to_numpy())])
    frames = [
        pd.DataFrame(
            {
                "week": weeks,
                "date": ends,
                "series": "actual",
                "repeat_transactions": cumulative[counts],
            }
        )
    ]
    for name, model in fitted.items():
        flat = F.unconditional_expected(model.model, model.params, age.ravel())
        expected = (flat.reshape(age.shape) * sizes[None, :]).sum(axis=1)
        frames.append(
            pd.DataFrame(
                {
                    "week": weeks,
                    "date": ends,
                    "series": name,
                    "repeat_transactions": expected,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _period_counts(
    fitted: dict[str, PurchaseModel], x: np.ndarray, T: np.ndarray, max_count: int
) -> pd.DataFrame:
    labels = [str(k) for k in range(max_count)] + [f"{max_count}+"]
    observed = np.bincount(
        np.minimum(x.astype(int), max_count), minlength=max_count + 1
    )
    frames = [
        pd.DataFrame(
            {
                "repeat_transactions": labels,
                "series": "observed",
                "customers": observed.astype(float),
            }
        )
    ]
    values, inverse = np.unique(T, return_inverse=True)
    weights = np.bincount(inverse).astype(float)
    for name, model in fitted.items():
        pmf = F.count_pmf(model.model, model.params, values, max_count)
        expected = (pmf * weights[:, None]).sum(axis=0)
        expected = np.append(expected, len(x) - expected.sum())
        frames.append(
            pd.DataFrame(
                {"repeat_transactions": labels, "series": name, "customers": expected}
            )
        )
    return pd.concat(frames, ignore_index=True)


def _alive_check(
    fitted: dict[str, PurchaseModel],
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    actual: np.ndarray,
) -> pd.DataFrame:
    edges = np.linspace(0, 1, 11)
    frames = []
    for name, model in fitted.items():
        alive = F.p_alive(model.model, model.params, x, tx, T)
        band = pd.cut(alive, edges, include_lowest=True)
        frame = pd.DataFrame({"band": band, "p_alive": alive, "active": actual > 0})
        table = frame.groupby("band", observed=True, as_index=False).agg(
            customers=("active", "size"),
            mean_p_alive=("p_alive", "mean"),
            share_active_in_holdout=("active", "mean"),
        )
        table["band"] = table["band"].astype(str)
        frames.append(table.assign(model=name))
    return pd.concat(frames, ignore_index=True)
