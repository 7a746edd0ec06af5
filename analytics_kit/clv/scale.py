"""CLV at scale: summaries that stay in the engine, compressed fits, per-pattern scores.

The purchase models depend on a customer only through (frequency, recency, T).
On a large base many customers share a pattern (recency and T are whole days),
so the kit

1. summarises transactions per customer as an Ibis expression
   (:func:`rfm_table`; nothing is loaded into pandas),
2. counts the distinct (frequency, recency, T) patterns in the engine
   (:func:`rfm_patterns`) and fits on them with the counts as weights
   (``fit_purchase_model(patterns, weights="n_customers")``), and
3. scores each pattern once and joins the scores back to the customers in the
   engine (:func:`customer_value_table`).

Fitting and scoring then cost O(number of patterns), not O(customers): for the
simulated 3M-customer base about 3 % of the rows (see ``bench/results.md``).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting Your Customers"
the Easy Way. Marketing Science 24(2), 275-284: the likelihood (eq. 6) depends
on a customer only through (x, t_x, T), so customers with equal triples add
identical terms and sum_i LL_i = sum_j n_j LL_j over the distinct triples j.
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import pandas as pd
from ibis.expr.types import Table

from analytics_kit._validation import require_columns, require_date, require_one_of
from analytics_kit.clv import _formulas as F
from analytics_kit.clv.models import PurchaseModel
from analytics_kit.clv.rfm import (
    _DEFAULT_AMOUNT,
    DAYS_PER_UNIT,
    TIME_UNITS,
    _calibration_end,
    _canonical_rows,
    _customer_stats,
    _resolve_amount,
)
from analytics_kit.clv.spend import SpendModel
from analytics_kit.clv.value import _check_numbers, horizon_in_units
from analytics_kit.engine import as_table, to_pandas
from analytics_kit.exceptions import DataValidationError, format_error

__all__ = [
    "PATTERN_KEYS",
    "customer_value_table",
    "rfm_patterns",
    "rfm_table",
    "score_patterns",
]

#: Columns identifying a pattern: whole days keep the grouping and the join exact.
PATTERN_KEYS = ("frequency", "recency_days", "T_days")


def rfm_table(
    transactions: pd.DataFrame | Table,
    *,
    as_of: Any,
    time_unit: str = "week",
    calibration_end: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "timestamp",
    amount_col: str | None = _DEFAULT_AMOUNT,
    keep_zero_spend_days: bool = False,
) -> Table:
    """The per-customer RFM summary as an Ibis expression (nothing executed).

    Same definitions and parameters as :func:`~analytics_kit.clv.rfm_summary`
    (purchase occasions are days with positive net spend; x, t_x, T of FHL
    2005a, section 2), for bases too large for pandas: write it with
    ``.to_parquet(path)`` or compress it with :func:`rfm_patterns`.

    Returns
    -------
    ibis.Table
        ``customer_id`` (string), ``frequency``, ``recency_days``, ``T_days``
        (int64), ``recency``, ``T`` (float64, in `time_unit`), with amounts
        ``monetary_value`` (NULL when frequency is 0) and ``average_order_value``;
        with `calibration_end` also ``frequency_holdout``,
        ``monetary_value_holdout`` (NULL without holdout occasions) and
        ``duration_holdout``. Unordered.

    Raises
    ------
    DataValidationError
        Missing columns, bad dates, an unknown time unit, or a calibration end
        not before `as_of`.

    Notes
    -----
    Unlike ``rfm_summary`` it neither counts exclusions nor warns about dropped
    rows (that needs extra passes); run ``rfm_summary`` on a sample or use the
    reader's data-quality table for those.
    """
    unit_days = DAYS_PER_UNIT[require_one_of(time_unit, TIME_UNITS, param="time_unit")]
    as_of_ts = require_date(as_of, param="as_of")
    cal_ts = _calibration_end(calibration_end, as_of_ts)
    table = as_table(transactions)
    amount = _resolve_amount(table, amount_col)
    needed = [customer_col, date_col] + ([amount] if amount else [])
    require_columns(table.columns, needed, param="transactions")
    rows = _canonical_rows(table, customer_col, date_col, amount, as_of_ts)
    per = _customer_stats(rows, cal_ts, keep_zero_spend_days)
    per = per.filter(per.n > 0)
    repeats = (per.n - 1).cast("int64")
    cols: dict[str, Any] = {
        "customer_id": per.customer_id,
        "frequency": repeats,
        "recency_days": per.recency_days.cast("int64"),
        "T_days": per.T_days.cast("int64"),
        "recency": per.recency_days.cast("float64") / unit_days,
        "T": per.T_days.cast("float64") / unit_days,
    }
    if amount:
        repeat_total = per.total.cast("float64") - per.first_net.cast("float64")
        cols["monetary_value"] = repeat_total / repeats.nullif(0).cast("float64")
        cols["average_order_value"] = per.total.cast("float64") / per.n
    if calibration_end is not None:
        hold_days = (as_of_ts - cal_ts).days
        cols["frequency_holdout"] = per.n_holdout.cast("int64")
        if amount:
            n_hold = per.n_holdout.nullif(0).cast("float64")
            cols["monetary_value_holdout"] = per.total_holdout / n_hold
        cols["duration_holdout"] = ibis.literal(hold_days / unit_days, "float64")
    return per.select(**cols)


def rfm_patterns(summary: Table | pd.DataFrame, *, time_unit: str) -> pd.DataFrame:
    """Distinct (frequency, recency, T) patterns with their customer counts.

    Counted in the engine; only the patterns come back.

    Parameters
    ----------
    summary : ibis.Table or pandas.DataFrame
        From :func:`rfm_table` (needs ``frequency``, ``recency_days``, ``T_days``).
    time_unit : {"week", "day", "month"}
        The unit `summary` was built in; recency and T are recomputed from whole
        days exactly as :func:`rfm_table` computes them.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency_days``, ``T_days``, ``recency``, ``T`` and
        ``n_customers`` (int), sorted by the keys; ``attrs["time_unit"]`` set.
        Fit with ``fit_purchase_model(patterns, weights="n_customers")``.
    """
    unit_days = DAYS_PER_UNIT[require_one_of(time_unit, TIME_UNITS, param="time_unit")]
    table = as_table(summary)
    require_columns(table.columns, list(PATTERN_KEYS), param="summary")
    counts = table.group_by(list(PATTERN_KEYS)).aggregate(n_customers=table.count())
    frame = to_pandas(counts.order_by(list(PATTERN_KEYS)))
    for key in PATTERN_KEYS:
        frame[key] = frame[key].astype("int64")
    frame["recency"] = frame["recency_days"].astype(float) / unit_days
    frame["T"] = frame["T_days"].astype(float) / unit_days
    frame["n_customers"] = frame["n_customers"].astype("int64")
    frame = frame[[*PATTERN_KEYS, "recency", "T", "n_customers"]]
    frame.attrs["time_unit"] = time_unit
    return frame


def score_patterns(
    purchase_model: PurchaseModel,
    patterns: pd.DataFrame,
    *,
    horizon_months: float,
    annual_discount_rate: float,
) -> pd.DataFrame:
    """P(alive), expected and discounted expected purchases for each pattern.

    One vectorised pass over the patterns (FHL 2005a eq. 10-11; the discounted
    sum is the integral of :func:`~analytics_kit.clv.customer_value`).

    Returns
    -------
    pandas.DataFrame
        `patterns`' key columns plus ``probability_alive``,
        ``expected_purchases`` and ``discounted_expected_purchases``.
    """
    unit = _model_unit(purchase_model)
    _check_numbers(horizon_months, annual_discount_rate, 1.0)
    x = patterns["frequency"].to_numpy(dtype=float)
    tx = patterns["recency"].to_numpy(dtype=float)
    T = patterns["T"].to_numpy(dtype=float)
    horizon = horizon_in_units(horizon_months, unit)
    rate = math.log1p(annual_discount_rate) * DAYS_PER_UNIT[unit] / 365.25
    model, params = purchase_model.model, purchase_model.params
    out = patterns[list(PATTERN_KEYS)].copy()
    out["probability_alive"] = F.p_alive(model, params, x, tx, T)
    out["expected_purchases"] = F.expected_purchases(model, params, x, tx, T, horizon)
    out["discounted_expected_purchases"] = F.discounted_purchases(
        model, params, x, tx, T, horizon, rate
    )
    return out


def customer_value_table(
    purchase_model: PurchaseModel,
    spend_model: SpendModel,
    summary: Table,
    *,
    horizon_months: float,
    annual_discount_rate: float,
    gross_margin: float = 1.0,
    time_unit: str | None = None,
) -> Table:
    """Per-customer CLV as an Ibis expression: patterns scored once, joined back.

    ``clv = gross_margin * E[Z | x, m-bar] * discounted expected purchases``, as
    :func:`~analytics_kit.clv.customer_value` computes it; the Gamma-Gamma mean
    (p gamma + p x m-bar) / (p x + q - 1) (FHL 2005b eq. 5; the population mean
    p gamma / (q - 1) without repeat spend) is evaluated in the engine.

    Parameters
    ----------
    summary : ibis.Table
        From :func:`rfm_table` in the model's time unit.
    time_unit : str, optional
        Must equal the model's unit when given.

    Returns
    -------
    ibis.Table
        ``customer_id``, the summary's frequency / recency / T / monetary_value,
        ``probability_alive``, ``expected_purchases``,
        ``discounted_expected_purchases``, ``expected_average_spend``, ``clv``.
        Execute with ``.to_pandas()`` or stream out with ``.to_parquet(path)``.

    Raises
    ------
    DataValidationError
        Model without a time unit, or `time_unit` different from the model's;
        a horizon, rate or margin out of range.
    """
    unit = _model_unit(purchase_model, time_unit)
    _check_numbers(horizon_months, annual_discount_rate, gross_margin)
    table = as_table(summary)
    require_columns(table.columns, [*PATTERN_KEYS, "monetary_value"], param="summary")
    scores = score_patterns(
        purchase_model,
        rfm_patterns(table, time_unit=unit),
        horizon_months=horizon_months,
        annual_discount_rate=annual_discount_rate,
    )
    joined = table.inner_join(ibis.memtable(scores), list(PATTERN_KEYS))
    p, q, gamma = (spend_model.params[k] for k in ("p", "q", "gamma"))
    x = joined.frequency.cast("float64")
    m = joined.monetary_value
    usable = (joined.frequency > 0) & m.notnull() & (m > 0)
    conditional = (p * gamma + p * x * m) / (p * x + (q - 1.0))
    spend = ibis.ifelse(usable, conditional, p * gamma / (q - 1.0))
    return joined.select(
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "probability_alive",
        "expected_purchases",
        "discounted_expected_purchases",
        expected_average_spend=spend,
        clv=gross_margin * spend * joined.discounted_expected_purchases,
    )


def _model_unit(purchase_model: PurchaseModel, time_unit: str | None = None) -> str:
    unit = purchase_model.time_unit
    if unit is None or (time_unit is not None and time_unit != unit):
        msg = format_error(
            "time_unit",
            f"model unit {unit!r}, requested {time_unit!r}",
            f"a model fitted with a time unit in {list(TIME_UNITS)}, equal to the "
            "summary's",
            "fit with fit_purchase_model(patterns, time_unit=...) in the unit of "
            "rfm_table",
        )
        raise DataValidationError(msg)
    return str(unit)
