"""``ocpi-cpo sim``: simulators (hub now; stations with the OCPP gateway)."""

from __future__ import annotations

from typing import Annotated

import typer

from ocpi_cpo.cli.common import fail, run
from ocpi_cpo.sim.errors import SimError
from ocpi_cpo.sim.scenarios import SCENARIOS, ScenarioOptions

app = typer.Typer(
    help="Simulators for the demo, tests and certification rehearsals.", no_args_is_help=True
)


@app.command()
def hub(
    port: Annotated[int, typer.Option(help="port to listen on (127.0.0.1)")] = 9090,
    identity: Annotated[str, typer.Option(help="the hub's party, COUNTRY/PARTY")] = "FR/107",
    quiet: Annotated[bool, typer.Option(help="do not print each request")] = False,
    version: Annotated[
        str, typer.Option("--version", help="the OCPI version it speaks: 2.2.1 or 2.1.1")
    ] = "2.2.1",
) -> None:
    """A simulated Gireve IOP on 127.0.0.1 (HUB FR/107, the pre-production identity, by default)."""
    if version not in ("2.2.1", "2.1.1"):
        fail(f"--version {version!r}: expected 2.2.1 or 2.1.1", 2)
    country, _, party = identity.partition("/")
    if len(country) != 2 or len(party) != 3:
        fail(f"--identity {identity!r}: expected COUNTRY/PARTY such as FR/107", 2)
    import uvicorn

    from ocpi_cpo.sim.hub import SimHubState, create_hub_app

    state = SimHubState(
        country.upper(), party.upper(), f"http://127.0.0.1:{port}", quiet=quiet, version=version
    )
    typer.echo(
        f"simulated hub {country.upper()}/{party.upper()} (OCPI {version})"
        f" at {state.base_url}/ocpi/versions"
    )
    from ocpi_cpo.collector import settle_for_long_run

    hub_app = create_hub_app(state)
    settle_for_long_run()  # its request log grows for the whole run, as a server's stations do
    uvicorn.run(hub_app, host="127.0.0.1", port=port, log_level="warning")


@app.command()
def station(
    url: Annotated[str, typer.Option(help="the gateway, e.g. ws://127.0.0.1:8080/ocpp")],
    station_id: Annotated[str, typer.Option("--id", help="the station id (as in 'stations add')")],
    scenario: Annotated[str, typer.Option(help=f"one of: {', '.join(SCENARIOS)}")],
    ocpp: Annotated[str, typer.Option("--ocpp", help="1.6 or 2.0.1")] = "1.6",
    password: Annotated[str | None, typer.Option(help="HTTP Basic auth password")] = None,
    badge: Annotated[str, typer.Option(help="RFID UID to present")] = ScenarioOptions.badge,
    bad_badge: Annotated[str, typer.Option(help="RFID UID expected to be refused")] = (
        ScenarioOptions.bad_badge
    ),
    wait: Annotated[float, typer.Option(help="seconds to wait for commands")] = 60.0,
) -> None:
    """A simulated OCPP station playing one scenario against the gateway (loopback only)."""
    from websockets.exceptions import InvalidStatus

    from ocpi_cpo.sim.station import SimStation

    if ocpp not in ("1.6", "2.0.1"):
        fail(f"--ocpp {ocpp!r}: expected 1.6 or 2.0.1", 2)
    play = SCENARIOS.get(scenario)
    if play is None:
        fail(f"--scenario {scenario!r}: expected one of {', '.join(SCENARIOS)}", 2)
    sim_station = SimStation(url, station_id, ocpp, password=password, say=typer.echo)
    options = ScenarioOptions(badge=badge, bad_badge=bad_badge, wait=wait)

    async def _play() -> None:
        async with sim_station:
            await play(sim_station, options)

    try:
        run(_play())
    except SimError as exc:
        fail(f"scenario {scenario} failed: {exc}")
    except InvalidStatus as exc:
        fail(f"the gateway refused the station: HTTP {exc.response.status_code}")
    except (OSError, TimeoutError) as exc:
        fail(f"cannot reach {url} ({exc or type(exc).__name__})")
    typer.echo(f"scenario {scenario} done")
