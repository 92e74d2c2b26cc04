"""``ocpi-cpo stations``: the OCPP stations allowed to connect, and their EVSE mapping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import orjson
import typer

from ocpi_cpo.cli.audit import audited
from ocpi_cpo.cli.common import command_context, fail, run, settings_from
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.leases import Lease
from ocpi_cpo.domain.station_registry import Station, StationRuleError, check_security_profile

if TYPE_CHECKING:
    from ocpi_cpo.config import Settings

app = typer.Typer(help="OCPP stations (1.6J / 2.0.1) and their OCPI EVSEs.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON for scripts")]


def parse_evses(values: list[str]) -> dict[int, str]:
    evses: dict[int, str] = {}
    for value in values:
        number, sep, uid = value.partition("=")
        if not sep or not number.strip().isdigit() or not uid.strip():
            fail(f"--evse {value!r}: expected N=EVSE_UID, e.g. --evse 1=FR*AB1*E1", 2)
        if int(number) in evses:
            fail(f"--evse {number} is given twice", 2)
        evses[int(number)] = uid.strip()
    return evses


@app.command()
@audited("stations.add", "station", "station_id")
def add(
    ctx: typer.Context,
    station_id: str,
    location: Annotated[str, typer.Option("--location", help="the OCPI location id")],
    evse: Annotated[
        list[str],
        typer.Option(
            "--evse",
            help="N=EVSE_UID: OCPP connectorId (1.6) or evseId (2.0.1) N is OCPI EVSE EVSE_UID;"
            " repeat for each",
        ),
    ],
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="HTTP Basic auth password the station must send (OCPP security profile 1/2);"
            " '-' reads it from standard input",
        ),
    ] = None,
    security_profile: Annotated[
        int,
        typer.Option(
            "--security-profile",
            min=1,
            max=3,
            help="OCPP security profile: 1 Basic auth when a password is set, 2 Basic auth over"
            " TLS (needs --password), 3 TLS client certificate whose CN is the station id"
            " ([ocpp.tls]); connections below it are refused",
        ),
    ] = 1,
) -> None:
    """Allow a station to connect at ws(s)://HOST:PORT/ocpp/STATION_ID and map its EVSEs."""
    from ocpi_cpo.services import stations as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    evses = parse_evses(evse)
    if password == "-":
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    try:
        check_security_profile(security_profile, password is not None)
    except StationRuleError as exc:
        fail(str(exc), 2)

    async def _add() -> Station:
        async with command_context(settings) as context, context.storage.transaction() as uow:
            return await service.add_station(
                uow, station_id, location, evses, password, context.clock.now(), security_profile
            )

    try:
        station = run(_add())
    except ServiceError as exc:
        fail(exc.message)
    typer.echo(
        f"station {station.station_id} added at location {station.location_id},"
        f" {_auth(station)}: {_evses(station)}"
    )
    typer.echo(f"it connects to {_connect_url(settings, station)}/ocpp/{station.station_id}")


@dataclass(frozen=True)
class StationEntry:
    station_id: str
    location: str
    evses: dict[int, str]
    password: str | None
    security_profile: int = 1


FIELDS = {"station_id", "location", "evses", "password", "security_profile"}


def read_entries(path: Path) -> list[StationEntry]:
    """The stations of an import file, their shape checked; exit 2 naming the entry and field."""
    try:
        document: Any = orjson.loads(path.read_bytes())
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}", 2)
    except orjson.JSONDecodeError as exc:
        fail(f"{path}: not JSON ({exc})", 2)
    if not isinstance(document, list):
        fail(f"{path}: expected a JSON array of stations", 2)
    entries = []
    for n, item in enumerate(document, 1):
        where = f"{path}: entry {n}"
        if not isinstance(item, dict):
            fail(f"{where}: expected an object", 2)
        unknown = sorted(set(item) - FIELDS)
        if unknown:
            fail(f"{where}: unknown field {unknown[0]!r}", 2)
        for name in ("station_id", "location"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                fail(f"{where}: {name!r} must be a non-empty string", 2)
        evses = item.get("evses")
        if not isinstance(evses, dict) or not evses:
            fail(f'{where}: "evses" must be an object like {{"1": "EVSE_UID"}}', 2)
        mapping: dict[int, str] = {}
        for number, uid in evses.items():
            if not str(number).isdigit() or not isinstance(uid, str) or not uid.strip():
                fail(f'{where}: "evses" entry {number!r}: expected "N": "EVSE_UID"', 2)
            mapping[int(number)] = uid.strip()
        password = item.get("password")
        if password is not None and not isinstance(password, str):
            fail(f"{where}: 'password' must be a string", 2)
        profile = item.get("security_profile", 1)
        if not isinstance(profile, int) or isinstance(profile, bool):
            fail(f"{where}: 'security_profile' must be 1, 2 or 3", 2)
        entries.append(
            StationEntry(item["station_id"], item["location"], mapping, password, profile)
        )
    return entries


@app.command("import")
@audited("stations.import", "stations file", "path")
def import_stations(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="JSON array of stations", show_default=False)],
) -> None:
    """Add many stations at once, all or nothing. Each entry: {"station_id": "CP-0001",
    "location": "LOC1", "evses": {"1": "EVSE_UID", ...}, "password": "..." (optional; the
    file then holds secrets: keep it safe, only the hash is stored)}."""
    from ocpi_cpo.services import stations as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)
    entries = read_entries(path)

    async def _import() -> list[Station]:
        added = []
        async with command_context(settings) as context, context.storage.transaction() as uow:
            for n, entry in enumerate(entries, 1):
                try:
                    added.append(
                        await service.add_station(
                            uow,
                            entry.station_id,
                            entry.location,
                            entry.evses,
                            entry.password,
                            context.clock.now(),
                            entry.security_profile,
                        )
                    )
                except ServiceError as exc:
                    raise type(exc)(f"entry {n} ({entry.station_id}): {exc.message}") from None
        return added

    try:
        added = run(_import())
    except ServiceError as exc:
        fail(f"{path}: {exc.message}; nothing was imported")
    with_auth = sum(1 for s in added if s.needs_password)
    typer.echo(
        f"{len(added)} stations added ({with_auth} with Basic auth);"
        f" they connect to {_ws_url(settings)}/ocpp/STATION_ID"
    )


