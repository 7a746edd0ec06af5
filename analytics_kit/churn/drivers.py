"""Churn drivers: grouped permutation importance, correlated groups, partial
dependence and the raw churn rate by level of a driver.

Importance is measured on the original columns, never on encoded ones: permuting
``Contract`` shuffles the whole categorical column before the pipeline encodes
it, so the one factor gets one number. Features that move together share credit
under permutation (each can stand in for the other), so they are also clustered
by rank correlation and permuted jointly as a group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from analytics_kit._validation import require_columns
from analytics_kit.churn._prepare import MISSING_LEVEL, prepare_frame

__all__ = [
    "churn_rate_by_level",
    "correlated_feature_groups",
    "feature_association",
    "partial_dependence_table",
    "permutation_drops",
]


def _representation(col: pd.Series, max_levels: int) -> pd.DataFrame:
    """Columns whose rank correlations describe `col`: itself, or level indicators."""
    if pd.api.types.is_numeric_dtype(col):
        return pd.DataFrame({0: col.fillna(col.median()).to_numpy()})
    levels = col.value_counts().index[:max_levels]
    if len(levels) == 2:
        levels = levels[:1]
    return pd.DataFrame({i: (col == lv).to_numpy(float) for i, lv in enumerate(levels)})


def feature_association(
    features: pd.DataFrame, *, max_levels: int = 20
) -> pd.DataFrame:
    """Absolute Spearman rank correlation between every pair of feature columns.

    Numeric columns enter as they are (missing values at the median). A
    categorical column with ``L`` levels enters as ``L`` level indicators (one
    for a binary column); the association of two columns is the largest
    ``|rho|`` over their indicator/value pairs, so two columns that share a
    level (e.g. "No internet service") are associated even though their
    categories have no order.

    Parameters
    ----------
    features : pandas.DataFrame
        Feature columns only; numeric dtypes are numeric, all else categorical.
    max_levels : int, default=20
        Most frequent levels of a categorical column that are considered.

    Returns
    -------
    pandas.DataFrame
        Square, symmetric, index and columns = feature names, values in [0, 1],
        ones on the diagonal. A constant column has association 0 with others.
    """
    blocks = {c: _representation(features[c], max_levels) for c in features.columns}
    owners = [c for c, block in blocks.items() for _ in block.columns]
    matrix = np.column_stack([block.to_numpy() for block in blocks.values()])
    if matrix.shape[1] == 1:
        rho = np.ones((1, 1))
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.atleast_2d(stats.spearmanr(matrix).statistic)
    rho = np.nan_to_num(np.abs(rho), nan=0.0)
    names = list(features.columns)
    owner_idx = np.array([names.index(o) for o in owners])
    out = np.zeros((len(names), len(names)))
    for i in range(len(names)):
        for j in range(len(names)):
            block = rho[np.ix_(owner_idx == i, owner_idx == j)]
            out[i, j] = block.max() if block.size else 0.0
    np.fill_diagonal(out, 1.0)
    return pd.DataFrame(out, index=names, columns=names)


def correlated_feature_groups(
    features: pd.DataFrame, *, threshold: float = 0.75, max_levels: int = 20
) -> pd.DataFrame:
    """Cluster features whose absolute Spearman correlation is high.

    Average-linkage hierarchical clustering on the distance ``1 - |rho|`` from
    :func:`feature_association`, cut at ``1 - threshold``: two clusters merge
    when the mean association between their members is at least `threshold`.

    Returns
    -------
    pandas.DataFrame
        One row per group of two or more features: ``group`` (the member names
        joined by " + "), ``features`` (tuple), ``n_features`` and
        ``mean_abs_spearman`` (mean off-diagonal association). Empty when no
        features are correlated.

    References
    ----------
    The clustering-then-permutation idea follows the scikit-learn user guide,
    "Permutation Importance with Multicollinear or Correlated Features".
    """
    columns = ["group", "features", "n_features", "mean_abs_spearman"]
    if features.shape[1] < 2:
        return pd.DataFrame(columns=columns)
    assoc = feature_association(features, max_levels=max_levels)
    distance = squareform(1.0 - assoc.to_numpy(), checks=False)
    tree = hierarchy.linkage(np.clip(distance, 0.0, None), method="average")
    labels = hierarchy.fcluster(tree, t=1.0 - threshold, criterion="distance")
    rows = []
    for label in np.unique(labels):
        members = tuple(assoc.index[labels == label])
        if len(members) < 2:
            continue
        sub = assoc.loc[list(members), list(members)].to_numpy()
        mean = sub[~np.eye(len(members), dtype=bool)].mean()
        rows.append((" + ".join(members), members, len(members), float(mean)))
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("mean_abs_spearman", ascending=False, ignore_index=True)


def permutation_drops(
    pipeline: Any,
    features: pd.DataFrame,
    outcome: np.ndarray,
    *,
    groups: Mapping[str, Sequence[str]],
    n_repeats: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Drop in ROC AUC when each group of original columns is shuffled jointly.

    For each group and repeat, one random permutation of the rows is applied to
    all columns of the group at once (keeping their relation to each other but
    breaking their relation to the outcome), and
    ``drop = AUC(original) - AUC(permuted)`` is recorded (Breiman 2001, Machine
    Learning 45, 5-32, section 10; Fisher, Rudin & Dominici 2019, JMLR 20(177),
    "model reliance").

    Returns
    -------
    dict of str to numpy.ndarray
        `n_repeats` drops per group.
    """
    with threadpool_limits(limits=1):  # many small predictions: threads only cost
        return _drops(pipeline, features, outcome, groups, n_repeats, rng)


