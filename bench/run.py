"""Benchmarks of the kit: ``python -m bench.run`` (``make bench``); writes results.md.

Measured in one run, medians of ``--repeats`` repeats unless noted:

* RFM summary from Parquet: the kit (``rfm_summary`` on DuckDB) vs lifetimes'
  ``summary_data_from_transaction_data`` (pandas, file read not timed) vs a bare
  DuckDB ``count(*) GROUP BY customer_id`` over the same file (the floor);
* fit + 12-month CLV for 1M customers: the kit (patterns counted in the engine,
  weighted BG/NBD fit, Gamma-Gamma, scores joined back in the engine) vs
  lifetimes (plain ``fit``, then ``customer_lifetime_value``), same parameters;
* parameter recovery error at each size (compressed fit vs the true values);
* 100M rows from Parquet in a separate process: wall time and peak memory;
* the report batch: 8 demo-sized clients rendered with 1 and 2 jobs.

Options: ``--sizes 10000,1000000,3000000``, ``--repeats 3``, ``--big-rows
100000000`` (0 skips), ``--skip-batch``, ``--merge`` (keep the other sections
of an earlier results.json), ``--data bench/data``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analytics_kit.clv import (
    customer_value_table,
    fit_purchase_model,
    fit_spend_model,
    rfm_patterns,
    rfm_summary,
    rfm_table,
)
from analytics_kit.engine import connect, read_parquet
from bench.generate import AS_OF, TRUTH, generate, generate_rows
from bench.report import write

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    """Median wall time of `repeats` calls, all times, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def quiet(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return fn()

    return run


# ------------------------------------------------------------------ RFM


def bench_rfm(path: Path, repeats: int, lifetimes_repeats: int) -> dict[str, Any]:
    con = connect("duckdb")
    kit, kit_all, summary = timed(
        quiet(lambda: rfm_summary(read_parquet(path, backend=con), as_of=AS_OF)),
        repeats,
    )
    sql = f"SELECT customer_id, count(*) AS n FROM read_parquet('{path}') GROUP BY 1"
    floor, floor_all, _ = timed(lambda: con.con.sql(sql).to_arrow_table(), repeats)
    out = {"kit_s": kit, "kit_all": kit_all, "floor_s": floor, "floor_all": floor_all}
    out["customers"] = len(summary)
    frame = pd.read_parquet(path)
    try:
        from lifetimes.utils import summary_data_from_transaction_data

        def lifetimes_rfm() -> pd.DataFrame:
            return summary_data_from_transaction_data(
                frame,
                "customer_id",
                "timestamp",
                monetary_value_col="amount",
                observation_period_end=AS_OF,
                freq="D",  # days: the kit's occasion definition
            )

        lt, lt_all, lt_summary = timed(quiet(lifetimes_rfm), lifetimes_repeats)
        out.update(lifetimes_s=lt, lifetimes_all=lt_all)
        same = lt_summary["frequency"].reindex(summary.index)
        out["frequency_agrees"] = bool((same == summary["frequency"]).all())
    except Exception as exc:  # lifetimes' data prep has pandas-3 faults
        out["lifetimes_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return out


# ------------------------------------------------------------- fit + CLV


def bench_fit_clv(path: Path, work: Path, repeats: int) -> dict[str, Any]:
    """Both start from the per-customer summary (written once, not timed)."""
    con = connect("duckdb")
    target = work / f"summary_{path.stem}.parquet"
    rfm_table(read_parquet(path, backend=con), as_of=AS_OF).to_parquet(target)

    def kit() -> tuple[Any, pd.DataFrame]:
        table = read_parquet(target, backend=con)
        patterns = rfm_patterns(table, time_unit="week")
        purchase = fit_purchase_model(patterns, weights="n_customers")
        repeat = table.filter(table.frequency > 0)
        spend = fit_spend_model(
            repeat.select("frequency", "monetary_value").to_pandas()
        )
        values = customer_value_table(
            purchase, spend, table, horizon_months=12, annual_discount_rate=0.1
        ).to_pandas()
        return purchase, values

    kit_s, kit_all, (purchase, values) = timed(quiet(kit), repeats)
    frame = pd.read_parquet(target)
    frame["monetary_value"] = frame["monetary_value"].fillna(0.0)

    def lifetimes_fit_clv() -> tuple[Any, pd.Series]:
        from lifetimes import BetaGeoFitter, GammaGammaFitter

        bgf = BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
        rep = frame[frame["frequency"] > 0]
        ggf = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
        clv = ggf.customer_lifetime_value(
            bgf,
            frame["frequency"],
            frame["recency"],
            frame["T"],
            frame["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq="W",
        )
        return bgf, clv

    out: dict[str, Any] = {"kit_s": kit_s, "kit_all": kit_all}
    out["customers"] = len(values)
    try:
        lt_s, lt_all, (bgf, _) = timed(quiet(lifetimes_fit_clv), repeats)
        lt_params = dict(
            zip(("r", "alpha", "a", "b"), bgf.params_.to_numpy(), strict=True)
        )
        out.update(lifetimes_s=lt_s, lifetimes_all=lt_all)
        out["max_param_rel_diff"] = max(
            abs(purchase.params[k] / v - 1.0) for k, v in lt_params.items()
        )
    except Exception as exc:
        out["lifetimes_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return out


# ------------------------------------------------------------- recovery


def recovery(path: Path) -> dict[str, Any]:
    con = connect("duckdb")
    table = rfm_table(read_parquet(path, backend=con), as_of=AS_OF)
    patterns = rfm_patterns(table, time_unit="week")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        purchase = fit_purchase_model(patterns, weights="n_customers")
        repeat = table.filter(table.frequency > 0)
        spend = fit_spend_model(
            repeat.select("frequency", "monetary_value").to_pandas()
        )
    params = {**purchase.params, **spend.params}
    return {
        "customers": int(patterns["n_customers"].sum()),
        "patterns": len(patterns),
        "estimates": params,
        "rel_error": {k: params[k] / TRUTH[k] - 1.0 for k in TRUTH},
    }


# ------------------------------------------------------------- big + batch


def bench_big(path: Path, work: Path, memory_limit: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "bench.big",
        str(path),
        str(work / "big"),
        memory_limit,
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def batch_config(work: Path, copies: int = 8) -> Path:
    source = ROOT / "data" / "clients.yml"
    config = yaml.safe_load(source.read_text())
    base = next(c for c in config["clients"] if c["id"] == "northwind-retail")
    clients = []
    for i in range(1, copies + 1):
        client = json.loads(json.dumps(base))
        client["id"], client["name"] = f"northwind-{i}", f"Northwind copy {i}"
        for table in client["tables"].values():
            table["path"] = str((source.parent / table["path"]).resolve())
        clients.append(client)
    target = work / "batch" / "clients.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump({"clients": clients}, sort_keys=False))
    return target


def bench_batch(work: Path) -> dict[str, Any]:
    from analytics_kit.reporting import run_reports

    config = batch_config(work)
    out: dict[str, Any] = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        runs = run_reports(
            config,
            out_dir=work / "batch" / f"reports_{jobs}",
            jobs=jobs,
            progress=False,
        )
        out[f"jobs_{jobs}_s"] = time.perf_counter() - start
        out[f"jobs_{jobs}_status"] = sorted(
            {str(getattr(r, "status", r)) for r in runs}
        )
    out["speedup"] = out["jobs_1_s"] / out["jobs_2_s"]
    return out


# ------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000,3000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big-rows", type=int, default=100_000_000)
    parser.add_argument("--big-memory-limit", default="3GB")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep results of sections not run this time from results.json",
    )
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results: dict[str, Any] = {"machine": machine(), "sizes": {}}
    previous = args.out.with_suffix(".json")
    if args.merge and previous.exists():  # keep sections this run does not redo
        results = {**json.loads(previous.read_text()), "machine": machine()}
    for n in sizes:
        path = args.data / f"tx_{n}.parquet"
        meta = generate(path, n)
        entry: dict[str, Any] = {"rows": meta["rows"], "customers": n}
        entry["rfm"] = bench_rfm(path, args.repeats, args.repeats)
        entry["recovery"] = recovery(path)
        if n == 1_000_000:
            entry["fit_clv"] = bench_fit_clv(path, args.data, args.repeats)
        results["sizes"][str(n)] = entry
        write(results, args.out)
    if args.big_rows:
        path = args.data / "tx_100m.parquet"
        meta = generate_rows(path, args.big_rows)
        results["big"] = {"rows": meta["rows"], "customers": meta["customers"]}
        results["big"].update(bench_big(path, args.data, args.big_memory_limit))
        results["big"]["memory_limit"] = args.big_memory_limit
        write(results, args.out)
    if not args.skip_batch:
        results["batch"] = bench_batch(args.data)
    results["machine"]["load_after"] = list(os.getloadavg())
    write(results, args.out)


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_before": list(os.getloadavg()),
        "date": time.strftime("%Y-%m-%d"),
    }


if __name__ == "__main__":
    main()
