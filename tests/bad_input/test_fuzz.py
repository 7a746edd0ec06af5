"""Random small transaction tables and score lists: no unhandled exception, invariants hold.

Issue 8, "Done when": random ids, dates and amounts (negatives, NaN, text, blanks)
go through the loader (CSV written to a temporary folder, ``load_client``), then
through ``analytics_kit.clv.rfm_summary``; random raw scores go through
``analytics_kit.metrics.nps``. The only exceptions allowed are the kit's own
(:class:`~analytics_kit.exceptions.AnalyticsKitError`), and these must hold:
kept + excluded = read; 0 <= recency <= T; frequency a whole number >= 0.
"""

from __future__ import annotations

import csv
import math
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analytics_kit as ak
from analytics_kit.exceptions import AnalyticsKitError, DataValidationError
from tests.bad_input._corpus import excluded_rows, quality

clv = pytest.importorskip("analytics_kit.clv")
metrics = pytest.importorskip("analytics_kit.metrics")

AS_OF = pd.Timestamp("2024-03-31")
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI stays reproducible
)

ids = st.sampled_from(["a", "b", "c", "d", "e", "", "  ", "x,y", 'q"t', "p|q", "é"])
dates = st.one_of(
    st.dates(pd.Timestamp("2023-12-01").date(), pd.Timestamp("2024-05-31").date()).map(
        str
    ),
    st.just(""),
)
numbers = st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.2f}")
amounts = st.one_of(
    numbers,
    st.sampled_from(["", "NaN", "nan", "inf", "-inf", "12,50", "$10", "0", "-0.0"]),
)
rows = st.lists(st.tuples(ids, dates, amounts), min_size=1, max_size=25)


def _load(folder: Path, table: list[tuple[str, str, str]]):
    with open(folder / "tx.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "timestamp", "amount"])
        writer.writerows(table)
    (folder / "clients.yml").write_text(
        "clients:\n  - {id: fuzz, name: Fuzz, as_of: '2024-03-31', "
        "tables: {transactions: {path: tx.csv}}}\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the kit's data warnings
        return ak.load_client("fuzz", config=folder / "clients.yml")


def _check_summary(summary: pd.DataFrame, kept: pd.DataFrame) -> None:
    x, recency, T = summary["frequency"], summary["recency"], summary["T"]
    assert pd.api.types.is_integer_dtype(x) and (x >= 0).all()
    assert ((recency >= 0) & (recency <= T)).all()
    longest = (AS_OF - kept["timestamp"].min().normalize()).days / 7
    assert (longest + 1e-9 >= T).all()
    assert ((x == 0) | (recency > 0)).all()  # repeat buyers have recency > 0
    repeat = summary.loc[x > 0, "monetary_value"]
    assert (repeat > 0).all()  # occasions have positive net spend
    days = kept.assign(day=kept["timestamp"].dt.normalize()).groupby("customer_id")
    assert (x <= days["day"].nunique().reindex(summary.index) - 1).all()


@FUZZ
@given(rows)
def test_loader_and_rfm_summary_on_random_transactions(table):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            client = _load(Path(tmp), table)
        except DataValidationError:
            # Only a header-level problem may stop the load: every row reads as a
            # blank line (e.g. one row of empty strings).
            assert all(not any(cell.strip() for cell in row) for row in table)
            return
        counts = quality(client)
        assert counts["read"] == len(table)
        assert counts["kept"] + excluded_rows(client, "transactions") == counts["read"]
        kept = client.table("transactions").to_pandas()
        assert len(kept) == counts["kept"]
        assert kept["customer_id"].notna().all() and np.isfinite(kept["amount"]).all()
        assert (kept["timestamp"] < AS_OF + pd.Timedelta(days=1)).all()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                summary = clv.rfm_summary(client.table("transactions"), as_of=AS_OF)
        except AnalyticsKitError:
            # No customer with a positive-spend day: a kit error, never a crash.
            daily = kept.groupby(
                [kept["customer_id"], kept["timestamp"].dt.normalize()]
            )["amount"].sum()
            assert not (daily > 0).any()
            return
        _check_summary(summary, kept)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["a", "b", " ", ""]), st.none()),
            st.one_of(
                st.dates(
                    pd.Timestamp("2024-01-01").date(), pd.Timestamp("2024-05-31").date()
                ).map(pd.Timestamp),
                st.none(),
            ),
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True, width=32), st.none()
            ),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_rfm_summary_on_random_frames_counts_every_row(table):
    frame = pd.DataFrame(table, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["amount"] = frame["amount"].astype(float)
    before = frame.copy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            summary = clv.rfm_summary(frame, as_of=AS_OF, time_unit="day")
    except AnalyticsKitError:
        return
    finally:
        pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    ex = summary.attrs["exclusions"]
    assert ex["rows_total"] == len(frame)
    x, recency, T = summary["frequency"], summary["recency"], summary["T"]
    assert pd.api.types.is_integer_dtype(x) and (x >= 0).all()
    assert ((recency >= 0) & (recency <= T)).all()
    assert np.isfinite(summary[["recency", "T"]].to_numpy()).all()


raw_scores = st.lists(
    st.one_of(
        st.integers(-3, 13),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["9", " 10 ", "7.0", "#ERROR!", "", "  ", "n/a", "1e1"]),
        st.none(),
        st.booleans(),
    ),
    max_size=30,
)


@FUZZ
@given(raw_scores)
def test_nps_on_random_raw_scores(values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = metrics.nps(values)
    assert result.n + result.n_invalid + result.n_blank == len(values)
    assert result.promoters + result.passives + result.detractors == result.n
    if result.n == 0:
        assert math.isnan(result.value)
    else:
        assert -100.0 <= result.value <= 100.0
        expected = 100 * (result.promoters - result.detractors) / result.n
        assert result.value == pytest.approx(expected)
