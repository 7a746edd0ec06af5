"""``engine: spark`` in the client configuration: read on DuckDB, run on Spark.

The files are read, parsed and validated by DuckDB exactly as for a DuckDB
client; the kept tables are then handed to Spark through Parquet. The purchase
summary of the Spark client must equal the DuckDB client's to 1e-9.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

import analytics_kit as ak
from analytics_kit.clv import rfm_summary
from analytics_kit.engine import backend_name
from tests.engine.conftest import AS_OF, CALIBRATION_END

pytestmark = pytest.mark.spark


def _config(folder, engine: str, client_data) -> str:
    """A one-client configuration over CSV files of the simulated client."""
    tx = client_data.transactions.copy()
    tx["timestamp"] = tx["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")
    # two rows the reader must set aside: a missing id ("NA") and a late row
    extra = pd.DataFrame(
        {
            "customer_id": ["NA", tx["customer_id"].iloc[0]],
            "timestamp": ["2023-01-05 10:00:00", "2024-02-01 10:00:00"],
            "amount": [10.0, 20.0],
        }
    )
    pd.concat([tx[["customer_id", "timestamp", "amount"]], extra]).to_csv(
        folder / "tx.csv", index=False
    )
    client_data.customers.to_csv(folder / "customers.csv", index=False)
    path = folder / f"{engine}.yml"
    spark = "    spark_master: local[2]\n" if engine == "spark" else ""
    path.write_text(
        "clients:\n  - id: sim\n    name: Sim\n"
        f"    as_of: '{AS_OF}'\n    timezone: UTC\n    engine: {engine}\n{spark}"
        "    tables:\n"
        "      transactions: {path: tx.csv}\n"
        "      customers: {path: customers.csv}\n"
    )
    return str(path)


@pytest.fixture
def spark_settings(spark_backend):
    """Restore the shared session's shuffle partitions: connect() may change them
    on the reused session."""
    conf = spark_backend._session.conf
    before = conf.get("spark.sql.shuffle.partitions")
    yield spark_backend
    conf.set("spark.sql.shuffle.partitions", before)


def test_spark_client_matches_the_duckdb_client(
    tmp_path, client_data, spark_settings: ibis.BaseBackend
) -> None:
    on_duckdb = ak.load_client("sim", config=_config(tmp_path, "duckdb", client_data))
    on_spark = ak.load_client("sim", config=_config(tmp_path, "spark", client_data))

    assert backend_name(on_spark.con) == "spark"
    # the session of the run is reused, not a second one
    assert on_spark.con._session is spark_settings._session
    for name in ("transactions", "customers"):
        table = on_spark.table(name)
        assert backend_name(table._find_backend()) == "spark"
        assert table.count().to_pyarrow().as_py() == on_duckdb.tables[name].rows_kept
    # the exclusions are the reader's (DuckDB), the same for both clients
    pd.testing.assert_frame_equal(on_spark.data_quality(), on_duckdb.data_quality())
    reasons = set(on_spark.data_quality()["reason"])
    assert {"missing customer id", "after as_of"} <= reasons

    kwargs = {"as_of": AS_OF, "calibration_end": CALIBRATION_END}
    ref = rfm_summary(on_duckdb.table("transactions"), **kwargs)
    got = rfm_summary(on_spark.table("transactions"), **kwargs)
    assert got.index.equals(ref.index)
    assert len(ref) > 200  # not a trivial comparison: 400 simulated customers
    assert (got["frequency"] == ref["frequency"]).all()
    assert (got["frequency_holdout"] == ref["frequency_holdout"]).all()
    for col in ["recency", "T", "monetary_value", "monetary_value_holdout"]:
        np.testing.assert_allclose(got[col], ref[col], rtol=0, atol=1e-9)
    assert got.attrs == ref.attrs
