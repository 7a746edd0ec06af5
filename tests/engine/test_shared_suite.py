"""The engine-level suite, run on DuckDB and on Spark (local[2]) with one code path.

Each aggregation is checked against hand-computed values on a tiny table, and
on a 400-customer simulated client against the DuckDB result: frequency,
recency, T and monetary value to 1e-9, the same cohort matrix, the same period
counts, CAC / engagement aggregations and the churn model's point-in-time features
and labels. Inputs are pandas DataFrames (run as
``ibis.memtable`` on the current engine) and Parquet files read on the engine.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from analytics_kit.churn import point_in_time_features, transaction_churn_labels
from analytics_kit.clv import (
    customer_value,
    customer_value_table,
    fit_purchase_model,
    fit_spend_model,
    rfm_patterns,
    rfm_summary,
    rfm_table,
)
from analytics_kit.clv.rfm import repeat_occasions_by_day
from analytics_kit.engine import backend_name, read_parquet, to_backend, use_engine
from analytics_kit.exceptions import DataQualityWarning
from analytics_kit.metrics import cac_by, cohort_retention, engagement_by
from analytics_kit.overview import monthly_active_customers
from tests.engine.conftest import AS_OF, CALIBRATION_END

RFM_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def _hand_transactions() -> pd.DataFrame:
    """Three customers; noon timestamps so no day boundary is near."""
    rows = [
        ("A", "2023-01-02 12:00", 10.0),
        ("A", "2023-01-02 13:00", 5.0),  # same day: one occasion of 15
        ("A", "2023-01-16 12:00", 20.0),
        ("A", "2023-02-13 12:00", 30.0),
        ("B", "2023-02-01 12:00", 8.0),
        ("C", "2023-01-10 12:00", 12.0),
        ("C", "2023-01-20 12:00", -12.0),  # a refund day: not an occasion
        ("C", "2023-03-05 12:00", 9.0),  # after as_of
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


@pytest.fixture(scope="module")
def reference(client_data) -> dict[str, object]:
    """Results on a separate DuckDB connection, the yardstick for every engine."""
    with use_engine("duckdb"):
        return _aggregations(client_data)


def _aggregations(data) -> dict[str, object]:
    tx = data.transactions
    return {
        "rfm": rfm_summary(tx, as_of=AS_OF, calibration_end=CALIBRATION_END),
        "cohorts": cohort_retention(tx, as_of=AS_OF),
        "acquired_cohorts": cohort_retention(
            tx, as_of=AS_OF, customers=data.customers, value="revenue"
        ),
        "monthly": monthly_active_customers(tx, as_of=AS_OF),
        "repeat_by_day": repeat_occasions_by_day(
            tx, as_of=AS_OF, calibration_end=CALIBRATION_END
        ),
        "cac": cac_by(
            data.marketing_spend,
            data.customers,
            by=["period", "channel"],
            start="2022-01-01",
            end="2024-01-01",
        ),
        "engagement": engagement_by(data.engagement, by=["channel", "period"]),
        "features": point_in_time_features(
            tx, cutoff=CALIBRATION_END, customers=data.customers
        )
        .sort_values("customer_id")
        .reset_index(drop=True),
        "labels": transaction_churn_labels(
            tx, cutoff=CALIBRATION_END, as_of=AS_OF, window_days=90
        )
        .labels.sort_values("customer_id")
        .reset_index(drop=True),
    }


def _same_matrix(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Same cohorts, periods and cells; the datetime unit of the index may differ
    (Spark returns nanoseconds, DuckDB microseconds)."""
    assert got.index.tolist() == expected.index.tolist()
    pd.testing.assert_frame_equal(got, expected, atol=1e-12, check_index_type=False)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)


# --------------------------------------------------------------- hand values


