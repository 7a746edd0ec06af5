"""The batch runner: failure isolation, last good report kept, manifest, index."""

from __future__ import annotations

import fcntl
import json
import pathlib
import shutil
import textwrap
import threading
import time

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analytics_kit.exceptions import ConfigError, ReportParameterError
from analytics_kit.reporting import ClientRun, run_reports, runner

PARAMS = """
client_id: str = "x"  # client id
config_path: str = ""  # configuration file
as_of: str = ""  # ISO date
horizon_months: float = 12.0  # months
annual_discount_rate: float = 0.1  # per year
output_dir: str = ""  # folder for kpis.json
fast: bool = False  # tests
"""

BODY = """
import itertools, json, os, pathlib, signal
# The kernel's PID, beside the configuration (the staging folder is removed).
pathlib.Path(config_path).with_name(f"{client_id}.kernel.pid").write_text(
    str(os.getpid()))
if client_id == "crash":
    raise RuntimeError("boom in the report")
if client_id == "hang":
    # Stuck in C code holding the GIL: ipykernel's parent poller (a thread) cannot
    # end this kernel once its worker is gone; the runner must kill it.
    sum(itertools.repeat(1, 10**15))
if client_id == "killed":
    os.kill(os.getppid(), signal.SIGKILL)  # the worker process dies mid-run
print("ok")
pathlib.Path(output_dir, "kpis.json").write_text(
    json.dumps({"kpis": {"answer": 42}, "input_hashes": {}}))
"""


@pytest.fixture
def tiny(tmp_path):
    """A fast stand-in report notebook and a configuration with four clients."""
    cell = new_code_cell(PARAMS.strip())
    cell.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[cell, new_markdown_cell("## Section"), new_code_cell(BODY)]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb_path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, nb_path)
    config = tmp_path / "clients.yml"
    config.write_text(
        textwrap.dedent("""
        clients:
          - {id: good, name: "Good <b>Co</b>", as_of: "2024-01-31"}
          - {id: crash, name: Crash, as_of: "2024-01-31"}
          - {id: hang, name: Hang, as_of: "2024-01-31"}
          - {id: killed, name: Killed, as_of: "2024-01-31"}
    """)
    )
    return nb_path, config, tmp_path / "reports"


def test_failures_are_isolated_and_the_last_good_report_survives(tiny):
    notebook, config, out = tiny
    # A previous good report of "crash" exists and must survive its failed run.
    (out / "crash").mkdir(parents=True)
    (out / "crash" / "crash.html").write_text("<p>last good</p>")
    runs = run_reports(
        config, out_dir=out, jobs=4, timeout_s=30, notebook=notebook, progress=False
    )
    status = {r.client_id: r.status for r in runs}
    assert status == {
        "good": "ok",
        "crash": "failed",
        "hang": "timeout",
        "killed": "failed",
    }
    assert (out / "good" / "good.html").is_file()
    assert (out / "crash" / "crash.html").read_text() == "<p>last good</p>"
    assert (out / "crash" / "crash.failed.ipynb").is_file()
    manifest = json.loads((out / "manifest.json").read_text())["clients"]
    assert manifest["good"]["kpis"] == {"answer": 42}
    assert manifest["crash"]["error"]["type"] == "RuntimeError"
    assert "boom in the report" in manifest["crash"]["error"]["message"]
    assert manifest["hang"]["error"]["type"] == "Timeout"
    assert manifest["killed"]["error"]["type"] == "WorkerDied"
    assert manifest["good"]["parameters"]["as_of"] == "2024-01-31"
    index = (out / "index.html").read_text()
    assert "Good &lt;b&gt;Co&lt;/b&gt;" in index and "<b>Co</b>" not in index
    assert 'href="crash/crash.failed.ipynb"' in index
    assert 'href="crash/crash.html">last good report' in index
    # The scratch folders stay (another batch may use them) but hold nothing.
    assert list((out / ".staging").iterdir()) == []
    assert not (out / ".trash").exists() or list((out / ".trash").iterdir()) == []
    # The hung kernel is stopped with its worker; so is the orphan of the killed one.
    for cid in ("hang", "killed"):
        pid = int(config.with_name(f"{cid}.kernel.pid").read_text())
        assert _process_gone(pid), f"kernel {pid} of {cid!r} still runs"


def _process_gone(pid: int, within_s: float = 5.0) -> bool:
    """True once `pid` has exited (a zombie waiting for init counts as gone).

    A process still running after `within_s` seconds is killed (no stray kernel
    is left behind by a failing test) and False is returned.
    """
    deadline = time.monotonic() + within_s
    while True:
        try:
            process = psutil.Process(pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
            if time.monotonic() > deadline:
                process.kill()
                return False
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)


