"""Net Promoter Score: overall, by segment, by period, and the change between periods.

Scores are classified per response: promoters 9-10, passives 7-8, detractors 0-6.
Raw values that are not whole numbers from 0 to 10 (text such as ``"#ERROR!"``,
``11``, ``8.5``) are *invalid* and excluded with a count, never read as 0; blanks
(missing values, empty strings) are not responses at all.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analytics_kit._validation import require_columns
from analytics_kit.engine import Table
from analytics_kit.exceptions import (
    ApproximationWarning,
    DataQualityWarning,
    UndefinedMetricWarning,
)
from analytics_kit.metrics._result import (
    MetricResult,
    check_confidence,
    register_definition,
)

__all__ = ["NPSChangeResult", "NPSResult", "nps", "nps_by", "nps_change", "nps_trend"]

NPS_DEFINITION = register_definition(
    "nps",
    "Net Promoter Score = 100 x (promoters - detractors) / valid responses, where "
    "promoters score 9-10, passives 7-8 and detractors 0-6 on the 0-10 scale; "
    "passives stay in the denominator. Values that are not whole numbers 0-10 are "
    "excluded and counted as invalid; blanks are not responses. Interval: "
    "NPS +/- z x 100 x sqrt(var/n), var = p + d - (p - d)^2 (variance of the "
    "+1/0/-1 scores), clipped to [-100, 100].",
)
NPS_CHANGE_DEFINITION = register_definition(
    "nps_change",
    "Change in NPS = NPS(after) - NPS(before), in points. Standard error = "
    "sqrt(se_before^2 + se_after^2) (independent samples of respondents); "
    "two-sided z-test of no change; significant when p < 1 - confidence.",
)

ScoreInput = pd.DataFrame | Table | pd.Series | Sequence[object]


@dataclass(frozen=True, kw_only=True)
class NPSResult(MetricResult):
    """NPS with its response counts. ``value`` is on the -100..100 scale."""

    n: int
    promoters: int
    passives: int
    detractors: int
    n_invalid: int
    n_blank: int
    margin_of_error: float
    standard_error: float

    def __str__(self) -> str:
        low, high = self.ci if self.ci is not None else (math.nan, math.nan)
        return (
            f"NPS {self.value:.1f} ({self.confidence:.0%} CI {low:.1f} to "
            f"{high:.1f}; n={self.n})"
        )


@dataclass(frozen=True)
class NPSChangeResult:
    """The change in NPS between two periods, in points, with its test."""

    value: float
    ci: tuple[float, float]
    before: NPSResult
    after: NPSResult
    standard_error: float
    z: float
    p_value: float
    significant: bool
    confidence: float
    definition: str = NPS_CHANGE_DEFINITION
    metric: str = "nps_change"


def classify_scores(values: pd.Series) -> pd.Series:
    """Label each raw value promoter/passive/detractor/invalid/blank (same index)."""
    raw = pd.Series(values, dtype=object)
    stripped = raw.map(lambda v: v.strip() if isinstance(v, str) else v)
    blank = stripped.isna() | stripped.map(lambda v: isinstance(v, str) and v == "")
    is_bool = stripped.map(lambda v: isinstance(v, bool | np.bool_))
    numeric = pd.to_numeric(stripped.where(~blank & ~is_bool), errors="coerce")
    numeric = numeric.astype("float64")
    whole = np.isfinite(numeric) & (numeric == np.round(numeric))
    valid = whole & (numeric >= 0) & (numeric <= 10)
    labels = np.select(
        [blank, ~valid, numeric >= 9, numeric >= 7],
        ["blank", "invalid", "promoter", "passive"],
        default="detractor",
    )
    return pd.Series(labels, index=raw.index, dtype=object)


def _scores(data: ScoreInput, score_col: str) -> pd.Series:
    if isinstance(data, Table):
        require_columns(data.columns, [score_col], param="data")
        return data.select(score_col).to_pandas()[score_col]
    if isinstance(data, pd.DataFrame):
        require_columns(data.columns, [score_col], param="data")
        return data[score_col]
    return pd.Series(list(data), dtype=object)


def _counts_to_result(
    counts: dict[str, int], confidence: float, *, warn: bool = True
) -> NPSResult:
    pro, pas, det = counts["promoter"], counts["passive"], counts["detractor"]
    n = pro + pas + det
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    if n == 0:
        if warn:
            warnings.warn(
                "nps: no valid responses (0-10); NPS is undefined and NaN is returned.",
                UndefinedMetricWarning,
                stacklevel=3,
            )
        value = se = moe = math.nan
        ci = (math.nan, math.nan)
    else:
        p, d = pro / n, det / n
        value = 100 * (p - d)
        se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
        moe = z * se
        ci = (max(-100.0, value - moe), min(100.0, value + moe))
    return NPSResult(
        metric="nps",
        value=value,
        numerator=float(pro - det),
        denominator=float(n),
        ci=ci,
        definition=NPS_DEFINITION,
        confidence=confidence,
        n=n,
        promoters=pro,
        passives=pas,
        detractors=det,
        n_invalid=counts["invalid"],
        n_blank=counts["blank"],
        margin_of_error=moe,
        standard_error=se,
    )


def _label_counts(labels: pd.Series) -> dict[str, int]:
    vc = labels.value_counts()
    keys = ("promoter", "passive", "detractor", "invalid", "blank")
    return {k: int(vc.get(k, 0)) for k in keys}


def nps(
    data: ScoreInput, *, score_col: str = "score", confidence: float = 0.95
) -> NPSResult:
    """Net Promoter Score of raw 0-10 scores, with its margin of error.

    ``NPS = 100 (P - D) / N`` where P, D are the numbers of promoters (9-10) and
    detractors (0-6) and N the valid responses (passives 7-8 included).

    Parameters
    ----------
    data : DataFrame, Ibis table, Series or sequence
        The canonical ``nps_responses`` table (column `score_col`) or raw scores.
        Text is accepted: ``"9"`` counts, ``"#ERROR!"`` is invalid.
    score_col : str, default "score"
        Score column when `data` is a table.
    confidence : float, default 0.95
        Level of the interval.

    Returns
    -------
    NPSResult
        ``value`` in points (-100..100, unrounded), ``ci``, ``margin_of_error``,
        ``standard_error``, counts ``n``, ``promoters``, ``passives``,
        ``detractors``, ``n_invalid``, ``n_blank``.

    Raises
    ------
    DataValidationError
        When `score_col` is missing from a table, or `confidence` not in (0, 1).

    Warns
    -----
    DataQualityWarning
        When invalid values were excluded.
    UndefinedMetricWarning
        When there is no valid response (NaN is returned).

    Notes
    -----
    Each response is a score x in {+1, 0, -1}; NPS/100 is its mean, whose
    variance is ``(p + d - (p - d)^2) / N`` (multinomial). The Wald interval is
    poor for very small N or when all responses fall in one class (zero width).

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. HBR 81(12), 46-54.
    """
    confidence = check_confidence(confidence)
    labels = classify_scores(_scores(data, score_col))
    counts = _label_counts(labels)
    if counts["invalid"]:
        warnings.warn(
            f"nps: {counts['invalid']} value(s) that are not whole numbers 0-10 "
            "were excluded.",
            DataQualityWarning,
            stacklevel=2,
        )
    return _counts_to_result(counts, confidence)


def nps_by(
    data: pd.DataFrame | Table,
    *,
    by: str | Sequence[str],
    score_col: str = "score",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """NPS per group (segment, track, week...), one row per group.

    Parameters
    ----------
    data : DataFrame or Ibis table
        Responses with `score_col` and the `by` column(s).
    by : str or sequence of str
        Grouping column(s); missing group values form their own group (NaN).
    score_col : str, default "score"
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        The `by` columns, ``nps``, ``ci_low``, ``ci_high``, ``margin_of_error``,
        ``n``, ``promoters``, ``passives``, ``detractors``, ``n_invalid``,
        ``n_blank``. Groups without valid responses get NaN (one warning).
    """
    confidence = check_confidence(confidence)
    keys = [by] if isinstance(by, str) else list(by)
    frame = data.to_pandas() if isinstance(data, Table) else data
    require_columns(frame.columns, [*keys, score_col], param="data")
    work = frame[keys].copy()
    work["_label"] = classify_scores(frame[score_col]).to_numpy()
    rows = []
    empty = 0
    for key, group in work.groupby(keys, dropna=False, sort=True):
        res = _counts_to_result(_label_counts(group["_label"]), confidence, warn=False)
        empty += res.n == 0
        key_t = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(keys, key_t, strict=True)),
                "nps": res.value,
                "ci_low": res.ci[0] if res.ci else math.nan,
                "ci_high": res.ci[1] if res.ci else math.nan,
                "margin_of_error": res.margin_of_error,
                "n": res.n,
                "promoters": res.promoters,
                "passives": res.passives,
                "detractors": res.detractors,
                "n_invalid": res.n_invalid,
                "n_blank": res.n_blank,
            }
        )
    if empty:
        warnings.warn(
            f"nps_by: {empty} group(s) have no valid response; their NPS is NaN.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return pd.DataFrame(rows)


def nps_trend(
    data: pd.DataFrame | Table,
    *,
    date_col: str = "date",
    freq: str = "M",
    score_col: str = "score",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """NPS per calendar period: ``freq`` is a pandas period alias ("M", "W", "Q").

    Returns :func:`nps_by` output with a ``period`` column (the period's first day).
    """
    frame = data.to_pandas() if isinstance(data, Table) else data
    require_columns(frame.columns, [date_col, score_col], param="data")
    dates = pd.to_datetime(frame[date_col])
    period = dates.dt.to_period(freq)
    work = pd.DataFrame(
        {"period": period.dt.start_time, score_col: frame[score_col].to_numpy()}
    )
    return nps_by(work, by="period", score_col=score_col, confidence=confidence)


def nps_change(
    before: NPSResult | ScoreInput,
    after: NPSResult | ScoreInput,
    *,
    score_col: str = "score",
    confidence: float = 0.95,
) -> NPSChangeResult:
    """Change in NPS from `before` to `after`, its interval and significance.

    ``Δ = NPS_after - NPS_before``; ``se = sqrt(se_before² + se_after²)``;
    ``z = Δ / se``; two-sided ``p = 2 (1 - Φ(|z|))``; interval ``Δ ± z_c se``.

    Parameters
    ----------
    before, after : NPSResult or scores
        Results of :func:`nps` or anything :func:`nps` accepts.
    score_col : str, default "score"
    confidence : float, default 0.95
        Level of the interval; significant means ``p < 1 - confidence``.

    Returns
    -------
    NPSChangeResult

    Notes
    -----
    Assumes the two periods are independent samples (different respondents). For
    the same panel answering twice the test is conservative only if responses are
    positively correlated.
    """
    confidence = check_confidence(confidence)
    res = [
        x if isinstance(x, NPSResult) else nps(x, score_col=score_col)
        for x in (before, after)
    ]
    b, a = res
    diff = a.value - b.value
    se = math.sqrt(b.standard_error**2 + a.standard_error**2)
    zc = float(stats.norm.ppf(0.5 + confidence / 2))
    if not np.isfinite(diff):
        z = p = math.nan
    elif se == 0:
        warnings.warn(
            "nps_change: both periods have zero sampling variance (all responses in "
            "one class); no test is possible.",
            ApproximationWarning,
            stacklevel=2,
        )
        z = p = math.nan
    else:
        z = diff / se
        p = float(2 * stats.norm.sf(abs(z)))
    return NPSChangeResult(
        value=diff,
        ci=(diff - zc * se, diff + zc * se),
        before=b,
        after=a,
        standard_error=se,
        z=z,
        p_value=p,
        significant=bool(np.isfinite(p) and p < 1 - confidence),
        confidence=confidence,
    )
