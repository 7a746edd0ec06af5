"""Backend selection and table hand-over (DuckDB only; fast)."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from analytics_kit.engine import (
    as_table,
    backend_name,
    connect,
    current_backend,
    read_parquet,
    use_engine,
)
from analytics_kit.exceptions import ConfigError, DataValidationError


def test_unknown_engine_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="one of"):
        connect("postgres")


def test_use_engine_switches_and_restores_the_default() -> None:
    before = ibis.options.default_backend
    con = connect("duckdb", memory_limit="1GB", threads=1)
    with use_engine(con) as active:
        assert active is con
        assert current_backend() is con
        # a DataFrame-only expression runs on the backend in use
        total = as_table(pd.DataFrame({"v": [1.0, 2.5]})).v.sum()
        assert total.to_pyarrow().as_py() == 3.5
        limit = con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit.replace(" ", "").upper() in {"1.0GB", "953.6MIB", "1GB"}
    assert ibis.options.default_backend is before


def test_use_engine_restores_after_an_error() -> None:
    before = ibis.options.default_backend
    with pytest.raises(RuntimeError), use_engine("duckdb"):
        raise RuntimeError("boom")
    assert ibis.options.default_backend is before


def test_read_parquet_reads_files_and_folders(tmp_path) -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [1.0, 2.0, 3.0]})
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.iloc[:2].to_parquet(folder / "p0.parquet")
    frame.iloc[2:].to_parquet(folder / "p1.parquet")
    con = connect("duckdb")
    assert backend_name(con) == "duckdb"
    one = read_parquet(folder / "p0.parquet", backend=con)
    both = read_parquet(folder, backend=con)
    assert one.count().to_pyarrow().as_py() == 2
    assert both.amount.sum().to_pyarrow().as_py() == 6.0


def test_read_parquet_names_a_missing_path(tmp_path) -> None:
    with pytest.raises(DataValidationError, match="does not exist"):
        read_parquet(tmp_path / "nope.parquet", backend=connect("duckdb"))


def test_as_table_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="pandas DataFrame or an Ibis table"):
        as_table([1, 2, 3])