def test_a_good_run_replaces_the_previous_report(tiny):
    notebook, config, out = tiny
    (out / "good").mkdir(parents=True)
    (out / "good" / "good.failed.ipynb").write_text("{}")
    runs = run_reports(
        config, clients=["good"], out_dir=out, notebook=notebook, progress=False
    )
    assert runs[0].status == "ok"
    assert not (out / "good" / "good.failed.ipynb").exists()
    html = (out / "good" / "good.html").read_text()
    assert "print(" not in html  # no code cells
    assert "ok" in html


@pytest.mark.parametrize("bad", ["../x", "Good", "a b", "a/b"])
def test_unsafe_client_ids_are_refused_before_anything_is_written(tiny, bad):
    notebook, config, out = tiny
    with pytest.raises(ConfigError):
        run_reports(
            config, clients=[bad], out_dir=out, notebook=notebook, progress=False
        )
    assert not out.exists()


def test_parameter_mismatch_stops_the_batch_before_execution(tiny, tmp_path):
    notebook, config, out = tiny
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("horizon_months", "horizon_weeks")
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    with pytest.raises(ReportParameterError, match="horizon"):
        run_reports(config, out_dir=out, notebook=broken, progress=False)
    assert not out.exists()


def test_cli_exit_code_names_failed_clients(tiny):
    from typer.testing import CliRunner

    from analytics_kit.cli import app

    notebook, config, out = tiny
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--config",
            str(config),
            "--out",
            str(out),
            "--client",
            "good",
            "--client",
            "crash",
            "--notebook",
            str(notebook),
            "--jobs",
            "2",
        ],
    )
    assert result.exit_code == 1
    assert "crash (failed)" in result.output
    shutil.rmtree(out)


# --- Runner bookkeeping, with a stand-in worker (no kernel: fast) ----------------


@pytest.fixture
def fake(tiny, monkeypatch):
    """Replace the worker process: ``behaviour[client_id]`` says what it does.

    "ok" writes a report with ``customers`` = ``kpis[client_id]``; "fail" and
    "timeout" leave a KPI file behind (a notebook that wrote KPIs, then broke);
    "badkpis" succeeds with a half-written kpis.json; "raise" is a runner error.
    """
    behaviour: dict[str, str] = {}
    kpis: dict[str, int] = {}
    calls: list[str] = []

    def run_worker(spec: dict, timeout_s: float) -> str:
        cid, staging = spec["client_id"], pathlib.Path(spec["staging"])
        calls.append(cid)
        time.sleep(0.05)  # duplicates, if any, would overlap
        what = behaviour.get(cid, "ok")
        if what == "raise":
            raise ProcessLookupError(3, "No such process")
        (staging / f"{cid}.ipynb").write_text("{}")
        if what == "badkpis":
            (staging / "kpis.json").write_text('{"kpis": {"custo')
        else:
            body = {"kpis": {"customers": kpis.get(cid, 9999)}, "input_hashes": {}}
            (staging / "kpis.json").write_text(json.dumps(body))
        if what == "timeout":
            return "timeout"
        if what == "fail":
            error = {"cell": 2, "type": "ValueError", "message": "bad data"}
            (staging / "result.json").write_text(
                json.dumps({"status": "failed", "error": error})
            )
            return "failed"
        (staging / f"{cid}.html").write_text(f"<p>report {cid} {kpis.get(cid)}</p>")
        (staging / "result.json").write_text(json.dumps({"status": "ok"}))
        return "ok"

    monkeypatch.setattr(runner, "run_worker", run_worker)
    notebook, config, out = tiny

    def run(clients, **kwargs):
        return run_reports(
            config,
            clients=clients,
            out_dir=out,
            jobs=4,
            notebook=notebook,
            progress=False,
            **kwargs,
        )

    return run, behaviour, kpis, calls, out


def _manifest(out):
    return json.loads((out / "manifest.json").read_text())["clients"]


