"""Revenue at risk: predicted churn probability x customer value, by segment."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analytics_kit._validation import require_columns
from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    format_error,
)

__all__ = ["revenue_at_risk"]

TOTAL = "Total"


def revenue_at_risk(
    frame: pd.DataFrame,
    *,
    probability_col: str,
    value_col: str,
    segment_col: str | None = None,
) -> pd.DataFrame:
    """Expected value lost to churn, per segment and in total.

    .. math:: \\mathrm{RaR}_s = \\sum_{i \\in s} \\hat p_i \\, v_i

    with ``p_i`` the predicted churn probability (use out-of-fold predictions,
    e.g. ``ChurnModelResult.out_of_fold``) and ``v_i`` the customer's value:
    CLV where available, else recent revenue (say which in the report).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer.
    probability_col : str
        Churn probabilities in [0, 1].
    value_col : str
        Customer value in currency units (>= 0 expected; rows with a missing
        value are left out with a :class:`DataQualityWarning`).
    segment_col : str, optional
        Segment column; default one row for all customers.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``customers``, ``expected_churners`` (sum of p),
        ``value`` (sum of v), ``revenue_at_risk`` (sum of p v),
        ``share_at_risk`` = revenue_at_risk / value, and ``share_of_total_risk``;
        sorted by revenue at risk, with a final ``Total`` row.

    Raises
    ------
    DataValidationError
        When columns are missing or probabilities are outside [0, 1].
    """
    cols = [probability_col, value_col] + ([segment_col] if segment_col else [])
    require_columns(frame.columns, cols, param="frame")
    p = pd.to_numeric(frame[probability_col], errors="coerce")
    bad = p.isna() | (p < 0) | (p > 1)
    if bad.any():
        msg = format_error(
            f"column {probability_col!r}",
            f"{int(bad.sum()):,} values outside [0, 1]",
            "probabilities in [0, 1]",
            "pass predicted probabilities, not scores",
            [
                f"row {i}: {v!r}"
                for i, v in frame.loc[bad, probability_col].head(5).items()
            ],
        )
        raise DataValidationError(msg)
    v = pd.to_numeric(frame[value_col], errors="coerce")
    if v.isna().any():
        warnings.warn(
            f"{value_col}: {int(v.isna().sum()):,} customers without a value are left out",
            DataQualityWarning,
            stacklevel=2,
        )
    seg = (
        frame[segment_col].astype("string").fillna("(missing)")
        if segment_col
        else TOTAL
    )
    data = pd.DataFrame({"segment": seg, "p": p, "v": v, "pv": p * v}).dropna()
    table = data.groupby("segment").agg(
        customers=("p", "size"),
        expected_churners=("p", "sum"),
        value=("v", "sum"),
        revenue_at_risk=("pv", "sum"),
    )
    table = table.sort_values("revenue_at_risk", ascending=False).reset_index()
    if segment_col:
        total = pd.DataFrame(
            {
                "segment": [TOTAL],
                "customers": [len(data)],
                "expected_churners": [data["p"].sum()],
                "value": [data["v"].sum()],
                "revenue_at_risk": [data["pv"].sum()],
            }
        )
        table = pd.concat([table, total], ignore_index=True)
    overall = data["pv"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_at_risk"] = np.where(
            table["value"] != 0, table["revenue_at_risk"] / table["value"], np.nan
        )
        table["share_of_total_risk"] = (
            table["revenue_at_risk"] / overall if overall else np.nan
        )
    return table
