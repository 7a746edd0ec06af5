"""Cross-validated churn models with grouped importances: :func:`fit_churn_model`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from analytics_kit._validation import require_columns, require_one_of
from analytics_kit.churn._pipeline import MODELS, build_pipeline, odds_ratio_table
from analytics_kit.churn._prepare import PreparedFrame, parse_binary, prepare_frame
from analytics_kit.churn.drivers import (
    correlated_feature_groups,
    level_table,
    partial_dependence_table,
    permutation_drops,
)
from analytics_kit.churn.evaluation import calibration_table, cv_interval, lift_table
from analytics_kit.exceptions import ModelEstimationError, format_error

__all__ = [
    "MIN_CHURNERS",
    "MIN_CUSTOMERS",
    "ChurnDataCheck",
    "ChurnModelResult",
    "check_churn_data",
    "fit_churn_model",
]

#: Below these counts no churn-driver model is fitted (see :func:`check_churn_data`).
MIN_CHURNERS = 30
MIN_CUSTOMERS = 100


@dataclass(frozen=True)
class ChurnDataCheck:
    """Whether a customer table has enough customers and churners for a model."""

    ok: bool
    customers: int
    churners: int
    reason: str

    @property
    def stayers(self) -> int:
        """Customers who did not churn."""
        return self.customers - self.churners


def check_churn_data(
    frame: pd.DataFrame,
    *,
    target: str,
    min_churners: int = MIN_CHURNERS,
    min_customers: int = MIN_CUSTOMERS,
) -> ChurnDataCheck:
    """Count customers and churners and say whether a driver model is warranted.

    A model needs at least `min_customers` customers and at least `min_churners`
    customers in each outcome class (churned and stayed): below that, fold AUCs
    and importances are mostly noise.

    Returns
    -------
    ChurnDataCheck
        ``ok``, the counts, and ``reason``: an empty string when ``ok``, else a
        sentence with the counts for the report.

    Raises
    ------
    DataValidationError
        When `target` is missing or not a churn flag.
    """
    require_columns(frame.columns, [target], param="frame")
    y = parse_binary(frame[target], param=target)
    n, k = len(y), int(y.sum())
    problems = []
    if n < min_customers:
        problems.append(f"{n:,} customers (at least {min_customers:,} needed)")
    if k < min_churners:
        problems.append(f"{k:,} churners (at least {min_churners:,} needed)")
    if n - k < min_churners:
        problems.append(f"{n - k:,} non-churners (at least {min_churners:,} needed)")
    reason = ""
    if problems:
        reason = (
            "No churn-driver model: "
            + "; ".join(problems)
            + f". Counts: {n:,} customers, {k:,} churned."
        )
    return ChurnDataCheck(ok=not problems, customers=n, churners=k, reason=reason)


@dataclass(frozen=True, eq=False)
class ChurnModelResult:
    """Output of :func:`fit_churn_model` (all tables are tidy DataFrames).

    Attributes
    ----------
    model, target, folds, random_seed
        The call's settings.
    customers, churners, base_rate
        Counts and churners / customers.
    cv_auc, cv_auc_folds, cv_auc_low, cv_auc_high
        Mean ROC AUC over the held-out folds, per fold, and its interval
        (:func:`~analytics_kit.churn.evaluation.cv_interval`).
    pr_auc, pr_auc_folds
        Mean average precision (area under the precision-recall curve) and per
        fold; compare with ``base_rate``, its value for a random ranking.
    importances
        One row per original column, sorted by ``importance`` (mean drop in
        held-out ROC AUC when the column is shuffled), with ``low``/``high``
        (95 % interval across folds), ``group`` (its correlated group, or the
        column itself) and ``rank``.
    correlated_groups
        Groups of correlated columns with the joint permutation importance.
    lift, calibration
        Decile lift table and calibration table from out-of-fold predictions.
    odds_ratios
        Logistic model only (else None): odds ratios with 95 % Wald intervals.
    partial_dependence, churn_by_level
        For the ``top_drivers``: model-implied and raw churn rate per level.
    top_drivers
        Names of the most important columns, best first.
    out_of_fold
        Predicted churn probability per row of the input (from the fold model
        that did not see the row), indexed like the input.
    pipeline
        The pipeline refitted on all rows.
    data_notes
        What was done to the data: ``column``, ``issue``, ``rows``, ``action``.
    """

    model: str
    target: str
    folds: int
    random_seed: int
    customers: int
    churners: int
    base_rate: float
    cv_auc: float
    cv_auc_folds: tuple[float, ...]
    cv_auc_low: float
    cv_auc_high: float
    pr_auc: float
    pr_auc_folds: tuple[float, ...]
    importances: pd.DataFrame
    correlated_groups: pd.DataFrame
    lift: pd.DataFrame
    calibration: pd.DataFrame
    odds_ratios: pd.DataFrame | None
    partial_dependence: pd.DataFrame
    churn_by_level: pd.DataFrame
    top_drivers: tuple[str, ...]
    out_of_fold: pd.Series
    pipeline: Pipeline
    data_notes: pd.DataFrame

    def driver_summary(self) -> pd.DataFrame:
        """One row per top driver: importance with interval, correlated group, and
        the levels with the highest and lowest raw churn rate (with counts)."""
        rows = []
        imp = self.importances.set_index("feature")
        for f in self.top_drivers:
            levels = self.churn_by_level[self.churn_by_level["feature"] == f]
            rates = levels["churn_rate"].to_numpy()
            hi = levels.iloc[int(np.argmax(rates))]
            lo = levels.iloc[int(np.argmin(rates))]
            rows.append(
                {
                    "feature": f,
                    "importance": imp.at[f, "importance"],
                    "low": imp.at[f, "low"],
                    "high": imp.at[f, "high"],
                    "group": imp.at[f, "group"],
                    "highest_churn_level": hi["level"],
                    "highest_churn_rate": hi["churn_rate"],
                    "highest_churn_customers": int(hi["customers"]),
                    "lowest_churn_level": lo["level"],
                    "lowest_churn_rate": lo["churn_rate"],
                    "lowest_churn_customers": int(lo["customers"]),
                }
            )
        return pd.DataFrame(rows)


def _summarise_drops(
    drops: Mapping[str, list[np.ndarray]], *, folds: int
) -> pd.DataFrame:
    """Mean drop and fold interval per permuted group."""
    rows = []
    for name, per_fold in drops.items():
        fold_means = np.array([d.mean() for d in per_fold])
        low, high = cv_interval(fold_means, test_fraction=1.0 / folds)
        rows.append((name, float(fold_means.mean()), low, high))
    return pd.DataFrame(rows, columns=["feature", "importance", "low", "high"])


def _cross_validate(
    prepared: PreparedFrame,
    pipeline: Pipeline,
    *,
    folds: int,
    random_seed: int,
    groups: Mapping[str, Sequence[str]],
    n_repeats: int,
) -> tuple[np.ndarray, list[float], list[float], dict[str, list[np.ndarray]]]:
    X, y = prepared.features, prepared.target
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_seed)
    oof = np.empty(len(y))
    aucs, pr_aucs = [], []
    drops: dict[str, list[np.ndarray]] = {name: [] for name in groups}
    for k, (train, test) in enumerate(splitter.split(X, y)):
        fitted = clone(pipeline).fit(X.iloc[train], y[train])
        p = fitted.predict_proba(X.iloc[test])[:, 1]
        oof[test] = p
        aucs.append(float(roc_auc_score(y[test], p)))
        pr_aucs.append(float(average_precision_score(y[test], p)))
        rng = np.random.default_rng([random_seed, k])
        fold_drops = permutation_drops(
            fitted, X.iloc[test], y[test], groups=groups, n_repeats=n_repeats, rng=rng
        )
        for name, values in fold_drops.items():
            drops[name].append(values)
    return oof, aucs, pr_aucs, drops


def _validate_call(
    frame: pd.DataFrame, target: str, model: str, folds: int, n_repeats: int
) -> None:
    require_columns(frame.columns, [target], param="frame")
    require_one_of(model, MODELS, param="model")
    for name, value, low in (("folds", folds, 2), ("n_repeats", n_repeats, 1)):
        if not isinstance(value, int | np.integer) or value < low:
            msg = format_error(
                name, repr(value), f"an integer >= {low}", f"pass {name}={max(low, 5)}"
            )
            raise ModelEstimationError(msg)


def fit_churn_model(
    frame: pd.DataFrame,
    *,
    target: str,
    model: str = "logistic",
    folds: int = 5,
    random_seed: int = 0,
    exclude: Sequence[str] = (),
    n_repeats: int = 5,
    top_n: int = 5,
    correlation_threshold: float = 0.75,
    c: float = 1.0,
    gb_params: Mapping[str, Any] | None = None,
    min_churners: int = MIN_CHURNERS,
    min_customers: int = MIN_CUSTOMERS,
) -> ChurnModelResult:
    """Fit a churn model with stratified k-fold cross-validation and explain it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer: the `target` column and feature columns of any
        type. Text columns holding numbers (with blanks) are parsed, identifier
        columns (unique text per row), constant and date columns are dropped;
        every such decision is in ``data_notes``.
    target : str
        Churn flag column: True/False, 1/0 or Yes/No.
    model : {"logistic", "gradient_boosting"}, default="logistic"
        L2-penalised logistic regression (odds ratios) or histogram gradient
        boosting.
    folds : int, default=5
        Stratified folds (shuffled with `random_seed`).
    random_seed : int, default=0
        Seed of the fold split, the permutations and the boosting model.
    exclude : sequence of str, optional
        Columns not to use as features (e.g. ids, outcomes measured later).
    n_repeats : int, default=5
        Permutations per column and fold.
    top_n : int, default=5
        Number of top drivers with partial dependence and churn-by-level tables.
    correlation_threshold : float, default=0.75
        |Spearman rho| above which columns are clustered into a group.
    c : float, default=1.0
        Inverse L2 penalty of the logistic model (on standardised columns).
    gb_params : mapping, optional
        Overrides of the boosting model's settings (``max_iter`` etc.).
    min_churners, min_customers : int
        Minimum counts (see :func:`check_churn_data`).

    Returns
    -------
    ChurnModelResult
        Cross-validated AUCs, grouped importances, lift, calibration, odds
        ratios, partial dependence, churn rate by level, and the pipeline.

    Raises
    ------
    ModelEstimationError
        When there are fewer than `min_customers` customers or fewer than
        `min_churners` churners or non-churners; the message gives the counts.
        Call :func:`check_churn_data` first to get the reason as text instead.
    DataValidationError
        When `target` is missing or holds values that are not a churn flag.

    Notes
    -----
    Permutation importance (Breiman 2001; Fisher, Rudin & Dominici 2019) is the
    drop in held-out ROC AUC when one original column is shuffled, averaged over
    `n_repeats` permutations and the folds; the interval is the corrected
    cross-validation interval of the fold means. Importance measures how much
    the *model* relies on a column, not a causal effect. Correlated columns
    share credit: read them together with ``correlated_groups``, whose
    importance comes from shuffling the whole group jointly.

    The work runs single-threaded (OpenMP/BLAS limited to one thread for the
    duration of the call): the many small fits and predictions of
    cross-validation and permutation are several times slower with threads
    competing on a busy machine.
    """
    _validate_call(frame, target, model, folds, n_repeats)
    check = check_churn_data(
        frame, target=target, min_churners=min_churners, min_customers=min_customers
    )
    if not check.ok:
        msg = format_error(
            f"frame[{target!r}]",
            check.reason,
            f">= {min_customers} customers and >= {min_churners} of each outcome",
            "report churn rates without a driver model, or pool more customers",
        )
        raise ModelEstimationError(msg)
    prepared = prepare_frame(frame, target=target, exclude=exclude)
    X, y = prepared.features, prepared.target
    pipeline = build_pipeline(
        prepared.numeric,
        prepared.categorical,
        model=model,
        random_seed=random_seed,
        c=c,
        gb_params=gb_params,
    )
    groups_table = correlated_feature_groups(X, threshold=correlation_threshold)
    groups: dict[str, Sequence[str]] = {c_: [c_] for c_ in X.columns}
    for members in groups_table["features"]:
        groups[" + ".join(members)] = list(members)
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.filterwarnings("ignore", message="Found unknown categories")
        oof, aucs, pr_aucs, drops = _cross_validate(
            prepared,
            pipeline,
            folds=folds,
            random_seed=random_seed,
            groups=groups,
            n_repeats=n_repeats,
        )
        fitted = clone(pipeline).fit(X, y)
    summary = _summarise_drops(drops, folds=folds)
    importances = _importance_table(summary, list(X.columns), groups_table)
    joint = summary.set_index("feature").loc[list(groups_table["group"])]
    groups_out = groups_table.assign(
        importance=joint["importance"].to_numpy(),
        low=joint["low"].to_numpy(),
        high=joint["high"].to_numpy(),
    )
    top = tuple(importances["feature"].head(top_n))
    low, high = cv_interval(aucs, test_fraction=1.0 / folds)
    return ChurnModelResult(
        model=model,
        target=target,
        folds=folds,
        random_seed=random_seed,
        customers=check.customers,
        churners=check.churners,
        base_rate=check.churners / check.customers,
        cv_auc=float(np.mean(aucs)),
        cv_auc_folds=tuple(aucs),
        cv_auc_low=low,
        cv_auc_high=high,
        pr_auc=float(np.mean(pr_aucs)),
        pr_auc_folds=tuple(pr_aucs),
        importances=importances,
        correlated_groups=groups_out,
        lift=lift_table(y, oof),
        calibration=calibration_table(y, oof),
        odds_ratios=odds_ratio_table(fitted, X) if model == "logistic" else None,
        partial_dependence=partial_dependence_table(
            fitted, X, columns=top, random_seed=random_seed
        ),
        churn_by_level=level_table(X, y, columns=top),
        top_drivers=top,
        out_of_fold=pd.Series(oof, index=frame.index, name="churn_probability"),
        pipeline=fitted,
        data_notes=prepared.notes,
    )


def _importance_table(
    summary: pd.DataFrame, columns: list[str], groups_table: pd.DataFrame
) -> pd.DataFrame:
    table = summary[summary["feature"].isin(columns)].copy()
    group_of = {c: c for c in columns}
    for label, members in zip(
        groups_table["group"], groups_table["features"], strict=True
    ):
        for m in members:
            group_of[m] = label
    table["group"] = table["feature"].map(group_of)
    table = table.sort_values("importance", ascending=False, ignore_index=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table
