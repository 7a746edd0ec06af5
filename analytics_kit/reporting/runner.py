"""Render the reports of many clients: checked parameters, parallel, failure-isolated.

For each client (each id once, in the order given) the runner

1. builds the parameters and checks them against the notebook's ``parameters`` cell
   (unknown, missing or mistyped parameters stop the batch before anything runs);
2. renders the report in a separate process (:mod:`analytics_kit.reporting.worker`)
   into a private staging folder, with a timeout; ``jobs`` clients run at once;
3. on success, swaps the staging folder in as ``<out>/<client-id>/`` (the previous
   report is replaced only now, and put back if the swap fails); on failure, leaves
   the previous report in place and keeps the failed notebook next to it as
   ``<client-id>.failed.ipynb``. Any error of the runner itself while handling one
   client (an unreadable ``kpis.json``, a failed rename, ...) marks that client
   ``failed``; the others go on;
4. records the run in ``<out>/manifest.json`` and rewrites ``<out>/index.html``. A
   failed or timed-out entry publishes no KPIs of its own; it carries the record of
   the report it still links to under ``last_good``.

Batches may share an output folder: the swap of step 3 and the manifest and index
update of step 4 hold an exclusive lock on ``<out>/.lock``. The dot-folders
``.staging`` and ``.trash`` are kept between batches.

The runner is the only part of the kit that logs (logger ``analytics_kit.reporting``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analytics_kit.config import CLIENT_ID_PATTERN, ClientConfig, load_config
from analytics_kit.exceptions import ConfigError, format_error
from analytics_kit.reporting.index import write_index
from analytics_kit.reporting.parameters import check_parameters
from analytics_kit.reporting.worker import run_worker

__all__ = ["DEFAULT_NOTEBOOK", "ClientRun", "run_reports"]

logger = logging.getLogger("analytics_kit.reporting")

#: The report template shipped with the project.
DEFAULT_NOTEBOOK = (
    Path(__file__).resolve().parents[2] / "notebooks" / "client_report.ipynb"
)

#: Fields of a good entry kept under ``last_good`` by later failed entries.
_LAST_GOOD_FIELDS = (
    "as_of",
    "started",
    "duration_s",
    "currency",
    "parameters",
    "input_hashes",
    "kpis",
    "html",
    "notebook",
)


@dataclass
class ClientRun:
    """What happened to one client in a batch.

    The top-level fields describe this run. When the run failed or timed out,
    ``kpis`` and ``input_hashes`` are empty, ``html`` links the previous report
    (if any) and ``last_good`` holds that report's record (``as_of``, ``started``,
    ``kpis``, ``input_hashes``, ``parameters``, ...; ``None`` when it is unknown).
    """

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
    last_good: dict[str, Any] | None = None


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


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<out_dir>/.lock`` (other batches wait)."""
    with (out_dir / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _swap_in(run: ClientRun, staging: Path, out_dir: Path) -> None:
    """Make the staging folder ``<out>/<client-id>/``; on error keep the old one."""
    target = out_dir / run.client_id
    for name in ("spec.json", "result.json"):
        (staging / name).unlink(missing_ok=True)
    old = out_dir / ".trash" / f"{run.client_id}-{time.time_ns()}"
    moved = False
    if target.exists():
        old.parent.mkdir(exist_ok=True)
        target.rename(old)
        moved = True
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; reports are for sharing
        staging.rename(target)
    except BaseException:
        if moved and not target.exists():
            old.rename(target)  # put the last good report back
        raise
    if moved:
        shutil.rmtree(old, ignore_errors=True)
    run.html = str((target / f"{run.client_id}.html").relative_to(out_dir))
    run.notebook = str((target / f"{run.client_id}.ipynb").relative_to(out_dir))


def _keep_previous(run: ClientRun, staging: Path, out_dir: Path) -> None:
    """Keep the failed notebook beside the last good report; drop the staging folder.

    Used after errors too, so each step is best effort.
    """
    target = out_dir / run.client_id
    executed = staging / f"{run.client_id}.ipynb"
    with suppress(OSError):
        target.mkdir(parents=True, exist_ok=True)
        if executed.exists():
            failed = target / f"{run.client_id}.failed.ipynb"
            shutil.copyfile(executed, failed)
            run.failed_notebook = str(failed.relative_to(out_dir))
    previous = target / f"{run.client_id}.html"
    run.html = str(previous.relative_to(out_dir)) if previous.exists() else None
    run.notebook = None
    run.kpis, run.input_hashes = {}, {}
    shutil.rmtree(staging, ignore_errors=True)


def _read_outcome(run: ClientRun, status: str, staging: Path, timeout_s: float) -> None:
    """Set status, error, KPIs and input hashes from the worker's files."""
    result_path, kpi_path = staging / "result.json", staging / "kpis.json"
    run.status = status
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
    if run.status == "ok" and kpi_path.exists():  # a failed run publishes no KPIs
        kpis = json.loads(kpi_path.read_text())
        run.kpis = kpis.get("kpis", {})
        run.input_hashes = kpis.get("input_hashes", {})


def _run_one(
    cfg: ClientConfig,
    params: dict[str, Any],
    notebook: Path,
    staging: Path,
    out_dir: Path,
    timeout_s: float,
) -> ClientRun:
    """Render and settle one client; never raises ``Exception`` (see step 3)."""
    clock = time.monotonic()
    run = ClientRun(
        client_id=cfg.id,
        client_name=cfg.name,
        status="failed",
        currency=cfg.currency,
        as_of=params["as_of"],
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        duration_s=0.0,
        parameters={k: v for k, v in params.items() if k != "output_dir"},
    )
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
    try:
        status = run_worker(spec, timeout_s)
        run.duration_s = round(time.monotonic() - clock, 2)
        _read_outcome(run, status, staging, timeout_s)
        with _locked(out_dir):
            if run.status == "ok":
                _swap_in(run, staging, out_dir)
            else:
                _keep_previous(run, staging, out_dir)
    except Exception as exc:  # one client's runner error never stops the batch
        logger.exception("client %s: runner error", cfg.id)
        run.status = "failed"
        run.error = {
            "cell": None,
            "type": type(exc).__name__,
            "message": str(exc)[:2000],
        }
        run.duration_s = round(time.monotonic() - clock, 2)
        with suppress(OSError), _locked(out_dir):
            _keep_previous(run, staging, out_dir)
    level = logging.INFO if run.status == "ok" else logging.ERROR
    logger.log(level, "client %s: %s in %.1f s", cfg.id, run.status, run.duration_s)
    return run


def _last_good(previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record of the last good report, from a client's previous entry."""
    if not previous:
        return None
    if previous.get("status") == "ok":
        return {name: previous.get(name) for name in _LAST_GOOD_FIELDS}
    return previous.get("last_good")


def _write_manifest(out_dir: Path, runs: list[ClientRun]) -> Path:
    """Merge `runs` into ``manifest.json``; call with the output folder locked.

    A failed or timed-out run takes ``last_good`` from the client's previous entry
    (the entry itself when it was ok), as long as it still links a report.
    """
    path = out_dir / "manifest.json"
    manifest: dict[str, Any] = {"clients": {}}
    if path.exists():
        try:
            manifest = json.loads(path.read_text())
        except json.JSONDecodeError:
            logger.warning("manifest %s was unreadable and is rewritten", path)
    manifest.setdefault("clients", {})
    for run in runs:
        if run.status != "ok":
            previous = manifest["clients"].get(run.client_id)
            run.kpis = {}
            run.last_good = _last_good(previous) if run.html else None
        manifest["clients"][run.client_id] = asdict(run)
    manifest["updated"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with tempfile.NamedTemporaryFile(
        "w", dir=out_dir, delete=False, suffix=".json"
    ) as fh:
        json.dump(manifest, fh, indent=2, default=str)
    Path(fh.name).chmod(0o644)
    Path(fh.name).replace(path)
    return path


def _publish(out_dir: Path, runs: list[ClientRun], client_ids: list[str]) -> None:
    """Update the manifest and the index under the output folder's lock."""
    with _locked(out_dir):
        _write_manifest(out_dir, runs)
        write_index(out_dir, client_ids)


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
        Client ids to render (default: every client in the configuration); an id
        given twice is rendered once.
    out_dir : str or pathlib.Path, default="reports"
        Where reports, ``manifest.json`` and ``index.html`` go.
    jobs : int, optional
        Clients rendered at once, each in its own process and kernel (default: the
        number of CPUs).
    as_of : str, optional
        ISO date overriding every client's configured ``as_of``.
    timeout_s : float, default=1800
        Seconds one client may take before it is stopped and marked ``timeout``:
        its worker process group and the kernel are killed (see Notes).
    fast : bool, default=False
        Passed to the notebook: fewer resamples and repeats (for tests).
    notebook : str or pathlib.Path
        The report template.
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    list of ClientRun
        One per distinct client, in the order requested (configuration order by
        default).

    Raises
    ------
    ConfigError
        When the configuration is invalid or a requested client id is unknown or
        unsafe; nothing is written.
    ReportParameterError
        When the parameters do not match the notebook; nothing is executed.

    Notes
    -----
    Any error of the runner while handling one client (an unreadable ``kpis.json``
    or ``result.json``, a failed rename, ...) makes that client ``failed`` with the
    exception's type and message; the last good report stays in place.

    The kernel runs in its own session (jupyter_client starts it so), outside the
    worker's process group. The runner remembers the worker's descendants while it
    runs and kills those still alive once the worker has ended, timed out or been
    killed (needs ``psutil``, which IPython installs; without it only the worker's
    process group is killed and an orphaned kernel lingers until ipykernel notices
    that its parent is gone).

    Several batches may write to the same `out_dir` at once: swapping a report in
    and updating ``manifest.json`` and ``index.html`` hold an exclusive
    ``fcntl.flock`` on ``<out_dir>/.lock``. POSIX only.
    """
    config_path = Path(config)
    kit = load_config(config_path)
    wanted = list(dict.fromkeys(clients or [c.id for c in kit.clients]))
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
            run = future.result()  # _run_one turns runner errors into "failed"
            runs[run.client_id] = run
            advance(f"{run.client_id}: {run.status}")
    ordered = [runs[cfg.id] for cfg, _ in plans]
    # .staging and .trash stay: another batch may be using them right now.
    _publish(out, ordered, [c.id for c in kit.clients])
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
