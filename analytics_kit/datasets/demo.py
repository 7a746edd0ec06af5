"""The bundled demo clients.

``cdnow`` is real data (the CDNOW log shipped inside ``lifetimes``). The other demo
clients are simulated from known parameters and written under ``data/<client-id>/``
by :func:`write_demo_data` (``analytics-kit simulate``); their files are committed,
small, and regenerate identically from the seeds below.

* ``northwind-retail``: a non-contractual shop (BG/NBD purchases, Gamma-Gamma spend)
  whose export uses its own column names and day-first dates in Berlin time.
* ``brightstream``: a subscription service (monthly charges, cancellation dates)
  whose export writes UTC timestamps with an explicit offset; the client is in New
  York, so days are bucketed in New York time.
"""

from __future__ import annotations

from pathlib import Path

from analytics_kit.datasets.simulate import (
    ChannelSpec,
    SimulationParams,
    simulate_client,
    write_client,
)

__all__ = ["DEMO_SIMULATIONS", "write_demo_data"]

#: Simulated demo clients: id -> simulation and file-writing options.
DEMO_SIMULATIONS: dict[str, dict] = {
    "northwind-retail": {
        "simulate": {
            "n_customers": 3000,
            "seed": 20240101,
            "start": "2022-01-01",
            "as_of": "2023-12-31",
            "params": SimulationParams(),
        },
        "write": {
            "date_format": "%d/%m/%Y %H:%M",
            "rename": {
                "transactions": {
                    "customer_id": "Customer No",
                    "timestamp": "Order Date",
                    "amount": "Net Amount",
                    "order_id": "Order No",
                    "channel": "Channel",
                }
            },
        },
    },
    "brightstream": {
        "simulate": {
            "n_customers": 2000,
            "seed": 20240202,
            "start": "2022-01-01",
            "as_of": "2023-12-31",
            "params": SimulationParams(
                channels=(
                    ChannelSpec("search", 0.45, 60.0),
                    ChannelSpec("social", 0.35, 40.0),
                    ChannelSpec("organic", 0.20, 0.0),
                ),
                nps_shares=(0.38, 0.32, 0.30),
            ),
            "contractual": True,
        },
        "write": {"utc_from_timezone": "America/New_York"},
    },
}


def write_demo_data(folder: str | Path) -> dict[str, dict[str, Path]]:
    """Simulate every demo client and write its files under ``folder/<client-id>/``."""
    written = {}
    for client_id, spec in DEMO_SIMULATIONS.items():
        sim = simulate_client(**spec["simulate"])
        written[client_id] = write_client(
            sim, Path(folder) / client_id, **spec["write"]
        )
    return written
