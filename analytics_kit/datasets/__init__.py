"""Demo data: the real CDNOW log and simulators with known parameters."""

from __future__ import annotations

from analytics_kit.datasets.demo import DEMO_SIMULATIONS, write_demo_data
from analytics_kit.datasets.simulate import (
    ChannelSpec,
    SimulatedClient,
    SimulationParams,
    simulate_bgnbd_transactions,
    simulate_client,
    write_client,
)

__all__ = [
    "DEMO_SIMULATIONS",
    "ChannelSpec",
    "SimulatedClient",
    "SimulationParams",
    "simulate_bgnbd_transactions",
    "simulate_client",
    "write_client",
    "write_demo_data",
]
