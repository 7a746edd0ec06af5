"""The aggregation engine: one place that knows which Ibis backend runs the work.

Transaction-level work (summaries per customer, cohorts, period counts) is written
as Ibis expressions. This module turns inputs into Ibis tables and results back
into pandas, so another backend (Spark) can be chosen by configuration without
touching the analyses.

Public functions of the kit accept either a pandas DataFrame or an Ibis table and
call :func:`as_table` once, at the boundary. A DataFrame becomes an
``ibis.memtable``, which runs on whichever backend executes the expression: a
table read on that backend, or, for expressions built from DataFrames only, the
backend made current with :func:`use_engine` (DuckDB by default).

Typical use::

    con = connect("spark", master="local[4]")
    with use_engine(con):
        summary = rfm_summary(transactions_df, as_of="2024-06-30")
    big = read_parquet("transactions.parquet", backend=con)  # never in pandas
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.expr.types import Table

from analytics_kit.exceptions import ConfigError, DataValidationError, format_error

__all__ = [
    "ENGINES",
    "Table",
    "as_table",
    "backend_name",
    "connect",
    "current_backend",
    "read_parquet",
    "to_backend",
    "to_pandas",
    "use_engine",
]

#: Engines the configuration may name.
ENGINES = ("duckdb", "spark")

#: Spark settings the kit relies on: UTC session time (timestamps are local
#: wall-clock values and must not be shifted), Arrow for pandas transfers, and no
#: UI or console progress bars (a library never prints).
SPARK_DEFAULTS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def connect(engine: str = "duckdb", **options: Any) -> ibis.BaseBackend:
    """Open a connection to an Ibis backend.

    Parameters
    ----------
    engine : {"duckdb", "spark"}, default="duckdb"
        DuckDB runs in-process and spills to disk; Spark needs the ``spark`` extra
        (``pip install .[spark]``) and Java 17.
    **options
        DuckDB: ``database`` (default in-memory), ``memory_limit`` (e.g. "4GB"),
        ``temp_directory`` (where it spills), ``threads``.
        Spark: ``master`` (default ``local[2]``; a cluster's master URL also
        works), ``session`` (an existing SparkSession, used as is),
        ``shuffle_partitions`` (default 2 x cores for ``local[n]`` masters, Spark's
        default otherwise) and ``config`` (a dict of further Spark settings).

    Returns
    -------
    ibis.BaseBackend
        A live connection.

    Raises
    ------
    ConfigError
        An unknown engine, or Spark without pyspark installed.
    """
    if engine == "duckdb":
        return _connect_duckdb(**options)
    if engine == "spark":
        return _connect_spark(**options)
    msg = format_error(
        "engine", repr(engine), f"one of {list(ENGINES)}", "set engine: duckdb"
    )
    raise ConfigError(msg)


def _connect_duckdb(
    database: str = ":memory:",
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
    threads: int | None = None,
) -> ibis.BaseBackend:
    con = ibis.duckdb.connect(database)
    if memory_limit:
        con.raw_sql(f"SET memory_limit = '{memory_limit}'")
    if temp_directory:
        con.raw_sql(f"SET temp_directory = '{Path(temp_directory)}'")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def _connect_spark(
    master: str = "local[2]",
    session: Any = None,
    shuffle_partitions: int | None = None,
    config: dict[str, str] | None = None,
) -> ibis.BaseBackend:
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
    if session is None:
        settings = dict(SPARK_DEFAULTS)
        if shuffle_partitions is None and master.startswith("local["):
            cores = master[len("local[") : -1]
            shuffle_partitions = 2 * int(cores) if cores.isdigit() else None
        if shuffle_partitions:
            settings["spark.sql.shuffle.partitions"] = str(int(shuffle_partitions))
        settings.update(config or {})
        builder = SparkSession.builder.master(master)
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def backend_name(backend: ibis.BaseBackend) -> str:
    """The kit's name of a backend: "duckdb", "spark" or Ibis' own name."""
    name = str(backend.name)
    return "spark" if name == "pyspark" else name


def current_backend() -> ibis.BaseBackend:
    """The backend that runs expressions built only from DataFrames."""
    return ibis.get_backend()


@contextlib.contextmanager
def use_engine(backend: ibis.BaseBackend | str) -> Iterator[ibis.BaseBackend]:
    """Run expressions built from DataFrames on `backend` inside the block.

    Parameters
    ----------
    backend : ibis.BaseBackend or {"duckdb", "spark"}
        A connection from :func:`connect`, or an engine name (a new connection
        with default options).

    Yields
    ------
    ibis.BaseBackend
        The backend in use; the previous default is restored on exit.

    Notes
    -----
    Ibis keeps one process-wide default backend, so this is not thread-safe:
    do not switch engines from several threads at once. Tables read on a
    backend (:func:`read_parquet`, ``client.table``) always run on it.
    """
    con = connect(backend) if isinstance(backend, str) else backend
    previous = ibis.options.default_backend
    ibis.set_backend(con)
    try:
        yield con
    finally:
        ibis.options.default_backend = previous


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


def read_parquet(path: str | Path, *, backend: ibis.BaseBackend | None = None) -> Table:
    """A Parquet file (or a directory / glob of them) as a table on `backend`.

    Nothing is loaded: DuckDB scans the file lazily (spilling to disk when an
    aggregation exceeds its memory limit), Spark reads it in partitions.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.parquet`` file, a directory of them, or a glob.
    backend : ibis.BaseBackend, optional
        Default: the current backend (see :func:`use_engine`).

    Raises
    ------
    DataValidationError
        When nothing exists at `path`.
    """
    target = Path(path)
    if not (target.exists() or any(target.parent.glob(target.name))):
        msg = format_error(
            "path",
            f"{str(path)!r} does not exist",
            "a Parquet file, a directory of Parquet files, or a glob",
            "check the path (relative paths start at the working directory)",
        )
        raise DataValidationError(msg)
    con = backend if backend is not None else current_backend()
    source = str(target / "*.parquet") if target.is_dir() else str(path)
    if backend_name(con) == "spark":
        source = str(path)  # Spark reads directories itself
    return con.read_parquet(source)


def to_backend(
    table: Table,
    backend: ibis.BaseBackend,
    *,
    directory: str | Path | None = None,
) -> Table:
    """Materialise `table` on another backend, through Parquet (never pandas).

    Used to hand a table read and validated on DuckDB to Spark. The table is
    written by its own backend to `directory` (default: a new temporary
    directory, left for the process's lifetime) and read back by `backend`.

    Returns
    -------
    ibis.Table
        The same rows on `backend`.
    """
    folder = Path(directory or tempfile.mkdtemp(prefix="analytics_kit_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"t_{uuid.uuid4().hex}.parquet"
    table.to_parquet(path)
    return read_parquet(path, backend=backend)


def to_pandas(expr: Table) -> pd.DataFrame:
    """Execute `expr` on its backend and return a pandas DataFrame."""
    return expr.to_pandas()
