"""The aggregation engine: one place that knows which Ibis backend runs the work.

Transaction-level work (summaries per customer, cohorts, period counts) is written
as Ibis expressions. This module turns inputs into Ibis tables and results back
into pandas, so another backend (Spark) can be chosen by configuration without
touching the analyses.

Public functions of the kit accept either a pandas DataFrame or an Ibis table and
call :func:`as_table` once, at the boundary.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd
from ibis.expr.types import Table

from analytics_kit.exceptions import ConfigError, format_error

__all__ = ["ENGINES", "Table", "as_table", "connect", "to_pandas"]

#: Engines the configuration may name.
ENGINES = ("duckdb", "spark")


def connect(engine: str = "duckdb", **options: Any) -> ibis.BaseBackend:
    """Open a connection to an Ibis backend.

    Parameters
    ----------
    engine : {"duckdb", "spark"}, default="duckdb"
        DuckDB runs in-process and spills to disk; Spark needs the ``spark`` extra
        (``pip install .[spark]``) and Java 17.
    **options
        For DuckDB: ``database`` (default in-memory), ``memory_limit`` (e.g. "4GB").
        For Spark: ``master`` (default ``local[2]``).

    Returns
    -------
    ibis.BaseBackend
        A live connection.
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect(options.pop("database", ":memory:"))
        limit = options.pop("memory_limit", None)
        if limit:
            con.raw_sql(f"SET memory_limit = '{limit}'")
        return con
    if engine == "spark":
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            msg = format_error(
                "engine='spark'",
                "pyspark is not installed",
                "engine 'duckdb', or 'spark' with the spark extra installed",
                "run: pip install '.[spark]' (Java 17 must be on the PATH)",
            )
            raise ConfigError(msg) from exc
        master = options.pop("master", "local[2]")
        session = (
            SparkSession.builder.master(master)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        return ibis.pyspark.connect(session)
    msg = format_error(
        "engine", repr(engine), f"one of {list(ENGINES)}", "set engine: duckdb"
    )
    raise ConfigError(msg)


def as_table(data: pd.DataFrame | Table) -> Table:
    """Return `data` as an Ibis table; a pandas DataFrame becomes an in-memory table.

    The caller's DataFrame is never modified.
    """
    if isinstance(data, Table):
        return data
    if isinstance(data, pd.DataFrame):
        return ibis.memtable(data.copy())
    msg = format_error(
        "data",
        f"an object of type {type(data).__name__}",
        "a pandas DataFrame or an Ibis table",
        "pass client.table('transactions') or a DataFrame",
    )
    raise TypeError(msg)


def to_pandas(expr: Table) -> pd.DataFrame:
    """Execute `expr` on its backend and return a pandas DataFrame."""
    return expr.to_pandas()
