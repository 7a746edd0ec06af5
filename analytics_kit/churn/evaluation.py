"""Decile lift, calibration and the cross-validation interval of a fold metric.

All functions take out-of-fold predictions (each customer scored by a model that
did not see that customer), so the tables describe performance on unseen data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["calibration_table", "cv_interval", "lift_table", "risk_deciles"]


def risk_deciles(probability: ArrayLike, *, bins: int = 10) -> np.ndarray:
    """Assign each customer to a risk group, 1 = highest predicted risk.

    Customers are ordered by predicted probability, highest first (ties keep the
    input order), and cut into `bins` groups of equal size; when ``n`` is not a
    multiple of `bins`, group ``g`` gets rows ``floor(g n / bins)`` to
    ``floor((g + 1) n / bins) - 1`` of that order.

    Returns
    -------
    numpy.ndarray
        Integer group 1..bins per customer, in input order.
    """
    p = np.asarray(probability, dtype=float)
    n = len(p)
    order = np.argsort(-p, kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    return (rank * bins) // n + 1


def lift_table(
    outcome: ArrayLike, probability: ArrayLike, *, bins: int = 10
) -> pd.DataFrame:
    """Churn rate per decile of predicted risk against the base rate.

    Parameters
    ----------
    outcome : sequence of int
        1 = churned, 0 = stayed.
    probability : sequence of float
        Predicted churn probability (out of fold).
    bins : int, default=10
        Number of equal-size risk groups.

    Returns
    -------
    pandas.DataFrame
        One row per decile (1 = riskiest): ``decile``, ``customers``,
        ``churners``, ``churn_rate`` = churners / customers,
        ``mean_predicted``, ``lift`` = churn_rate / base_rate,
        ``cumulative_share_of_churners`` (the gain curve) and
        ``cumulative_lift`` = cumulative churn rate / base_rate.

    Notes
    -----
    A lift of 3 in decile 1 means the riskiest 10 % of customers churn three
    times as often as customers on average. The table is the "decile analysis" of
    direct marketing (Blattberg, Kim & Neslin 2008, *Database Marketing*, ch. 10).
    """
    y = np.asarray(outcome, dtype=float)
    p = np.asarray(probability, dtype=float)
    decile = risk_deciles(p, bins=bins)
    base = y.mean()
    frame = pd.DataFrame({"decile": decile, "y": y, "p": p})
    table = (
        frame.groupby("decile")
        .agg(
            customers=("y", "size"), churners=("y", "sum"), mean_predicted=("p", "mean")
        )
        .reset_index()
    )
    table["churners"] = table["churners"].astype(int)
    table["churn_rate"] = table["churners"] / table["customers"]
    table["base_rate"] = base
    table["lift"] = table["churn_rate"] / base if base > 0 else np.nan
    cum_churners = table["churners"].cumsum()
    cum_customers = table["customers"].cumsum()
    total = table["churners"].sum()
    table["cumulative_share_of_churners"] = cum_churners / total if total else np.nan
    table["cumulative_lift"] = (cum_churners / cum_customers) / base if base else np.nan
    return table[
        [
            "decile",
            "customers",
            "churners",
            "churn_rate",
            "mean_predicted",
            "base_rate",
            "lift",
            "cumulative_share_of_churners",
            "cumulative_lift",
        ]
    ]


def calibration_table(
    outcome: ArrayLike, probability: ArrayLike, *, bins: int = 10
) -> pd.DataFrame:
    """Observed churn rate against mean predicted probability per risk group.

    Same groups as :func:`lift_table`, ordered from lowest to highest predicted
    risk. A calibrated model has ``observed_rate`` close to ``mean_predicted``.

    Returns
    -------
    pandas.DataFrame
        ``bin`` (1 = lowest risk), ``customers``, ``mean_predicted``,
        ``observed_rate``.
    """
    lift = lift_table(outcome, probability, bins=bins)
    table = lift.sort_values("mean_predicted").reset_index(drop=True)
    return pd.DataFrame(
        {
            "bin": np.arange(1, len(table) + 1),
            "customers": table["customers"],
            "mean_predicted": table["mean_predicted"],
            "observed_rate": table["churn_rate"],
        }
    )


def cv_interval(
    fold_values: ArrayLike, *, test_fraction: float, level: float = 0.95
) -> tuple[float, float]:
    """Interval for the mean of a k-fold metric, corrected for overlapping folds.

    .. math::

        \\bar m \\pm t_{k-1, (1+level)/2}
        \\sqrt{\\left(\\tfrac1k + \\tfrac{n_{test}}{n_{train}}\\right) s^2}

    where ``s`` is the standard deviation of the ``k`` fold values.

    Parameters
    ----------
    fold_values : sequence of float
        One value per fold.
    test_fraction : float
        Share of customers in a test fold (``1/k`` for k-fold), so
        ``n_test / n_train = test_fraction / (1 - test_fraction)``.
    level : float, default=0.95
        Coverage.

    Returns
    -------
    tuple of float
        (low, high); (nan, nan) with fewer than two folds.

    Notes
    -----
    The folds share training data, so the plain ``s / sqrt(k)`` understates the
    uncertainty and no unbiased variance estimator exists (Bengio & Grandvalet
    2004, JMLR 5, 1089-1105). The inflation factor is the corrected resampled
    t-test of Nadeau & Bengio (2003), "Inference for the generalization error",
    Machine Learning 52, 239-281 (their variance correction ``1/J + n2/n1``); it is
    a heuristic for k-fold, wider than the naive interval.
    """
    values = np.asarray(fold_values, dtype=float)
    k = len(values)
    if k < 2:
        return float("nan"), float("nan")
    ratio = test_fraction / (1.0 - test_fraction)
    se = np.sqrt((1.0 / k + ratio) * values.var(ddof=1))
    half = stats.t.ppf(0.5 + level / 2.0, df=k - 1) * se
    mean = values.mean()
    return float(mean - half), float(mean + half)
