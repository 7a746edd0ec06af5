"""The batch runner: failure isolation, last good report kept, manifest, index."""

from __future__ import annotations

import json
import shutil
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analytics_kit.exceptions import ConfigError, ReportParameterError
from analytics_kit.reporting import run_reports

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
import json, os, pathlib, signal, time
if client_id == "crash":
    raise RuntimeError("boom in the report")
if client_id == "hang":
    time.sleep(600)
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
    assert not (out / ".staging").exists() and not (out / ".trash").exists()


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
