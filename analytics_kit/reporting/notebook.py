"""Helpers the report notebook calls: find the configuration, collect warnings, save KPIs.

Keeping this logic here keeps the notebook a thin template that runs the same way
under the kit's runner, under plain papermill and in JupyterLab.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analytics_kit.exceptions import ConfigError, format_error

__all__ = ["FAST_ENV", "WarningLog", "fast_mode", "resolve_config", "write_kpis"]

#: Setting this environment variable to 1 forces fast mode. nbval cannot pass
#: notebook parameters, so ``make test`` uses it to run the notebooks quickly.
FAST_ENV = "ANALYTICS_KIT_FAST"


def fast_mode(fast: bool) -> bool:
    """The `fast` parameter, or True when ``ANALYTICS_KIT_FAST=1`` is set."""
    import os

    return bool(fast) or os.environ.get(FAST_ENV) == "1"


def resolve_config(config_path: str) -> Path:
    """Find the configuration file from the notebook's working directory.

    A relative path is tried against the working directory, its parent (papermill
    runs notebooks from ``notebooks/``) and the project root.
    """
    path = Path(config_path)
    candidates = (
        [path]
        if path.is_absolute()
        else [
            Path.cwd() / path,
            Path.cwd().parent / path,
            Path(__file__).resolve().parents[2] / path,
        ]
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    msg = format_error(
        f"config_path {config_path!r}",
        "no such file (looked in " + ", ".join(str(c) for c in candidates) + ")",
        "the path of the client configuration YAML",
        "pass -p config_path /absolute/path/to/clients.yml",
    )
    raise ConfigError(msg)


class WarningLog:
    """Collects warnings raised while the report runs, to show them as notes.

    In the rendered HTML, stderr is dropped; warnings an analyst must act on are
    instead listed in the report's notes section.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    @contextmanager
    def capture(self) -> Iterator[None]:
        """Record every warning raised inside the block."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for item in caught:
            if issubclass(
                item.category, DeprecationWarning | PendingDeprecationWarning
            ):
                continue
            text = f"{item.category.__name__}: {item.message}"
            if text not in self.messages:
                self.messages.append(text)


def write_kpis(
    output_dir: str, kpis: dict[str, Any], input_hashes: dict[str, str]
) -> Path | None:
    """Save headline KPIs and input hashes for the run manifest (no-op without a folder)."""
    if not output_dir:
        return None
    path = Path(output_dir) / "kpis.json"
    payload = {"kpis": kpis, "input_hashes": input_hashes}
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path
