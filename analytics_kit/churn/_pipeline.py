"""The scikit-learn pipelines of the churn models and the logistic odds ratios."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

__all__ = ["MODELS", "build_pipeline", "odds_ratio_table"]

MODELS = ("logistic", "gradient_boosting")

#: Defaults for the gradient-boosting model (scikit-learn's histogram GBM).
GB_DEFAULTS: dict[str, Any] = {
    "max_iter": 200,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
}


def build_pipeline(
    numeric: Sequence[str],
    categorical: Sequence[str],
    *,
    model: str,
    random_seed: int,
    c: float = 1.0,
    gb_params: Mapping[str, Any] | None = None,
) -> Pipeline:
    """Column transformer + classifier.

    Logistic: numeric columns median-imputed (with a missing indicator) and
    standardised; categorical columns one-hot encoded with the first
    (alphabetical) level as reference; L2-penalised logistic regression with
    inverse penalty `c`. Gradient boosting: numeric columns as they are (the
    model handles missing values), categorical columns one-hot encoded.
    """
    if model == "logistic":
        num: Any = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                ("scale", StandardScaler()),
            ]
        )
        cat = OneHotEncoder(drop="first", handle_unknown="ignore", sparse_output=False)
        estimator: Any = LogisticRegression(
            C=c, solver="newton-cholesky", tol=1e-8, max_iter=500
        )
    else:
        num = "passthrough"
        cat = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        params = {**GB_DEFAULTS, **(gb_params or {})}
        estimator = HistGradientBoostingClassifier(random_state=random_seed, **params)
    transformer = ColumnTransformer(
        [("num", num, list(numeric)), ("cat", cat, list(categorical))],
        remainder="drop",
    )
    return Pipeline([("prepare", transformer), ("model", estimator)])


def _term_labels(pipeline: Pipeline) -> list[tuple[str, str, float]]:
    """(feature, comparison, scale) per design column of a fitted logistic pipeline."""
    ct = pipeline.named_steps["prepare"]
    terms: list[tuple[str, str, float]] = []
    numeric = list(ct.transformers_[0][2])
    if numeric:
        num = ct.named_transformers_["num"]
        scale = num.named_steps["scale"].scale_
        imputer = num.named_steps["impute"]
        flagged = [] if imputer.indicator_ is None else imputer.indicator_.features_
        labels = [(c, "per unit") for c in numeric]
        labels += [(numeric[i], "missing vs present") for i in flagged]
        terms += [
            (f, comp, float(s)) for (f, comp), s in zip(labels, scale, strict=True)
        ]
    categorical = list(ct.transformers_[1][2])
    if categorical:
        enc = ct.named_transformers_["cat"]
        for c, cats, drop in zip(
            categorical, enc.categories_, enc.drop_idx_, strict=True
        ):
            ref = cats[drop] if drop is not None else None
            for k, level in enumerate(cats):
                if drop is not None and k == drop:
                    continue
                terms.append((c, f"{level} vs {ref}", 1.0))
    return terms


def odds_ratio_table(
    pipeline: Pipeline, features: pd.DataFrame, *, level: float = 0.95
) -> pd.DataFrame:
    """Odds ratios of a fitted logistic pipeline with Wald intervals.

    The model maximises ``sum_i loglik_i - ||w||^2 / (2C)`` on standardised
    numeric columns and 0/1 dummies, so the covariance of the estimates is
    approximated by the inverse of the penalised observed information

    .. math:: H = Z^\\top W Z + \\mathrm{diag}(0, 1/C, \\dots, 1/C),\\quad
              W = \\mathrm{diag}(\\hat p_i (1 - \\hat p_i))

    with ``Z`` the design with an intercept column. Coefficients of numeric
    columns are divided by the column's standard deviation to give the effect of
    one unit; intervals are ``exp(beta +- z se)``.

    Returns
    -------
    pandas.DataFrame
        ``feature``, ``comparison`` ("per unit", "missing vs present", or
        "<level> vs <reference level>"), ``coefficient`` (log-odds),
        ``odds_ratio``, ``low``, ``high``, ``p_value``.

    Notes
    -----
    The L2 penalty shrinks estimates towards 0 (odds ratio 1); with the default
    ``C = 1`` on standardised columns and thousands of customers the shrinkage
    is small. Intervals of collinear terms are wide, as they should be.
    """
    model = pipeline.named_steps["model"]
    design = pipeline.named_steps["prepare"].transform(features)
    z = np.column_stack([np.ones(len(design)), design])
    p = pipeline.predict_proba(features)[:, 1]
    w = p * (1.0 - p)
    penalty = np.full(z.shape[1], 1.0 / model.C)
    penalty[0] = 0.0
    info = (z * w[:, None]).T @ z + np.diag(penalty)
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.clip(np.diag(cov)[1:], 0.0, None))
    beta = model.coef_.ravel()
    terms = _term_labels(pipeline)
    scale = np.array([t[2] for t in terms])
    beta_u, se_u = beta / scale, se / scale
    zq = stats.norm.ppf(0.5 + level / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2.0 * stats.norm.sf(np.abs(beta_u / se_u))
    return pd.DataFrame(
        {
            "feature": [t[0] for t in terms],
            "comparison": [t[1] for t in terms],
            "coefficient": beta_u,
            "odds_ratio": np.exp(beta_u),
            "low": np.exp(beta_u - zq * se_u),
            "high": np.exp(beta_u + zq * se_u),
            "p_value": p_value,
        }
    )
