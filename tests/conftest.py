"""Shared fixtures: paths to the project, the real datasets and the demo config."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: Real public datasets live beside the project (../shared/data/real); see its README.
SHARED_DATA = Path(
    os.environ.get(
        "ANALYTICS_KIT_SHARED_DATA", PROJECT_ROOT.parent / "shared/data/real"
    )
)


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real datasets (Telco, Online Retail, NPS ratings, ...)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"real datasets not found at {SHARED_DATA}; set ANALYTICS_KIT_SHARED_DATA"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_config() -> Path:
    """The demo client configuration."""
    return PROJECT_ROOT / "data" / "clients.yml"
