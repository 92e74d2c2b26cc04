"""The ``ocpi-cpo`` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ocpi_cpo import __version__
from ocpi_cpo.cli import console, db, locations, outbox, partners, sim, stations, tariffs, tokens
from ocpi_cpo.cli.audit import audit
from ocpi_cpo.cli.demo import demo
from ocpi_cpo.cli.price import price
from ocpi_cpo.cli.serve import serve
from ocpi_cpo.cli.sessions import cdrs_app, sessions_app
from ocpi_cpo.cli.worker import worker

app = typer.Typer(
    name="ocpi-cpo",
    help="OCPI 2.2.1 roaming platform for Charge Point Operators (Gireve IOP ready).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ocpi-cpo {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="settings file (default: ./ocpi-cpo.toml)")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
) -> None:
    ctx.obj = {"config": config}


app.command()(serve)
app.command()(demo)
app.command()(price)
app.command()(worker)
app.command()(audit)
app.add_typer(console.app, name="console")
app.add_typer(db.app, name="db")
app.add_typer(partners.app, name="partners")
app.add_typer(locations.app, name="locations")
app.add_typer(locations.evses_app, name="evses")
app.add_typer(locations.operations_app, name="operations")
app.add_typer(outbox.app, name="outbox")
app.add_typer(sim.app, name="sim")
app.add_typer(stations.app, name="stations")
app.add_typer(tariffs.app, name="tariffs")
app.add_typer(tokens.app, name="tokens")
app.add_typer(sessions_app, name="sessions")
app.add_typer(cdrs_app, name="cdrs")


def main() -> None:
    app()
