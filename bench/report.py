"""Render the benchmark results as bench/results.md (and results.json beside it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TARGETS = {
    "rfm_vs_lifetimes": 10.0,  # kit at least 10x faster at 10.5M rows
    "rfm_vs_floor": 2.0,  # kit at most 2x the bare group-by
    "fit_clv_vs_lifetimes": 10.0,
    "big_memory_gb": 4.0,
    "batch_speedup": 1.8,
}


def _s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write(results: dict[str, Any], path: Path) -> None:
    path.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench.run` on {m['date']}: {m['cores']} cores, "
        f"{m['platform']}, Python {m['python']}. Load average before the run: "
        f"{', '.join(f'{x:.1f}' for x in m['load_before'])}"
        + (
            f"; after: {', '.join(f'{x:.1f}' for x in m['load_after'])}."
            if "load_after" in m
            else "."
        ),
        "Times are medians of the repeats listed (wall clock). Data: seeded BG/NBD "
        "(r=0.25, alpha=4, a=0.8, b=2.5 per week) + Gamma-Gamma (p=6, q=4, "
        "gamma=15) customers, 2022-01-01 to 2023-12-31, as Parquet "
        "(`bench/generate.py`).",
        "",
        "## RFM summary from Parquet",
        "",
        "| customers | rows | kit | lifetimes | bare DuckDB group-by | kit vs lifetimes "
        "| kit / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, entry in results["sizes"].items():
        rfm = entry["rfm"]
        lt = rfm.get("lifetimes_s")
        speed = f"{lt / rfm['kit_s']:.1f}x faster" if lt else rfm.get("lifetimes_error")
        lines.append(
            f"| {int(n):,} | {entry['rows']:,} | {_s(rfm['kit_s'])} | {_s(lt)} | "
            f"{_s(rfm['floor_s'])} | {speed} | {rfm['kit_s'] / rfm['floor_s']:.2f}x |"
        )
    lines += ["", "Repeats (seconds):", ""]
    for n, entry in results["sizes"].items():
        rfm = entry["rfm"]
        lines.append(
            f"- {int(n):,}: kit {_fmt(rfm['kit_all'])}; lifetimes "
            f"{_fmt(rfm.get('lifetimes_all', []))}; floor {_fmt(rfm['floor_all'])}"
            + ("" if rfm.get("frequency_agrees", True) else " (frequencies DIFFER)")
        )
    lines += _fit_clv(results) + _recovery(results) + _big(results) + _batch(results)
    lines += _targets(results) + NOTES
    path.write_text("\n".join(lines) + "\n")


NOTES = [
    "",
    "## Why targets are missed (as measured on this machine)",
    "",
    "- The machine was shared: other processes kept the load average at 3-4 on "
    "2 cores during the run (see the load figures above), which slows every "
    "timing and especially the 2-job batch (two report processes compete with "
    "the other load for 2 cores).",
    "- RFM vs the bare group-by: the kit's summary is not one group-by. Purchase "
    "occasions are customer-days with positive net spend, so rows are first netted "
    "per (customer, day), then aggregated per customer with ten conditional "
    "aggregates (first-occasion spend, holdout counts, zero/negative days); a "
    "second, cheaper scan counts rows by exclusion reason; the result (one row per "
    "customer) is converted to a sorted pandas frame. `count(*) GROUP BY "
    "customer_id` does none of this, so 2x is out of reach without dropping the "
    "day-level netting or the exclusion accounting. `rfm_table` (no exclusion "
    "scan, no pandas) is the faster path for large bases.",
    "- RFM vs lifetimes: lifetimes with `freq='D'` is a few pandas group-bys; at "
    "10M rows the kit is 2-3x faster, not 10x, for the reasons above.",
    "- Fit + CLV vs lifetimes: with recency and T in whole days a 1M-customer "
    "base still has ~280k distinct (frequency, recency, T) patterns (28 %), so "
    "compression saves 3.5x rows, not 100x; the kit also does more per fit "
    "(retry-ladder checks, a gradient check and a numerical Hessian for standard "
    "errors, a Gamma-Gamma fit with standard errors) and its discounted-purchase "
    "quadrature (32 x 64 nodes per pattern) is costlier than lifetimes' 12 "
    "monthly predictions. Parameters agree with lifetimes to 5e-14.",
    "- Recovery: alpha comes out about 5 % high at every large size (1M, 3M, "
    "31M customers), so it is a bias, not noise. A likely cause, not yet checked: "
    "the simulator draws purchases in continuous time while the kit counts "
    "calendar days, so several purchases by a fast buyer on one day count as one "
    "occasion, which thins the heavy tail of the purchase rates.",
    "- The 100M-row case meets the memory target (DuckDB memory_limit 3GB, "
    "spilling to disk).",
]


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) or "n/a"


def _fit_clv(results: dict[str, Any]) -> list[str]:
    entry = next((e for e in results["sizes"].values() if "fit_clv" in e), None)
    if entry is None:
        return []
    f = entry["fit_clv"]
    lt = f.get("lifetimes_s")
    lines = [
        "",
        f"## Fit + 12-month CLV, {f['customers']:,} customers",
        "",
        "Both start from the per-customer summary. Kit: (frequency, recency, T) "
        "patterns counted in DuckDB, BG/NBD fitted on them with counts as weights, "
        "Gamma-Gamma on repeat buyers, CLV scored once per pattern (closed-form "
        "quadrature, continuous 10 %/year discounting) and joined back in DuckDB. "
        "lifetimes: `BetaGeoFitter().fit`, `GammaGammaFitter().fit`, "
        "`customer_lifetime_value(time=12, discount_rate=0.01, freq='W')` "
        "(one full prediction per month).",
        "",
        f"- kit: {_s(f['kit_s'])} (repeats {_fmt(f['kit_all'])})",
        f"- lifetimes: {_s(lt)} (repeats {_fmt(f.get('lifetimes_all', []))})"
        + (f" error: {f['lifetimes_error']}" if "lifetimes_error" in f else ""),
    ]
    if lt:
        lines.append(f"- speed-up: {lt / f['kit_s']:.1f}x")
        lines.append(
            "- largest relative difference of the BG/NBD parameters, kit vs "
            f"lifetimes: {f['max_param_rel_diff']:.1e}"
        )
    return lines


def _recovery(results: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Parameter recovery (relative error of the estimates)",
        "",
        "| customers | patterns | r | alpha | a | b | p | q | gamma |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, entry in results["sizes"].items():
        rec = entry["recovery"]
        errs = " | ".join(f"{rec['rel_error'][k]:+.3f}" for k in rec["rel_error"])
        lines.append(f"| {int(n):,} | {rec['patterns']:,} | {errs} |")
    return lines


def _big(results: dict[str, Any]) -> list[str]:
    big = results.get("big")
    if not big:
        return []
    if "error" in big:
        return ["", "## 100M rows", "", f"Failed: {big['error']}"]
    return [
        "",
        f"## {big['rows']:,} rows from Parquet",
        "",
        f"{big['customers']:,} customers; DuckDB memory_limit {big['memory_limit']}, "
        "2 threads, spilling to disk; separate process. Per-customer summary "
        "streamed to Parquet (never in pandas), then patterns and the weighted fit.",
        "",
        f"- summary to Parquet: {_s(big['summary_s'])}",
        f"- patterns ({big['patterns']:,}): {_s(big['patterns_s'])}",
        f"- weighted BG/NBD fit: {_s(big['fit_s'])}",
        f"- total wall time: {_s(big['total_s'])}",
        f"- peak resident memory: {big['peak_rss_gb']:.2f} GB",
        f"- estimates: {', '.join(f'{k}={v:.4f}' for k, v in big['params'].items())}",
    ]


def _batch(results: dict[str, Any]) -> list[str]:
    b = results.get("batch")
    if not b:
        return []
    return [
        "",
        "## Report batch: 8 copies of northwind-retail (one run each)",
        "",
        f"- 1 job: {_s(b['jobs_1_s'])} ({', '.join(b['jobs_1_status'])})",
        f"- 2 jobs: {_s(b['jobs_2_s'])} ({', '.join(b['jobs_2_status'])})",
        f"- speed-up: {b['speedup']:.2f}x",
    ]


def _targets(results: dict[str, Any]) -> list[str]:
    lines = ["", "## Targets", ""]
    sizes = results["sizes"]
    if sizes:
        n = max(sizes, key=int)
        rfm = sizes[n]["rfm"]
        rows = sizes[n]["rows"]
        if rfm.get("lifetimes_s"):
            ratio = rfm["lifetimes_s"] / rfm["kit_s"]
            lines.append(
                f"- RFM at {rows:,} rows, >= 10x faster than lifetimes: "
                f"{ratio:.1f}x, {_verdict(ratio >= 10)}"
            )
        ratio = rfm["kit_s"] / rfm["floor_s"]
        lines.append(
            f"- RFM at {rows:,} rows, <= 2x the bare group-by: {ratio:.2f}x, "
            f"{_verdict(ratio <= 2)}"
        )
    fit = next((e["fit_clv"] for e in sizes.values() if "fit_clv" in e), None)
    if fit and fit.get("lifetimes_s"):
        ratio = fit["lifetimes_s"] / fit["kit_s"]
        lines.append(
            f"- fit + CLV, >= 10x faster than lifetimes with the same parameters: "
            f"{ratio:.1f}x, parameters within {fit['max_param_rel_diff']:.1e}, "
            f"{_verdict(ratio >= 10 and fit['max_param_rel_diff'] < 1e-4)}"
        )
    big = results.get("big")
    if big and "peak_rss_gb" in big:
        lines.append(
            f"- 100M rows under 4 GB: {big['peak_rss_gb']:.2f} GB, "
            f"{_verdict(big['peak_rss_gb'] < 4)}"
        )
    batch = results.get("batch")
    if batch:
        lines.append(
            f"- report batch speed-up >= 1.8x with 2 jobs: {batch['speedup']:.2f}x, "
            f"{_verdict(batch['speedup'] >= 1.8)}"
        )
    return lines