def test_a_failed_run_keeps_the_last_good_record_and_publishes_no_kpis(fake):
    run, behaviour, kpis, _, out = fake
    kpis["good"] = 1234
    run(["good"])
    behaviour["good"] = "fail"  # leaves kpis.json with customers 9999 behind
    [failed] = run(["good"], as_of="2024-02-29")
    entry = _manifest(out)["good"]
    assert failed.status == entry["status"] == "failed"
    assert entry["kpis"] == {} and failed.kpis == {}
    assert entry["as_of"] == "2024-02-29"  # what this run tried
    good = entry["last_good"]
    assert good["kpis"] == {"customers": 1234}
    assert good["as_of"] == "2024-01-31" and good["html"] == entry["html"]
    assert (out / "good" / "good.html").read_text() == "<p>report good 1234</p>"
    index = (out / "index.html").read_text()
    assert "last good report (run " in index and "Customers: 1,234" in index
    assert "9,999" not in index
    assert "2024-01-31<br><small>last good report; this failed run: 2024-02-29" in (
        index
    )
    # A second bad run (timeout) keeps the same last good record...
    behaviour["good"] = "timeout"
    run(["good"])
    assert _manifest(out)["good"]["last_good"] == good
    # ... and the next good run is its own record again.
    behaviour["good"], kpis["good"] = "ok", 1500
    run(["good"])
    entry = _manifest(out)["good"]
    assert entry["status"] == "ok" and entry["last_good"] is None
    assert entry["kpis"] == {"customers": 1500}
    assert "Customers: 1,500" in (out / "index.html").read_text()


def test_a_failure_without_a_good_report_links_and_shows_nothing(fake):
    run, behaviour, _, _, out = fake
    behaviour["crash"] = "fail"
    run(["crash"])
    entry = _manifest(out)["crash"]
    assert entry["html"] is None and entry["last_good"] is None
    assert entry["kpis"] == {}
    assert "9,999" not in (out / "index.html").read_text()


@pytest.mark.parametrize(
    ("fault", "error_type"),
    [("badkpis", "JSONDecodeError"), ("raise", "ProcessLookupError")],
)
def test_a_runner_error_fails_one_client_only(fake, fault, error_type):
    run, behaviour, _, _, out = fake
    (out / "crash").mkdir(parents=True)
    (out / "crash" / "crash.html").write_text("<p>last good</p>")
    behaviour["crash"] = fault
    runs = run(["good", "crash"])
    assert [(r.client_id, r.status) for r in runs] == [
        ("good", "ok"),
        ("crash", "failed"),
    ]
    entry = _manifest(out)["crash"]  # the manifest and index are written
    assert entry["error"]["type"] == error_type and entry["error"]["cell"] is None
    assert entry["html"] == "crash/crash.html" and entry["kpis"] == {}
    assert (out / "crash" / "crash.html").read_text() == "<p>last good</p>"
    assert (
        'href="crash/crash.html">last good report' in (out / "index.html").read_text()
    )
    assert list((out / ".staging").iterdir()) == []


def test_a_failed_swap_puts_the_last_good_report_back(fake, monkeypatch):
    run, _, _, _, out = fake
    (out / "good").mkdir(parents=True)
    (out / "good" / "good.html").write_text("<p>last good</p>")
    rename = pathlib.Path.rename

    def failing_rename(self, target):
        if self.parent.name == ".staging":  # staging -> <out>/good
            raise OSError(28, "No space left on device")
        return rename(self, target)

    monkeypatch.setattr(pathlib.Path, "rename", failing_rename)
    [result] = run(["good"])
    assert result.status == "failed" and result.error["type"] == "OSError"
    assert "No space left" in result.error["message"]
    assert (out / "good" / "good.html").read_text() == "<p>last good</p>"
    assert list((out / ".trash").iterdir()) == []
    assert _manifest(out)["good"]["html"] == "good/good.html"


def test_duplicate_client_ids_run_once(fake):
    run, _, _, calls, _ = fake
    runs = run(["good", "crash", "good", "good"])
    assert [r.client_id for r in runs] == ["good", "crash"]
    assert sorted(calls) == ["crash", "good"]


def _run_record(client_id: str) -> ClientRun:
    return ClientRun(
        client_id=client_id,
        client_name=client_id,
        status="ok",
        currency="EUR",
        as_of="2024-01-31",
        started="2024-02-01T00:00:00+00:00",
        duration_s=1.0,
        parameters={},
        kpis={"customers": 1},
    )


def test_a_manifest_update_waits_for_another_batch(tmp_path):
    # Another batch holds the lock and adds client "a"; ours adds "b" meanwhile.
    # Without the lock ours would read the manifest before "a" and drop it.
    (tmp_path / "manifest.json").write_text(json.dumps({"clients": {}}))
    with (tmp_path / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        ours = threading.Thread(
            target=runner._publish, args=(tmp_path, [_run_record("b")], ["a", "b"])
        )
        ours.start()
        time.sleep(0.3)
        assert ours.is_alive()  # waiting for the lock
        runner._write_manifest(tmp_path, [_run_record("a")])
        fcntl.flock(fh, fcntl.LOCK_UN)
    ours.join(5)
    assert not ours.is_alive()
    assert set(_manifest(tmp_path)) == {"a", "b"}
    index = (tmp_path / "index.html").read_text()
    assert "<small>a</small>" in index and "<small>b</small>" in index
