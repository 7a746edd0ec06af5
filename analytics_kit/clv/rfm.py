"""Per-customer recency-frequency-monetary summaries for the purchase models.

:func:`rfm_summary` turns a transaction table into the inputs of the BG/NBD,
MBG/NBD, Pareto/NBD and Gamma-Gamma models. The aggregation runs as Ibis
expressions on the engine (DuckDB by default); only the one-row-per-customer
result comes back as pandas.

Definitions (Fader, Hardie & Lee 2005a, section 2; Fader, Hardie & Lee 2005b):

* a **purchase occasion** is a calendar day on which the customer's net spend
  (all rows of that day summed, refunds included) is positive;
* ``frequency`` x is the number of *repeat* occasions (occasions after the first);
* ``recency`` t_x is the time from the first to the last occasion;
* ``T`` is the time from the first occasion to the end of the calibration period;
* ``monetary_value`` is the mean of the repeat occasions' totals (the m-bar of the
  Gamma-Gamma model); ``average_order_value`` is the mean over *all* occasions,
  first one included, and is not what Gamma-Gamma expects.

Time is continuous: days / 7 for weeks, days / (365.25 / 12) for months.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd
from ibis.expr.types import Table

from analytics_kit._validation import require_columns, require_date, require_one_of
from analytics_kit.engine import as_table, to_pandas
from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    format_error,
)

__all__ = [
    "DAYS_PER_UNIT",
    "TIME_UNITS",
    "repeat_occasions_by_day",
    "rfm_exclusions",
    "rfm_summary",
]

#: Length of one model time unit in days; a month is 365.25 / 12 days.
DAYS_PER_UNIT: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
TIME_UNITS = tuple(DAYS_PER_UNIT)

_DEFAULT_AMOUNT = "amount"
#: Examples kept per exclusion reason: customer ids, and rows rendered as text.
_CUSTOMER_EXAMPLES = 5
_ROW_EXAMPLES = 3
_ROW_REASONS = (
    "rows_missing_customer_id",
    "rows_missing_date",
    "rows_missing_amount",
    "rows_after_as_of",
)


def rfm_summary(
    transactions: pd.DataFrame | Table,
    *,
    as_of: Any,
    time_unit: str = "week",
    calibration_end: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "timestamp",
    amount_col: str | None = _DEFAULT_AMOUNT,
    keep_zero_spend_days: bool = False,
) -> pd.DataFrame:
    """Summarise transactions into one row per customer for the CLV models.

    Parameters
    ----------
    transactions : pandas.DataFrame or ibis.Table
        One row per transaction line. Timestamps are local wall-clock time; the
        calendar day of a timestamp is the day in the client's timezone.
    as_of : str or date
        Last day of data used (inclusive). Rows after it are excluded and counted.
    time_unit : {"week", "day", "month"}, default "week"
        Unit of ``recency``, ``T`` and ``duration_holdout``: days / 7, days, or
        days / (365.25 / 12). Never floored to calendar periods.
    calibration_end : str or date, optional
        Last day of the calibration period. When given, ``T`` is measured to it
        and holdout columns describe ``(calibration_end, as_of]``; customers whose
        first occasion falls in the holdout are excluded and counted.
    customer_col, date_col : str
        Columns holding the customer id and the timestamp (or date).
    amount_col : str or None, default "amount"
        Column holding the amount. ``None``, or the default name when the table
        has no such column, counts every day with a row as an occasion and omits
        the monetary columns.
    keep_zero_spend_days : bool, default False
        Count days whose net spend is exactly zero as occasions (free items).
        The CDNOW sample has eight customers whose first purchase is recorded at
        $0; Fader, Hardie & Lee (2005a) count them, so pass True to reproduce.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (str), sorted, with ``frequency`` (int),
        ``recency``, ``T`` and, with amounts, ``monetary_value`` (mean of repeat
        occasions; NaN when ``frequency == 0``) and ``average_order_value`` (mean
        of all occasions). With `calibration_end`: ``frequency_holdout`` (int),
        ``monetary_value_holdout`` (mean of holdout occasions; NaN when none) and
        ``duration_holdout``. ``attrs`` holds ``time_unit``, ``as_of``,
        ``calibration_end``, ``exclusions`` (a dict of counts) and
        ``exclusion_examples`` (reason -> a list of up to 5 customer ids for
        customer-level reasons, "id on day" for customer-day reasons, and up to
        3 rows rendered as text for row-level reasons); see :func:`rfm_exclusions`.

    Raises
    ------
    DataValidationError
        Missing columns, bad dates, an unknown time unit, a calibration end that
        is not before `as_of`, or no customer with an occasion.

    Warns
    -----
    DataQualityWarning
        When rows without customer id, date or amount were dropped.

    Notes
    -----
    Same-day rows are summed before anything else, so a refund on the day of the
    purchase is netted. Days with net spend <= 0 (a refund on a later day) are not
    occasions and are counted in ``exclusions``; their amounts are not netted
    against other days (a limitation: CLV is on gross occasion spend).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting Your Customers"
    the Easy Way. Marketing Science 24(2), 275-284, section 2 (x, t_x, T).
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using
    Iso-Value Curves for Customer Base Analysis. JMR 42(4), 415-430 (m-bar).
    """
    unit_days = DAYS_PER_UNIT[require_one_of(time_unit, TIME_UNITS, param="time_unit")]
    as_of_ts = require_date(as_of, param="as_of")
    cal_ts = _calibration_end(calibration_end, as_of_ts)
    table = as_table(transactions)
    amount = _resolve_amount(table, amount_col)
    needed = [customer_col, date_col] + ([amount] if amount else [])
    require_columns(table.columns, needed, param="transactions")

    rows = _canonical_rows(table, customer_col, date_col, amount, as_of_ts)
    exclusions = _row_counts(rows)
    reason = _row_reason(table, customer_col, date_col, amount, as_of_ts)[3]
    examples = _row_examples(table, needed, reason, exclusions)
    stats = _customer_stats(rows, cal_ts, keep_zero_spend_days, example_days=True)
    # Sorted by the engine and converted Arrow -> pandas directly: at millions of
    # customers both are several times faster than sorting and converting in pandas.
    frame = stats.order_by("customer_id").to_pyarrow().to_pandas()
    exclusions.update(_stat_counts(frame))
    examples.update(_stat_examples(frame))
    frame = frame[frame["n"] > 0]
    if frame.empty:
        msg = format_error(
            "transactions",
            "no customer with a purchase occasion on or before the calibration end",
            "at least one day with positive net spend per summarised customer",
            "check as_of / calibration_end and the amount column",
        )
        raise DataValidationError(msg)
    result = _finish(frame, unit_days, (as_of_ts - cal_ts).days, amount is not None)
    if calibration_end is None:
        result = result.drop(columns=_HOLDOUT, errors="ignore")
    result.attrs.update(
        time_unit=time_unit,
        as_of=as_of_ts.date().isoformat(),
        calibration_end=cal_ts.date().isoformat(),
        exclusions=exclusions,
        exclusion_examples=examples,
    )
    _warn_missing(exclusions, examples)
    return result


def repeat_occasions_by_day(
    transactions: pd.DataFrame | Table,
    *,
    as_of: Any,
    calibration_end: Any,
    customer_col: str = "customer_id",
    date_col: str = "timestamp",
    amount_col: str | None = _DEFAULT_AMOUNT,
    keep_zero_spend_days: bool = False,
) -> pd.DataFrame:
    """Repeat purchase occasions per calendar day, for tracking plots.

    Counts, for customers whose first occasion is on or before
    `calibration_end`, the occasions after their first one, per day up to
    `as_of`; the occasion rule is the one of :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        Columns ``day`` (datetime64) and ``repeat_occasions`` (int), sorted by day,
        days without repeat occasions omitted.
    """
    as_of_ts = require_date(as_of, param="as_of")
    cal_ts = _calibration_end(calibration_end, as_of_ts)
    table = as_table(transactions)
    amount = _resolve_amount(table, amount_col)
    needed = [customer_col, date_col] + ([amount] if amount else [])
    require_columns(table.columns, needed, param="transactions")
    rows = _canonical_rows(table, customer_col, date_col, amount, as_of_ts)
    kept = rows.filter(rows.reason == "kept")
    daily = kept.group_by(["customer_id", "day"]).aggregate(net=kept.amount.sum())
    occ = daily.filter(daily.net >= 0 if keep_zero_spend_days else daily.net > 0)
    first = occ.group_by("customer_id").aggregate(first=occ.day.min())
    first = first.filter(first["first"] <= ibis.date(cal_ts.date()))
    joined = occ.inner_join(first, "customer_id")
    repeat = joined.filter(joined.day > joined["first"])
    per_day = repeat.group_by("day").aggregate(repeat_occasions=repeat.count())
    frame = to_pandas(per_day.order_by("day"))
    frame["day"] = pd.to_datetime(frame["day"])
    frame["repeat_occasions"] = frame["repeat_occasions"].astype("int64")
    return frame.reset_index(drop=True)


def rfm_exclusions(summary: pd.DataFrame) -> pd.DataFrame:
    """The exclusion counts attached to an :func:`rfm_summary` result, as a table.

    Returns
    -------
    pandas.DataFrame
        Columns ``reason``, ``count`` and ``examples`` (a list of strings, empty
        when nothing was excluded for that reason). Reasons: rows without
        customer id, date or amount and rows after ``as_of`` (examples: up to 3
        rows as ``column=value`` text, the smallest by customer id, date and
        amount); customer-days with zero or negative net spend, not occasions
        (examples: the first such day of up to 5 customers, by id); customers
        without any occasion up to the calibration end and customers first seen
        in the holdout (examples: up to 5 customer ids, the smallest). The
        ``rows_total`` row counts the rows read and has no examples.
    """
    counts = summary.attrs.get("exclusions", {})
    examples = summary.attrs.get("exclusion_examples", {})
    return pd.DataFrame(
        {
            "reason": list(counts),
            "count": list(counts.values()),
            "examples": [list(examples.get(reason, [])) for reason in counts],
        }
    )


# --------------------------------------------------------------------- helpers

_HOLDOUT = ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]


def _calibration_end(value: Any, as_of_ts: pd.Timestamp) -> pd.Timestamp:
    if value is None:
        return as_of_ts
    cal_ts = require_date(value, param="calibration_end")
    if cal_ts >= as_of_ts:
        msg = format_error(
            "calibration_end",
            f"{cal_ts.date()} (as_of is {as_of_ts.date()})",
            "a day before as_of, so that a holdout period exists",
            "pass an earlier calibration_end, or omit it for no holdout",
        )
        raise DataValidationError(msg)
    return cal_ts


def _resolve_amount(table: Table, amount_col: str | None) -> str | None:
    if amount_col is None:
        return None
    if amount_col == _DEFAULT_AMOUNT and amount_col not in table.columns:
        return None
    return amount_col


def _day_of(column: ibis.Value) -> ibis.Value:
    dtype = column.type()
    if dtype.is_date():
        return column
    if dtype.is_string():
        return column.cast(dt.Timestamp()).date()
    return column.date()


def _canonical_rows(
    table: Table, customer: str, date: str, amount: str | None, as_of_ts: pd.Timestamp
) -> Table:
    cid, day, value, reason = _row_reason(table, customer, date, amount, as_of_ts)
    return table.select(customer_id=cid, day=day, amount=value, reason=reason)


def _row_reason(
    table: Table, customer: str, date: str, amount: str | None, as_of_ts: pd.Timestamp
) -> tuple[ibis.Value, ibis.Value, ibis.Value, ibis.Value]:
    """Canonical id, day and amount of each row, and its exclusion reason."""
    cid = table[customer].cast("string")
    day = _day_of(table[date])
    value = table[amount].cast("float64") if amount else ibis.literal(1.0)
    reason = ibis.cases(
        (cid.isnull() | (cid.strip() == ""), _ROW_REASONS[0]),
        (day.isnull(), _ROW_REASONS[1]),
        (value.isnull() | value.isnan(), _ROW_REASONS[2]),
        (day > ibis.date(as_of_ts.date()), _ROW_REASONS[3]),
        else_="kept",
    )
    return cid, day, value, reason


def _row_counts(rows: Table) -> dict[str, int]:
    counted = to_pandas(rows.group_by("reason").aggregate(n=rows.count()))
    found = dict(zip(counted["reason"], counted["n"].astype(int), strict=True))
    counts = {"rows_total": sum(found.values())}
    counts.update({reason: found.get(reason, 0) for reason in _ROW_REASONS})
    return counts


def _row_examples(
    table: Table, columns: list[str], reason: ibis.Value, counts: dict[str, int]
) -> dict[str, list[str]]:
    """Up to ``_ROW_EXAMPLES`` excluded rows per row-level reason, as text.

    Only reasons with a nonzero count are queried, each as a top-N (ORDER BY
    ... LIMIT, which both engines run with a bounded heap), all in one UNION
    ALL; the rows are the smallest by the input columns, so the choice does not
    depend on the engine or the partitioning.
    """
    examples: dict[str, list[str]] = {r: [] for r in _ROW_REASONS}
    present = [r for r in _ROW_REASONS if counts.get(r)]
    if not present:
        return examples
    tagged = table.select(*columns, _reason=reason)
    keys = [ibis.asc(tagged[c], nulls_first=False) for c in columns]
    parts = [
        tagged.filter(tagged._reason == r).order_by(keys).limit(_ROW_EXAMPLES)
        for r in present
    ]
    found = to_pandas(parts[0] if len(parts) == 1 else ibis.union(*parts))
    found = found.sort_values(columns, na_position="last", kind="stable")
    for row in found.itertuples(index=False):
        values = dict(zip([*columns, "_reason"], row, strict=True))
        examples[values.pop("_reason")].append(
            ", ".join(f"{col}={_show(value)}" for col, value in values.items())
        )
    return examples


def _show(value: Any) -> str:
    """A value as engine-independent text: dates ISO, midnight without a time."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "<missing>"
    if isinstance(value, _dt.datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else str(stamp)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _customer_stats(
    rows: Table, cal_ts: pd.Timestamp, keep_zero: bool, *, example_days: bool = False
) -> Table:
    """One row per customer with a kept day: every count the summary needs.

    A single aggregation over the customer-days, so the engine scans the
    transactions once (plus the cheap count by exclusion reason). ``n`` and the
    other calibration columns are 0 / NULL for customers without an occasion up
    to the calibration end; ``n_holdout`` counts occasions after it. With
    `example_days`, also each customer's first zero-spend and first
    negative-spend day (and that day's net), the examples of those exclusions.
    """
    kept = rows.filter(rows.reason == "kept")
    daily = kept.group_by(["customer_id", "day"]).aggregate(net=kept.amount.sum())
    cal_date = ibis.date(cal_ts.date())
    occ = daily.net >= 0 if keep_zero else daily.net > 0
    in_cal = occ & (daily.day <= cal_date)
    in_hold = occ & (daily.day > cal_date)
    per = daily.group_by("customer_id").aggregate(
        n=daily.count(where=in_cal),
        total=daily.net.sum(where=in_cal),
        first_net=_first_by(daily, "net", "day", in_cal),
        first=daily.day.min(where=in_cal),
        last=daily.day.max(where=in_cal),
        n_holdout=daily.count(where=in_hold),
        total_holdout=daily.net.sum(where=in_hold),
        zero_days=daily.count(where=daily.net == 0),
        negative_days=daily.count(where=daily.net < 0),
        **(_example_days(daily) if example_days else {}),
    )
    return per.mutate(
        recency_days=per["last"].delta(per["first"], unit="day"),
        T_days=cal_date.delta(per["first"], unit="day"),
    )


def _example_days(daily: Table) -> dict[str, ibis.Value]:
    negative = daily.net < 0
    return {
        "zero_day": daily.day.min(where=daily.net == 0),
        "negative_day": daily.day.min(where=negative),
        "negative_net": _first_by(daily, "net", "day", negative),
    }


@ibis.udf.agg.builtin(name="arg_min")
def _duckdb_arg_min(arg: float, key: dt.date) -> float:  # type: ignore[empty-body]
    """DuckDB's ARG_MIN: the value at the smallest key."""


def _first_by(table: Table, value: str, key: str, where: ibis.Value) -> ibis.Value:
    """`value` at the smallest `key` among rows where `where` holds.

    Ibis compiles ``argmin`` to an ordered ``FIRST(... ORDER BY ...)`` on DuckDB,
    about 3x slower than its ``ARG_MIN``; Spark gets ``min_by`` either way.
    """
    try:
        engine = table._find_backend(use_default=True).name
    except Exception:  # an unbound expression: use the portable form
        engine = ""
    if engine == "duckdb":
        return _duckdb_arg_min(table[value], table[key], where=where)
    return table[value].argmin(table[key], where=where)


def _stat_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Day and customer exclusion counts from the per-customer statistics."""
    no_cal = frame["n"] == 0
    return {
        "customer_days_zero_spend": int(frame["zero_days"].sum()),
        "customer_days_negative_spend": int(frame["negative_days"].sum()),
        "customers_without_occasion": int((no_cal & (frame["n_holdout"] == 0)).sum()),
        "customers_first_seen_in_holdout": int(
            (no_cal & (frame["n_holdout"] > 0)).sum()
        ),
    }


def _stat_examples(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Up to ``_CUSTOMER_EXAMPLES`` customers per day and customer exclusion."""
    no_cal = frame["n"] == 0

    def first(mask: pd.Series) -> pd.DataFrame:
        # Select before sorting: the matching rows are few, the frame may be huge.
        picked = frame[mask.to_numpy()]
        picked = picked.assign(customer_id=picked["customer_id"].astype(str))
        return picked.sort_values("customer_id", kind="stable").head(_CUSTOMER_EXAMPLES)

    zero = first(frame["zero_days"] > 0)
    negative = first(frame["negative_days"] > 0)
    return {
        "customer_days_zero_spend": [
            f"{cid} on {_show(day)}"
            for cid, day in zip(zero["customer_id"], zero["zero_day"], strict=True)
        ],
        "customer_days_negative_spend": [
            f"{cid} on {_show(day)} (net {float(net):.2f})"
            for cid, day, net in zip(
                negative["customer_id"],
                negative["negative_day"],
                negative["negative_net"],
                strict=True,
            )
        ],
        "customers_without_occasion": first(no_cal & (frame["n_holdout"] == 0))[
            "customer_id"
        ].tolist(),
        "customers_first_seen_in_holdout": first(no_cal & (frame["n_holdout"] > 0))[
            "customer_id"
        ].tolist(),
    }


def _finish(
    frame: pd.DataFrame, unit_days: float, holdout_days: int, has_amount: bool
) -> pd.DataFrame:
    n = frame["n"].astype("int64")
    out = pd.DataFrame(
        index=pd.Index(frame["customer_id"].astype(str), name="customer_id")
    )
    out["frequency"] = (n - 1).to_numpy()
    out["recency"] = frame["recency_days"].astype(float).to_numpy() / unit_days
    out["T"] = frame["T_days"].astype(float).to_numpy() / unit_days
    if has_amount:
        repeat_total = (frame["total"] - frame["first_net"]).astype(float)
        out["monetary_value"] = (repeat_total / (n - 1).where(n > 1)).to_numpy()
        out["average_order_value"] = (frame["total"].astype(float) / n).to_numpy()
    n_hold = frame.get("n_holdout", pd.Series(0, index=frame.index))
    n_hold = n_hold.fillna(0).astype("int64")
    out["frequency_holdout"] = n_hold.to_numpy()
    if has_amount:
        total_hold = frame.get(
            "total_holdout", pd.Series(float("nan"), index=frame.index)
        )
        mean_hold = total_hold.astype(float) / n_hold.where(n_hold > 0)
        out["monetary_value_holdout"] = mean_hold.to_numpy()
    out["duration_holdout"] = holdout_days / unit_days
    # The engine already sorted by customer id; sorting again would copy everything.
    return out if out.index.is_monotonic_increasing else out.sort_index()


def _warn_missing(exclusions: dict[str, int], examples: dict[str, list[str]]) -> None:
    dropped = {k: v for k, v in exclusions.items() if k in _ROW_REASONS[:3] and v}
    if dropped:
        detail = ", ".join(
            f"{k}={v} (e.g. {examples[k][0]})" if examples.get(k) else f"{k}={v}"
            for k, v in dropped.items()
        )
        warnings.warn(
            f"rfm_summary dropped rows it cannot use ({detail}); see "
            "rfm_exclusions(summary) for all counts and examples",
            DataQualityWarning,
            stacklevel=3,
        )