def _drops(
    pipeline: Any,
    features: pd.DataFrame,
    outcome: np.ndarray,
    groups: Mapping[str, Sequence[str]],
    n_repeats: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    base = roc_auc_score(outcome, pipeline.predict_proba(features)[:, 1])
    out: dict[str, np.ndarray] = {}
    n = len(features)
    for name, cols in groups.items():
        drops = np.empty(n_repeats)
        for r in range(n_repeats):
            idx = rng.permutation(n)
            shuffled = features.copy()
            for c in cols:
                shuffled[c] = features[c].to_numpy()[idx]
            score = roc_auc_score(outcome, pipeline.predict_proba(shuffled)[:, 1])
            drops[r] = base - score
        out[name] = drops
    return out


def _grid(col: pd.Series, points: int, max_levels: int) -> list[object]:
    if pd.api.types.is_numeric_dtype(col):
        qs = np.linspace(0.05, 0.95, points)
        return sorted(set(np.nanquantile(col.to_numpy(float), qs).tolist()))
    return list(col.value_counts().index[:max_levels])


def partial_dependence_table(
    pipeline: Any,
    features: pd.DataFrame,
    *,
    columns: Sequence[str],
    sample_size: int = 1000,
    grid_points: int = 10,
    max_levels: int = 20,
    random_seed: int = 0,
) -> pd.DataFrame:
    """Average predicted churn probability when one column is set to each value.

    .. math:: \\mathrm{PD}_j(v) = \\frac1n \\sum_i \\hat p(x_{i, -j}, x_j = v)

    (Friedman 2001, Annals of Statistics 29(5), 1189-1232, eq. 40). Numeric
    columns use the 5 %-95 % quantiles as grid; categorical columns their most
    frequent levels. At most `sample_size` customers (a seeded sample) are used.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``value`` (object), ``value_label`` (str),
        ``average_probability``.
    """
    if len(features) > sample_size:
        features = features.sample(sample_size, random_state=random_seed)
    rows = []
    with threadpool_limits(limits=1):
        for c in columns:
            rows += _pd_rows(pipeline, features, c, grid_points, max_levels)
    return pd.DataFrame(
        rows, columns=["feature", "value", "value_label", "average_probability"]
    )


def _pd_rows(
    pipeline: Any, features: pd.DataFrame, c: str, grid_points: int, max_levels: int
) -> list[tuple[str, object, str, float]]:
    rows = []
    for value in _grid(features[c], grid_points, max_levels):
        probe = features.copy()
        probe[c] = value  # type: ignore[call-overload]
        prob = float(pipeline.predict_proba(probe)[:, 1].mean())
        label = f"{value:.4g}" if isinstance(value, float) else str(value)
        rows.append((c, value, label, prob))
    return rows


def _levels(col: pd.Series, numeric_bins: int) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(col):
        return col.astype(object).fillna(MISSING_LEVEL)
    if col.nunique(dropna=True) <= numeric_bins:
        return col.map(lambda v: MISSING_LEVEL if pd.isna(v) else f"{v:g}")
    cut = pd.qcut(col, q=numeric_bins, duplicates="drop")
    labels = cut.map(lambda iv: f"{iv.left:g} to {iv.right:g}", na_action="ignore")
    return labels.astype(object).fillna(MISSING_LEVEL)


def _order_key(levels: pd.Series, col: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(col):
        return col.groupby(levels).min()
    return levels.value_counts()


def level_table(
    features: pd.DataFrame,
    outcome: np.ndarray,
    *,
    columns: Sequence[str],
    numeric_bins: int = 5,
) -> pd.DataFrame:
    """Churn rate per level of each column, from prepared features (see below)."""
    base = float(np.mean(outcome))
    parts = []
    for c in columns:
        levels = _levels(features[c], numeric_bins).reset_index(drop=True)
        levels = levels.rename("level")
        frame = pd.DataFrame({"level": levels, "y": outcome})
        table = frame.groupby("level").agg(
            customers=("y", "size"), churners=("y", "sum")
        )
        if pd.api.types.is_numeric_dtype(features[c]):
            key = _order_key(levels, features[c].reset_index(drop=True))
            table = table.loc[key.sort_values(na_position="last").index]
        else:
            table = table.sort_values("customers", ascending=False)
        table = table.reset_index()
        table.insert(0, "feature", c)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out["churners"] = out["churners"].astype(int)
    out["churn_rate"] = out["churners"] / out["customers"]
    out["base_rate"] = base
    return out


def churn_rate_by_level(
    frame: pd.DataFrame,
    *,
    target: str,
    columns: Sequence[str],
    numeric_bins: int = 5,
) -> pd.DataFrame:
    """Raw churn rate and counts per level of each column: the data behind a driver.

    Categorical columns are shown level by level (largest first); numeric
    columns with more than `numeric_bins` distinct values are cut into
    `numeric_bins` quantile bins (ordered low to high). Missing values form
    their own level ``(missing)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer.
    target : str
        The churn flag column (True/False, 1/0 or Yes/No).
    columns : sequence of str
        Columns to tabulate.
    numeric_bins : int, default=5
        Quantile bins for numeric columns.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``level``, ``customers``, ``churners``,
        ``churn_rate`` = churners / customers, ``base_rate``.

    Raises
    ------
    DataValidationError
        When a column is missing or the target is not a churn flag.
    """
    require_columns(frame.columns, [target, *columns], param="frame")
    prepared = prepare_frame(frame[[target, *columns]], target=target)
    kept = [c for c in columns if c in prepared.features.columns]
    return level_table(
        prepared.features, prepared.target, columns=kept, numeric_bins=numeric_bins
    )
