"""The project's set-up files agree with each other."""

from __future__ import annotations

import re
import tomllib

import yaml


def _split(spec: str) -> tuple[str, str]:
    """'pandas>=2.2,<4' -> ('pandas', '>=2.2,<4'); names are normalised."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)\s*(.*)$", spec)
    assert match, spec
    name, bounds = match.groups()
    return name.lower().replace("_", "-"), bounds.replace(" ", "")


def test_environment_yml_lists_exactly_the_runtime_dependencies(project_root):
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    runtime = dict(_split(s) for s in pyproject["project"]["dependencies"])
    env = yaml.safe_load((project_root / "environment.yml").read_text())
    conda, pip = [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += [d for d in dep["pip"] if not d.startswith("-e")]
        elif not dep.startswith(("python=", "pip")):
            conda.append(dep)
    declared = dict(_split(s) for s in conda + pip)
    assert declared == runtime
    assert any(
        isinstance(d, dict) and "-e ." in d["pip"] for d in env["dependencies"]
    ), "environment.yml must install the kit itself with pip"


def test_lifetimes_is_pinned(project_root):
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    assert "lifetimes==0.11.3" in pyproject["project"]["dependencies"]


def test_console_script_points_at_the_cli(project_root):
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["analytics-kit"] == "analytics_kit.cli:app"
    from analytics_kit.cli import app

    assert app is not None
