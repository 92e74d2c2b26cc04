"""``ocpi-cpo sim``: simulators (hub now; stations with the OCPP gateway)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from ocpi_cpo.cli.common import fail
from ocpi_cpo.sim.hub import SimHubState, create_hub_app

app = typer.Typer(
    help="Simulators for the demo, tests and certification rehearsals.", no_args_is_help=True
)


@app.command()
def hub(
    port: Annotated[int, typer.Option(help="port to listen on (127.0.0.1)")] = 9090,
    identity: Annotated[str, typer.Option(help="the hub's party, COUNTRY/PARTY")] = "FR/107",
    quiet: Annotated[bool, typer.Option(help="do not print each request")] = False,
) -> None:
    """A simulated Gireve IOP on 127.0.0.1 (HUB FR/107, the pre-production identity, by default)."""
    country, _, party = identity.partition("/")
    if len(country) != 2 or len(party) != 3:
        fail(f"--identity {identity!r}: expected COUNTRY/PARTY such as FR/107", 2)
    state = SimHubState(country.upper(), party.upper(), f"http://127.0.0.1:{port}", quiet=quiet)
    typer.echo(f"simulated hub {country.upper()}/{party.upper()} at {state.base_url}/ocpi/versions")
    uvicorn.run(create_hub_app(state), host="127.0.0.1", port=port, log_level="warning")
