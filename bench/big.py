"""The 100M-row case in its own process, so its peak memory can be measured.

``python -m bench.big PATH OUT_DIR MEMORY_LIMIT`` summarises PATH per customer on
DuckDB (written to OUT_DIR/summary.parquet, never in pandas), compresses the
summary to (frequency, recency, T) patterns, fits BG/NBD on them, and prints one
JSON line: wall times per step, peak resident memory, counts and parameters.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from analytics_kit.clv import fit_purchase_model, rfm_patterns, rfm_table
from analytics_kit.engine import connect, read_parquet
from bench.generate import AS_OF


def main(path: str, out_dir: str, memory_limit: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = connect(
        "duckdb", memory_limit=memory_limit, temp_directory=out / "spill", threads=2
    )
    started = time.perf_counter()
    summary = rfm_table(read_parquet(path, backend=con), as_of=AS_OF)
    target = out / "summary.parquet"
    summary.to_parquet(target)
    t_summary = time.perf_counter() - started
    patterns = rfm_patterns(read_parquet(target, backend=con), time_unit="week")
    t_patterns = time.perf_counter() - started - t_summary
    fit = fit_purchase_model(patterns, weights="n_customers")
    t_total = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "summary_s": t_summary,
                "patterns_s": t_patterns,
                "fit_s": t_total - t_summary - t_patterns,
                "total_s": t_total,
                "peak_rss_gb": peak_kb / 1024**2,
                "customers": int(patterns["n_customers"].sum()),
                "patterns": len(patterns),
                "params": fit.params,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