@app.command("list")
def list_stations(ctx: typer.Context, json: JsonOption = False) -> None:
    """Each station: location, EVSEs, OCPP version, whether it is connected, last heartbeat, and
    which instance holds its websocket (several instances on PostgreSQL)."""
    from rich.console import Console
    from rich.table import Table

    from ocpi_cpo.services import stations as service

    settings = settings_from(ctx)

    async def _list() -> tuple[list[Station], dict[str, Lease]]:
        async with command_context(settings) as context, context.storage.read() as uow:
            return list(await service.list_stations(uow)), await service.presence(uow)

    stations, held = run(_list())
    now = SystemClock().now()
    grace = timedelta(seconds=settings.ocpp.heartbeat_interval * settings.ocpp.heartbeat_grace)
    if json:
        views = [
            station_view(s, s.is_connected(now, grace)) | _instance_view(held.get(s.station_id))
            for s in stations
        ]
        typer.echo(orjson.dumps(views).decode())
        return
    table = Table(
        "station",
        "location",
        "EVSEs",
        "OCPP",
        "connected",
        "last heartbeat",
        "firmware",
        "security",
        "instance",
    )
    for s in stations:
        heartbeat = (
            s.last_heartbeat_at.strftime("%Y-%m-%d %H:%M:%S") if s.last_heartbeat_at else "never"
        )
        table.add_row(
            s.station_id,
            s.location_id,
            _evses(s),
            s.ocpp_version or "-",
            "yes" if s.is_connected(now, grace) else "no",
            heartbeat,
            s.firmware_version or "-",
            _auth(s),
            held[s.station_id].holder if s.station_id in held else "-",
        )
    Console(width=180).print(table)
    typer.echo(f"{len(stations)} stations")


@app.command()
@audited("stations.remove", "station", "station_id")
def remove(ctx: typer.Context, station_id: str) -> None:
    """Refuse the station from now on (a connected station keeps its connection until it drops)."""
    from ocpi_cpo.services import stations as service
    from ocpi_cpo.services.errors import ServiceError

    settings = settings_from(ctx)

    async def _remove() -> None:
        async with command_context(settings) as context, context.storage.transaction() as uow:
            await service.remove_station(uow, station_id)

    try:
        run(_remove())
    except ServiceError as exc:
        fail(exc.message)
    typer.echo(f"station {station_id} removed")


def station_view(station: Station, connected: bool) -> dict[str, object]:
    """The station for JSON output: never its password hash."""
    return {
        "station_id": station.station_id,
        "location_id": station.location_id,
        "evses": {str(n): uid for n, uid in sorted(station.evses.items())},
        "ocpp_version": station.ocpp_version,
        "connected": connected,
        "last_heartbeat": station.last_heartbeat_at.isoformat()
        if station.last_heartbeat_at
        else None,
        "vendor": station.vendor,
        "model": station.model,
        "firmware_version": station.firmware_version,
        "basic_auth": station.needs_password,
        "security_profile": station.security_profile,
    }


def _instance_view(lease: Lease | None) -> dict[str, object]:
    """Which instance holds the station's websocket, since when, last renewed (PostgreSQL)."""
    if lease is None:
        return {"instance": None, "instance_since": None, "instance_last_seen": None}
    return {
        "instance": lease.holder,
        "instance_since": lease.since_at.isoformat(),
        "instance_last_seen": lease.renewed_at.isoformat(),
    }


def _evses(station: Station) -> str:
    return ", ".join(f"{n}={uid}" for n, uid in sorted(station.evses.items()))


def _auth(station: Station) -> str:
    """The security profile and what it asks of the station."""
    if station.security_profile == 3:
        return "profile 3 (client certificate)"
    if station.security_profile == 2:
        return "profile 2 (Basic auth over TLS)"
    return "profile 1 (Basic auth)" if station.needs_password else "profile 1 (no password)"


def _connect_url(settings: Settings, station: Station) -> str:
    """Where the station connects: the TLS listener of [ocpp.tls] for profile 3 when serve
    terminates TLS itself, else the public URL (a proxy in front terminates TLS)."""
    tls = settings.ocpp.tls
    if station.security_profile == 3 and tls is not None and tls.cert_file is not None:
        host = urlsplit(settings.public_url).hostname or settings.host
        return f"wss://{host}:{tls.port}"
    return _ws_url(settings)


def _ws_url(settings: Settings) -> str:
    return settings.public_url.replace("https://", "wss://").replace("http://", "ws://")