def test_rfm_summary_hand_values(engine: ibis.BaseBackend) -> None:
    out = rfm_summary(_hand_transactions(), as_of="2023-03-01")
    # A: occasions Jan 2 (15), Jan 16 (20), Feb 13 (30): x = 2,
    #    t_x = 42 days = 6 weeks, T = 58 days = 58/7 weeks, m = (20 + 30) / 2 = 25.
    # B: one occasion Feb 1: x = 0, t_x = 0, T = 28 days = 4 weeks, m undefined.
    # C: Jan 10 (12); Jan 20 is a refund day, Mar 5 is after as_of: x = 0,
    #    T = 50 days = 50/7 weeks.
    assert out.index.tolist() == ["A", "B", "C"]
    assert out["frequency"].tolist() == [2, 0, 0]
    np.testing.assert_allclose(out["recency"], [6.0, 0.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["T"], [58 / 7, 4.0, 50 / 7], rtol=0, atol=1e-12)
    assert out.loc["A", "monetary_value"] == pytest.approx(25.0, abs=1e-12)
    assert out[["monetary_value"]].iloc[1:].isna().all().all()
    ex = out.attrs["exclusions"]
    assert ex["rows_after_as_of"] == 1
    assert ex["customer_days_negative_spend"] == 1
    examples = out.attrs["exclusion_examples"]
    assert examples["rows_after_as_of"] == [
        "customer_id=C, timestamp=2023-03-05 12:00:00, amount=9.0"
    ]
    assert examples["customer_days_negative_spend"] == ["C on 2023-01-20 (net -12.00)"]


def test_rfm_exclusion_examples_hand_values(engine: ibis.BaseBackend) -> None:
    # Row-level examples are a top-3 per reason in the engine (nulls last);
    # customer examples the smallest ids. Same text on every engine.
    frame = _hand_transactions()
    extra = pd.DataFrame(
        {
            "customer_id": [None, None, None, None, "D", "E", "F"],
            "timestamp": pd.to_datetime(
                [
                    None,
                    "2023-01-05",
                    "2023-01-04",
                    "2023-01-06",
                    None,
                    "2023-01-03",
                    "2023-01-03",
                ]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 0.0],
        }
    )
    tx = pd.concat([frame, extra], ignore_index=True)
    with pytest.warns(DataQualityWarning, match="rows_missing_customer_id=4"):
        out = rfm_summary(tx, as_of="2023-01-31", calibration_end="2023-01-12")
    examples = out.attrs["exclusion_examples"]
    assert examples["rows_missing_customer_id"] == [
        "customer_id=<missing>, timestamp=2023-01-04, amount=3.0",
        "customer_id=<missing>, timestamp=2023-01-05, amount=2.0",
        "customer_id=<missing>, timestamp=2023-01-06, amount=4.0",
    ]
    assert examples["rows_missing_date"] == [
        "customer_id=D, timestamp=<missing>, amount=5.0"
    ]
    assert examples["rows_missing_amount"] == [
        "customer_id=E, timestamp=2023-01-03, amount=<missing>"
    ]
    # A first buys Jan 2, C Jan 10 (calibration ends Jan 12); B (Feb 1) is after
    # as_of here, F only has a zero day.
    assert examples["customer_days_zero_spend"] == ["F on 2023-01-03"]
    assert examples["customers_without_occasion"] == ["F"]
    assert examples["rows_after_as_of"] == [
        "customer_id=A, timestamp=2023-02-13 12:00:00, amount=30.0",
        "customer_id=B, timestamp=2023-02-01 12:00:00, amount=8.0",
        "customer_id=C, timestamp=2023-03-05 12:00:00, amount=9.0",
    ]
    assert examples["customers_first_seen_in_holdout"] == []


def test_cohort_matrix_hand_values(engine: ibis.BaseBackend) -> None:
    out = cohort_retention(_hand_transactions(), as_of="2023-03-01")
    # January cohort {A, C}: both active in Jan, A in Feb, none in Mar (observed).
    # February cohort {B}: active Feb, not in Mar; its period 2 (Apr) unobserved.
    expected = np.array([[1.0, 0.5, 0.0], [1.0, 0.0, np.nan]])
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=0, atol=1e-12)
    assert list(out.index) == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")]


# --------------------------------------------------- engine vs DuckDB yardstick


