"""Render the reports of many clients: checked parameters, parallel, failure-isolated.

For each client the runner

1. builds the parameters and checks them against the notebook's ``parameters`` cell
   (unknown, missing or mistyped parameters stop the batch before anything runs);
2. renders the report in a separate process (:mod:`analytics_kit.reporting.worker`)
   into a staging folder, with a timeout; ``jobs`` clients run at once;
3. on success, swaps the staging folder in as ``<out>/<client-id>/`` (the previous
   report is replaced only now); on failure, leaves the previous report in place
   and keeps the failed notebook next to it as ``<client-id>.failed.ipynb``;
4. records the run in ``<out>/manifest.json`` and rewrites ``<out>/index.html``.

The runner is the only part of the kit that logs (logger ``analytics_kit.reporting``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analytics_kit.config import CLIENT_ID_PATTERN, ClientConfig, load_config
from analytics_kit.exceptions import ConfigError, format_error
from analytics_kit.reporting.index import write_index
from analytics_kit.reporting.parameters import check_parameters

__all__ = ["DEFAULT_NOTEBOOK", "ClientRun", "run_reports"]

logger = logging.getLogger("analytics_kit.reporting")

#: The report template shipped with the project.
DEFAULT_NOTEBOOK = (
    Path(__file__).resolve().parents[2] / "notebooks" / "client_report.ipynb"
)


@dataclass
class ClientRun:
    """What happened to one client in a batch."""

    client_id: str
    client_name: str
    status: str  # "ok", "failed" or "timeout"
    currency: str
    as_of: str
    started: str
    duration_s: float
    parameters: dict[str, Any]
    input_hashes: dict[str, str] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    html: str | None = None
    notebook: str | None = None
    failed_notebook: str | None = None


def _parameters(
    cfg: ClientConfig, config_path: Path, as_of: str | None, staging: Path, fast: bool
) -> dict[str, Any]:
    return {
        "client_id": cfg.id,
        "config_path": str(config_path.resolve()),
        "as_of": as_of or cfg.as_of.isoformat(),
        "horizon_months": 12.0,
        "annual_discount_rate": 0.10,
        "output_dir": str(staging),
        "fast": fast,
    }


def _run_worker(spec: dict, timeout_s: float) -> str:
    """Run the worker process; return "ok", "failed" or "timeout"."""
    spec_path = Path(spec["staging"]) / "spec.json"
    spec_path.write_text(json.dumps(spec))
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics_kit.reporting.worker", str(spec_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a timeout kills the kernel too
    )
    try:
        _, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "timeout"
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        logger.debug(
            "worker for %s exited %s: %s", spec["client_id"], proc.returncode, tail
        )
        return "failed"
    return "ok"


def _settle(run: ClientRun, staging: Path, out_dir: Path) -> None:
    """Swap a good report in, or keep the failed notebook beside the last good one."""
    target = out_dir / run.client_id
    executed = staging / f"{run.client_id}.ipynb"
    if run.status == "ok":
        for name in ("spec.json", "result.json"):
            (staging / name).unlink(missing_ok=True)
        old = out_dir / ".trash" / f"{run.client_id}-{time.time_ns()}"
        if target.exists():
            old.parent.mkdir(exist_ok=True)
            target.rename(old)
        staging.chmod(0o755)  # mkdtemp makes it private; reports are for sharing
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        run.html = str((target / f"{run.client_id}.html").relative_to(out_dir))
        run.notebook = str((target / f"{run.client_id}.ipynb").relative_to(out_dir))
        return
    target.mkdir(parents=True, exist_ok=True)
    if executed.exists():
        failed = target / f"{run.client_id}.failed.ipynb"
        shutil.copyfile(executed, failed)
        run.failed_notebook = str(failed.relative_to(out_dir))
    previous = target / f"{run.client_id}.html"
    if previous.exists():
        run.html = str(previous.relative_to(out_dir))
    shutil.rmtree(staging, ignore_errors=True)


def _run_one(
    cfg: ClientConfig,
    params: dict[str, Any],
    notebook: Path,
    staging: Path,
    out_dir: Path,
    timeout_s: float,
) -> ClientRun:
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    logger.info("client %s: rendering into %s", cfg.id, staging)
    spec = {
        "client_id": cfg.id,
        "client_name": cfg.name,
        "notebook": str(notebook),
        "parameters": params,
        "staging": str(staging),
        "title": f"Customer analytics report: {cfg.name}",
        "as_of": params["as_of"],
    }
    status = _run_worker(spec, timeout_s)
    run = ClientRun(
        client_id=cfg.id,
        client_name=cfg.name,
        status=status,
        currency=cfg.currency,
        as_of=params["as_of"],
        started=started.isoformat(timespec="seconds"),
        duration_s=round(time.monotonic() - clock, 2),
        parameters={k: v for k, v in params.items() if k != "output_dir"},
    )
    result_path, kpi_path = staging / "result.json", staging / "kpis.json"
    if status == "timeout":
        run.error = {
            "cell": None,
            "type": "Timeout",
            "message": f"no result after {timeout_s:g} s",
        }
    elif result_path.exists():
        result = json.loads(result_path.read_text())
        run.status = result["status"] if status == "ok" else "failed"
        run.error = result.get("error")
    else:
        run.status = "failed"
        run.error = {
            "cell": None,
            "type": "WorkerDied",
            "message": "the worker process ended without a result (killed?)",
        }
    if kpi_path.exists():
        kpis = json.loads(kpi_path.read_text())
        run.kpis = kpis.get("kpis", {})
        run.input_hashes = kpis.get("input_hashes", {})
    _settle(run, staging, out_dir)
    level = logging.INFO if run.status == "ok" else logging.ERROR
    logger.log(level, "client %s: %s in %.1f s", cfg.id, run.status, run.duration_s)
    return run


def _write_manifest(out_dir: Path, runs: list[ClientRun]) -> Path:
    path = out_dir / "manifest.json"
    manifest: dict[str, Any] = {"clients": {}}
    if path.exists():
        try:
            manifest = json.loads(path.read_text())
        except json.JSONDecodeError:
            logger.warning("manifest %s was unreadable and is rewritten", path)
    manifest.setdefault("clients", {})
    for run in runs:
        manifest["clients"][run.client_id] = asdict(run)
    manifest["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with tempfile.NamedTemporaryFile(
        "w", dir=out_dir, delete=False, suffix=".json"
    ) as fh:
        json.dump(manifest, fh, indent=2, default=str)
    Path(fh.name).chmod(0o644)
    Path(fh.name).replace(path)
    return path


def run_reports(
    config: str | Path,
    *,
    clients: list[str] | None = None,
    out_dir: str | Path = "reports",
    jobs: int | None = None,
    as_of: str | None = None,
    timeout_s: float = 1800.0,
    fast: bool = False,
    notebook: str | Path = DEFAULT_NOTEBOOK,
    progress: bool = True,
) -> list[ClientRun]:
    """Render the report of each client; one failure never stops the others.

    Parameters
    ----------
    config : str or pathlib.Path
        The client configuration (YAML).
    clients : list of str, optional
        Client ids to render (default: every client in the configuration).
    out_dir : str or pathlib.Path, default="reports"
        Where reports, ``manifest.json`` and ``index.html`` go.
    jobs : int, optional
        Clients rendered at once, each in its own process and kernel (default: the
        number of CPUs).
    as_of : str, optional
        ISO date overriding every client's configured ``as_of``.
    timeout_s : float, default=1800
        Seconds one client may take before it is stopped and marked ``timeout``.
    fast : bool, default=False
        Passed to the notebook: fewer resamples and repeats (for tests).
    notebook : str or pathlib.Path
        The report template.
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    list of ClientRun
        One per client, in configuration order.

    Raises
    ------
    ConfigError
        When the configuration is invalid or a requested client id is unknown or
        unsafe; nothing is written.
    ReportParameterError
        When the parameters do not match the notebook; nothing is executed.
    """
    config_path = Path(config)
    kit = load_config(config_path)
    wanted = clients or [c.id for c in kit.clients]
    for client_id in wanted:
        if not CLIENT_ID_PATTERN.fullmatch(client_id):
            msg = format_error(
                f"client id {client_id!r}",
                "characters other than lowercase letters, digits and dashes",
                "a folder-safe id such as 'acme-retail'",
                "use the id exactly as written in the configuration",
            )
            raise ConfigError(msg)
    selected = [kit.client(client_id) for client_id in wanted]
    out = Path(out_dir)
    notebook = Path(notebook).resolve()
    plans = []
    for cfg in selected:
        params = _parameters(cfg, config_path, as_of, out / ".staging" / cfg.id, fast)
        check_parameters(notebook, params)  # before any client executes
        plans.append((cfg, params))
    out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, ClientRun] = {}
    workers = max(1, jobs or os.cpu_count() or 1)
    logger.info(
        "rendering %d client(s) with %d job(s) into %s", len(plans), workers, out
    )
    with (
        _progress(progress, len(plans)) as advance,
        ThreadPoolExecutor(workers) as pool,
    ):
        futures = {}
        for cfg, params in plans:
            staging = Path(
                tempfile.mkdtemp(prefix=f"{cfg.id}-", dir=_staging_root(out))
            )
            params = {**params, "output_dir": str(staging.resolve())}
            futures[
                pool.submit(_run_one, cfg, params, notebook, staging, out, timeout_s)
            ] = cfg.id
        for future in as_completed(futures):
            run = future.result()
            runs[run.client_id] = run
            advance(f"{run.client_id}: {run.status}")
    ordered = [runs[cfg.id] for cfg, _ in plans]
    for scratch in (out / ".staging", out / ".trash"):
        if scratch.is_dir() and not any(scratch.iterdir()):
            scratch.rmdir()  # leave nothing but reports in the output folder
    _write_manifest(out, ordered)
    write_index(out, [c.id for c in kit.clients])
    return ordered


def _staging_root(out: Path) -> Path:
    root = out / ".staging"
    root.mkdir(parents=True, exist_ok=True)
    return root


class _progress:
    """A rich progress bar, or nothing when disabled."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.enabled:
            return lambda _label: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("reports"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
        )
        self._bar.start()
        task = self._bar.add_task("", total=self.total)
        return lambda label: self._bar.update(task, advance=1, description=label)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._bar.stop()
