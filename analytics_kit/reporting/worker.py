"""Render one client's report in its own process: execute, then export.

Run by the batch runner as ``python -m analytics_kit.reporting.worker SPEC.json``,
so that a crash, a hang or a kill affects one client only. The spec names the
notebook, the parameters and a staging folder; the worker writes the executed
notebook, the HTML and ``result.json`` (status and, on failure, the failing cell and
message) into that folder and nothing anywhere else.

:func:`run_worker` is the runner's side: it starts the process, enforces the
timeout and stops what the process started (the kernel included).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import suppress
from pathlib import Path
from typing import Any

__all__ = ["render", "run_worker"]

logger = logging.getLogger("analytics_kit.reporting")

#: Seconds between two looks at the worker's process tree while it runs.
_POLL_S = 0.25


def render(spec: dict) -> int:
    """Execute and export one report; return the process exit code (0 = success)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from analytics_kit.reporting.export import export_html

    staging = Path(spec["staging"])
    executed = staging / f"{spec['client_id']}.ipynb"
    result: dict = {"status": "failed"}
    try:
        papermill.execute_notebook(
            spec["notebook"],
            str(executed),
            parameters=spec["parameters"],
            kernel_name="python3",
            progress_bar=False,
            cwd=str(Path(spec["notebook"]).parent),
            execution_timeout=spec.get("cell_timeout_s"),
        )
        export_html(
            executed,
            staging / f"{spec['client_id']}.html",
            title=spec["title"],
            client_name=spec["client_name"],
            as_of=spec["as_of"],
        )
        result = {"status": "ok"}
    except PapermillExecutionError as exc:
        result["error"] = {
            "cell": exc.exec_count,
            "type": exc.ename,
            "message": str(exc.evalue)[:2000],
        }
    except Exception as exc:
        result["error"] = {
            "cell": None,
            "type": type(exc).__name__,
            "message": "".join(traceback.format_exception_only(exc))[:2000],
        }
    (staging / "result.json").write_text(json.dumps(result, indent=2))
    return 0 if result["status"] == "ok" else 1


class _Family:
    """The worker's descendants, remembered while it runs, to stop them at the end.

    jupyter_client starts the kernel in a new session, so the kernel is not in the
    worker's process group: killing that group misses it. The kernel is a child of
    the worker, though; the runner looks at the worker's process tree every
    ``_POLL_S`` seconds (with ``psutil``) and, once the worker has ended or timed
    out, kills every remembered descendant still running (``psutil`` checks the
    start time, so a reused PID is never hit). A process started and orphaned
    between two looks escapes; without ``psutil`` only the worker's process group
    is killed and an orphaned kernel ends when ipykernel notices its parent is gone.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.known: dict[int, Any] = {}
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with IPython
            self._psutil = None
        else:
            self._psutil = psutil

    def look(self) -> None:
        if self._psutil is None:
            return
        with suppress(self._psutil.Error):
            for child in self._psutil.Process(self.pid).children(recursive=True):
                self.known.setdefault(child.pid, child)

    def stop(self, proc: subprocess.Popen, timed_out: bool) -> None:
        self.look()
        if timed_out:  # the worker still runs: stop it and its process group
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if self._psutil is None:
            return
        alive = []
        for child in self.known.values():
            with suppress(self._psutil.Error):
                child.kill()
                alive.append(child)
        self._psutil.wait_procs(alive, timeout=5)


def run_worker(spec: dict, timeout_s: float) -> str:
    """Run :func:`render` in a new process; return "ok", "failed" or "timeout".

    Called by the batch runner, one thread per client. `spec` is written to
    ``<staging>/spec.json``; the worker gets `timeout_s` seconds.

    Whatever the outcome, the worker's process group and every descendant seen
    while it ran (the kernel included, see :class:`_Family`) are stopped.
    """
    spec_path = Path(spec["staging"]) / "spec.json"
    spec_path.write_text(json.dumps(spec))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "analytics_kit.reporting.worker", str(spec_path)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # own group, for killpg; the kernel is not in it
        )
        family = _Family(proc.pid)
        deadline = time.monotonic() + timeout_s
        returncode = None
        try:
            while returncode is None and time.monotonic() < deadline:
                family.look()
                wait_s = min(_POLL_S, max(deadline - time.monotonic(), 0.0))
                with suppress(subprocess.TimeoutExpired):
                    returncode = proc.wait(timeout=wait_s)
        finally:
            family.stop(proc, timed_out=returncode is None)
        if returncode is None:
            return "timeout"
        if returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            logger.debug(
                "worker for %s exited %s: %s", spec["client_id"], returncode, tail
            )
            return "failed"
    return "ok"


if __name__ == "__main__":
    sys.exit(render(json.loads(Path(sys.argv[1]).read_text())))
