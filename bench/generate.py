"""Seeded BG/NBD + Gamma-Gamma transaction files for the benchmarks, as Parquet.

Customers are simulated in chunks with
:func:`analytics_kit.datasets.simulate_bgnbd_transactions` (one seed per chunk)
and appended to one Parquet file with pyarrow, so even 100M rows never sit in
pandas at once. Customer ids get a chunk prefix to stay unique.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from analytics_kit.datasets import simulate_bgnbd_transactions

#: True parameters: BG/NBD per week and Gamma-Gamma (the simulator's defaults).
TRUTH = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "gamma": 15.0}
START, AS_OF = "2022-01-01", "2023-12-31"
CHUNK_CUSTOMERS = 1_000_000

SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("timestamp", pa.timestamp("us")),
        ("amount", pa.float64()),
    ]
)


def generate(path: Path, n_customers: int, *, seed: int = 2024) -> dict:
    """Write `n_customers` customers' transactions to `path`; reuse a matching file.

    Returns the file's metadata: customers, rows, seed, truth.
    """
    meta_path = path.with_suffix(".json")
    wanted = {"customers": n_customers, "seed": seed, "truth": TRUTH}
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            return meta
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with pq.ParquetWriter(path, SCHEMA, compression="zstd") as writer:
        for chunk, first in enumerate(range(0, n_customers, CHUNK_CUSTOMERS)):
            size = min(CHUNK_CUSTOMERS, n_customers - first)
            frame = simulate_bgnbd_transactions(
                size, **TRUTH, start=START, end=AS_OF, seed=seed + chunk
            )
            frame["customer_id"] = f"K{chunk:03d}" + frame["customer_id"]
            table = pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False)
            writer.write_table(table, row_group_size=1_000_000)
            rows += len(frame)
            del frame, table
    meta = {**wanted, "rows": rows}
    meta_path.write_text(json.dumps(meta))
    return meta


def generate_rows(path: Path, n_rows: int, *, seed: int = 7000) -> dict:
    """Write chunks of customers until about `n_rows` rows (for the 100M case)."""
    meta_path = path.with_suffix(".json")
    wanted = {"target_rows": n_rows, "seed": seed, "truth": TRUTH}
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            return meta
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = customers = chunk = 0
    with pq.ParquetWriter(path, SCHEMA, compression="zstd") as writer:
        while rows < n_rows:
            frame = simulate_bgnbd_transactions(
                CHUNK_CUSTOMERS, **TRUTH, start=START, end=AS_OF, seed=seed + chunk
            )
            frame["customer_id"] = f"K{chunk:03d}" + frame["customer_id"]
            writer.write_table(
                pa.Table.from_pandas(frame, schema=SCHEMA, preserve_index=False),
                row_group_size=1_000_000,
            )
            rows += len(frame)
            customers += CHUNK_CUSTOMERS
            chunk += 1
            del frame
    meta = {**wanted, "rows": rows, "customers": customers}
    meta_path.write_text(json.dumps(meta))
    return meta