def test_shared_aggregations_match_duckdb(
    engine: ibis.BaseBackend, client_data, reference
) -> None:
    got = _aggregations(client_data)
    rfm, ref = got["rfm"], reference["rfm"]
    assert rfm.index.equals(ref.index)
    assert (rfm["frequency"] == ref["frequency"]).all()
    assert (rfm["frequency_holdout"] == ref["frequency_holdout"]).all()
    for col in [*RFM_COLUMNS, "monetary_value_holdout", "duration_holdout"]:
        np.testing.assert_allclose(rfm[col], ref[col], rtol=0, atol=1e-9)
    assert rfm.attrs == ref.attrs
    for name in ("cohorts", "acquired_cohorts"):
        _same_matrix(got[name], reference[name])
    for name in ("monthly", "repeat_by_day"):
        pd.testing.assert_frame_equal(got[name], reference[name], check_dtype=False)
    for name in ("cac", "engagement"):
        pd.testing.assert_frame_equal(
            _sorted(got[name]), _sorted(reference[name]), check_dtype=False
        )
    for name in ("features", "labels"):  # churn drivers' inputs
        pd.testing.assert_frame_equal(
            got[name], reference[name], check_dtype=False, atol=1e-9, rtol=0
        )


def test_parquet_tables_on_the_engine(
    engine: ibis.BaseBackend, client_data, reference, tmp_path
) -> None:
    path = tmp_path / "transactions.parquet"
    # Spark 4 cannot read nanosecond Parquet timestamps (pandas' default unit)
    client_data.transactions.to_parquet(path, coerce_timestamps="us")
    table = read_parquet(path, backend=engine)
    assert backend_name(table._find_backend()) == backend_name(engine)
    out = rfm_summary(table, as_of=AS_OF, calibration_end=CALIBRATION_END)
    for col in RFM_COLUMNS:
        np.testing.assert_allclose(out[col], reference["rfm"][col], rtol=0, atol=1e-9)
    _same_matrix(cohort_retention(table, as_of=AS_OF), reference["cohorts"])


def test_rfm_table_and_patterns_match_summary(
    engine: ibis.BaseBackend, client_data, reference
) -> None:
    tx = client_data.transactions
    table = rfm_table(tx, as_of=AS_OF, calibration_end=CALIBRATION_END)
    frame = table.to_pandas().set_index("customer_id").sort_index()
    ref = reference["rfm"]
    assert frame.index.equals(ref.index)
    for col in [*RFM_COLUMNS, "frequency_holdout", "monetary_value_holdout"]:
        np.testing.assert_allclose(frame[col], ref[col], rtol=0, atol=1e-9)
    patterns = rfm_patterns(table, time_unit="week")
    assert patterns["n_customers"].sum() == len(ref)
    counted = ref.groupby(["frequency", "recency", "T"]).size()
    keyed = patterns.set_index(["frequency", "recency", "T"])["n_customers"]
    assert keyed.sort_index().tolist() == counted.sort_index().tolist()


@pytest.mark.filterwarnings("ignore::analytics_kit.exceptions.DataQualityWarning")
def test_clv_joined_back_in_the_engine(
    engine: ibis.BaseBackend, client_data, reference
) -> None:
    ref = reference["rfm"]
    purchase = fit_purchase_model(ref)
    spend = fit_spend_model(ref)
    expected = customer_value(
        purchase, spend, ref, horizon_months=12, annual_discount_rate=0.1
    )
    table = rfm_table(
        client_data.transactions, as_of=AS_OF, calibration_end=CALIBRATION_END
    )
    scored = customer_value_table(
        purchase, spend, table, horizon_months=12, annual_discount_rate=0.1
    )
    got = scored.to_pandas().set_index("customer_id").sort_index()
    for col in expected.columns:
        np.testing.assert_allclose(got[col], expected[col], rtol=1e-12, atol=1e-12)


def test_table_moves_from_duckdb_to_the_engine(
    engine: ibis.BaseBackend, duckdb_backend, client_data, tmp_path
) -> None:
    name = f"tx_source_{backend_name(engine)}"
    source = duckdb_backend.create_table(name, ibis.memtable(client_data.transactions))
    moved = to_backend(source, engine, directory=tmp_path)
    assert backend_name(moved._find_backend()) == backend_name(engine)
    assert moved.count().to_pyarrow().as_py() == len(client_data.transactions)
