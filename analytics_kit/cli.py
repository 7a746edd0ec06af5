"""The analytics-kit command line: render reports, write the demo data, check a client."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from analytics_kit.exceptions import AnalyticsKitError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def report(
    client: Annotated[
        list[str] | None,
        typer.Option("--client", help="Client id; repeat for several."),
    ] = None,
    config: Annotated[Path, typer.Option(help="Client configuration (YAML).")] = Path(
        "data/clients.yml"
    ),
    jobs: Annotated[
        int | None, typer.Option(help="Clients rendered at once (default: CPU count).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("reports"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO date overriding every as_of.")
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds per client before it is stopped.")
    ] = 1800.0,
    fast: Annotated[bool, typer.Option(help="Fewer resamples (for tests).")] = False,
    notebook: Annotated[
        Path | None, typer.Option(help="Report template (default: the kit's).")
    ] = None,
) -> None:
    """Render the report of each client into OUT/<client-id>/ and OUT/index.html."""
    from analytics_kit.reporting.runner import DEFAULT_NOTEBOOK, run_reports

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("papermill").setLevel(logging.WARNING)  # one line per notebook
    try:
        runs = run_reports(
            config,
            clients=client or None,
            out_dir=out,
            jobs=jobs,
            as_of=as_of,
            timeout_s=timeout,
            fast=fast,
            notebook=notebook or DEFAULT_NOTEBOOK,
        )
    except AnalyticsKitError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    failed = [r for r in runs if r.status != "ok"]
    for run in runs:
        typer.echo(f"{run.client_id:<24} {run.status:<8} {run.duration_s:>7.1f} s")
    typer.echo(f"index: {out / 'index.html'}")
    if failed:
        names = ", ".join(f"{r.client_id} ({r.status})" for r in failed)
        typer.echo(f"{len(failed)} of {len(runs)} client(s) failed: {names}", err=True)
        raise typer.Exit(1)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder for the demo clients.")] = Path(
        "data"
    ),
) -> None:
    """Write the simulated demo clients (deterministic: same seeds, same files)."""
    from analytics_kit.datasets import write_demo_data

    for client_id, paths in write_demo_data(out).items():
        typer.echo(f"{client_id}: {len(paths)} files in {out / client_id}")


@app.command()
def check(
    client: Annotated[str, typer.Option("--client", help="Client id.")],
    config: Annotated[Path, typer.Option(help="Client configuration.")] = Path(
        "data/clients.yml"
    ),
) -> None:
    """Load one client's tables and print the data-quality summary."""
    from analytics_kit.client import load_client

    try:
        loaded = load_client(client, config=config)
    except AnalyticsKitError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for row in loaded.data_quality().itertuples(index=False):
        typer.echo(f"{row.table:<16} {row.summary}")
