"""Engine fixtures: one DuckDB connection and one local Spark session per run.

The Spark session (``local[2]``, UTC session time, few shuffle partitions, a
quick-start JIT) is started once for the whole test session; tests that need
it are marked ``spark`` and are skipped when pyspark or Java is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator

import ibis
import pytest

from analytics_kit.datasets import simulate_client
from analytics_kit.engine import connect, use_engine

ENGINE_PARAMS = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]

#: Simulated demo-like client, small enough for Spark in local mode.
AS_OF = "2023-12-31"
CALIBRATION_END = "2023-06-30"


@pytest.fixture(scope="session")
def spark_backend() -> Iterator[ibis.BaseBackend]:
    # CI sets ANALYTICS_KIT_REQUIRE_SPARK=1: there a missing Spark is a failure.
    required = os.environ.get("ANALYTICS_KIT_REQUIRE_SPARK") == "1"
    missing = None
    if importlib.util.find_spec("pyspark") is None:
        missing = "pyspark is not installed (pip install '.[spark]')"
    elif shutil.which("java") is None:
        missing = "Java is not on the PATH"
    if missing:
        (pytest.fail if required else pytest.skip)(missing)
    con = connect(
        "spark",
        master="local[2]",
        shuffle_partitions=2,
        config={
            # a quick JVM start matters more than peak speed on test-sized data
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    yield con
    con._session.stop()


@pytest.fixture(scope="session")
def duckdb_backend() -> ibis.BaseBackend:
    return connect("duckdb")


@pytest.fixture(params=ENGINE_PARAMS)
def engine(request: pytest.FixtureRequest) -> Iterator[ibis.BaseBackend]:
    """Each engine in turn, made current for DataFrame inputs."""
    con = request.getfixturevalue(f"{request.param}_backend")
    with use_engine(con):
        yield con


@pytest.fixture(scope="session")
def client_data():
    """Every table of a 400-customer simulated client (seeded)."""
    return simulate_client(n_customers=400, seed=11, as_of=AS_OF)
