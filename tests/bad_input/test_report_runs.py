"""Report runs: unsafe ids, unsafe YAML and bad parameters are refused before anything
is written or executed; crashed, hung and killed clients leave the others and their
own last good report alone.

Corpus cases (issue 8, "Report runs"). The crash / hang / kill batch itself is
``tests/reporting/test_runner.py::test_failures_are_isolated_and_the_last_good_report_survives``
(a tiny notebook, four clients); the test here extends it to the last good report
of the hung and the killed client.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analytics_kit.config import load_config
from analytics_kit.exceptions import ConfigError, ReportParameterError
from analytics_kit.reporting import DEFAULT_NOTEBOOK, check_parameters, run_reports
from tests.bad_input._corpus import CONFIG, FILES, parts
from tests.reporting.test_parameters import GOOD as GOOD_PARAMETERS
from tests.reporting.test_runner import tiny  # noqa: F401  (fixture)

BAD_IDS = ["a/b", "..", "../escape", "acme retail", "Acme"]


def _run(config: Path, out: Path, **kwargs):
    return run_reports(config, out_dir=out, progress=False, **kwargs)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_unsafe_client_id_on_the_command_line_is_refused_before_writing(tmp_path, bad):
    out = tmp_path / "reports"
    with pytest.raises(ConfigError) as err:
        _run(CONFIG, out, clients=[bad])
    msg = parts(err.value)
    assert msg.what == f"client id {bad!r}"
    assert "lowercase letters, digits and dashes" in msg.found
    assert not out.exists()


def test_unsafe_client_ids_in_the_configuration_are_refused_before_writing(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ConfigError) as err:
        _run(FILES / "bad_ids.yml", out)
    msg = parts(err.value)
    assert msg.what == f"configuration {FILES / 'bad_ids.yml'}"
    assert msg.found == "4 problem(s)"
    assert [e.split(":")[0] for e in msg.examples] == [
        "clients[0].id",  # a/b
        "clients[1].id",  # ..
        "clients[2].id",  # acme retail
        "clients[3].id",  # Acme
    ]
    assert not out.exists()


def test_yaml_with_a_python_object_tag_is_refused_by_the_safe_loader(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ConfigError) as err:
        _run(FILES / "python_tag.yml", out)
    msg = parts(err.value)
    assert msg.what == f"configuration {FILES / 'python_tag.yml'}"
    assert "not safe YAML" in msg.found and "python/object/apply" in msg.found
    assert "no Python object tags" in msg.allowed
    assert not out.exists()
    with pytest.raises(ConfigError, match="not safe YAML"):
        load_config(FILES / "python_tag.yml")


def test_parameter_of_the_wrong_type_is_refused(tmp_path):
    with pytest.raises(ReportParameterError) as err:
        check_parameters(DEFAULT_NOTEBOOK, {**GOOD_PARAMETERS, "as_of": 19980630})
    msg = parts(err.value)
    assert msg.what == "report parameter 'as_of'"
    assert msg.found == "19980630 of type int"
    assert msg.allowed.startswith("a value of type str")
    # Through the runner: the notebook declares an int, the runner passes 12.0.
    out = tmp_path / "reports"
    with pytest.raises(ReportParameterError, match=r"'horizon_months'.*12\.0 of type"):
        _run(CONFIG, out, clients=["dirty"], notebook=FILES / "int_horizon.ipynb")
    assert not out.exists()


def test_unknown_parameter_is_refused():
    with pytest.raises(ReportParameterError) as err:
        check_parameters(DEFAULT_NOTEBOOK, {**GOOD_PARAMETERS, "horizon_month": 6.0})
    msg = parts(err.value)
    assert "['horizon_month']" in msg.what
    assert msg.found == "names the notebook does not declare"
    assert "horizon_months" in msg.allowed  # the declared names, to spot the typo


def test_notebook_without_a_parameters_cell_is_refused_before_execution(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ReportParameterError) as err:
        _run(CONFIG, out, clients=["dirty"], notebook=FILES / "no_parameters.ipynb")
    msg = parts(err.value)
    assert msg.found == "no cell tagged 'parameters'"
    assert "add the tag 'parameters'" in msg.fix
    assert not out.exists()


@pytest.mark.slow
def test_hung_and_killed_clients_keep_their_last_good_report(tiny):  # noqa: F811
    notebook, config, out = tiny
    for cid in ("hang", "killed"):
        (out / cid).mkdir(parents=True)
        (out / cid / f"{cid}.html").write_text(f"<p>last good {cid}</p>")
    # Two batches so that a slow kernel start cannot pass for a hang: the killed
    # client beside a good one with a generous timeout, then the hung one alone
    # with a short one. The manifest keeps the entries of both.
    first = run_reports(
        config,
        clients=["good", "killed"],
        out_dir=out,
        jobs=2,
        timeout_s=300,
        notebook=notebook,
        progress=False,
    )
    assert [(r.client_id, r.status) for r in first] == [
        ("good", "ok"),
        ("killed", "failed"),
    ]
    second = run_reports(
        config,
        clients=["hang"],
        out_dir=out,
        timeout_s=5,
        notebook=notebook,
        progress=False,
    )
    assert [(r.client_id, r.status) for r in second] == [("hang", "timeout")]
    manifest = json.loads((out / "manifest.json").read_text())["clients"]
    for cid, error in (("hang", "Timeout"), ("killed", "WorkerDied")):
        assert (out / cid / f"{cid}.html").read_text() == f"<p>last good {cid}</p>"
        assert manifest[cid]["error"]["type"] == error
        assert manifest[cid]["html"] == f"{cid}/{cid}.html"  # still linked
    assert manifest["good"]["status"] == "ok"
    assert (out / "good" / "good.html").is_file()
    index = (out / "index.html").read_text()
    assert 'href="hang/hang.html">last good report' in index
    assert 'href="killed/killed.html">last good report' in index
