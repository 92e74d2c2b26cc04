"""Station registry use cases: which OCPP stations may connect and where their EVSEs are.

Each function runs inside the caller's unit of work (services never commit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ocpi_cpo.domain.leases import STATION_PREFIX, Lease
from ocpi_cpo.domain.station_registry import (
    Station,
    StationRuleError,
    check_password,
    check_security_profile,
    check_station,
    hash_password,
)
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.storage.protocols import UnitOfWork


async def add_station(
    uow: UnitOfWork,
    station_id: str,
    location_id: str,
    evses: Mapping[int, str],
    password: str | None,
    now: datetime,
    security_profile: int = 1,
) -> Station:
    try:
        check_station(station_id, location_id, evses)
        check_security_profile(security_profile, password is not None)
        if password is not None:
            check_password(password)
    except StationRuleError as exc:
        raise RuleViolation(str(exc)) from None
    if await uow.stations.get(station_id) is not None:
        raise ConflictError(
            f"station {station_id} already exists: 'ocpi-cpo stations remove {station_id}' first"
        )
    taken = await uow.stations.owner_of(list(evses.values()))
    if taken:
        uid, owner = sorted(taken.items())[0]
        raise ConflictError(f"EVSE {uid} is already mapped to station {owner}")
    hashed = hash_password(password) if password is not None else None
    await uow.stations.add(station_id, location_id, evses, hashed, now, security_profile)
    station = await uow.stations.get(station_id)
    assert station is not None
    return station


async def get_station(uow: UnitOfWork, station_id: str) -> Station:
    station = await uow.stations.get(station_id)
    if station is None:
        raise NotFoundError(f"no station {station_id!r}: see 'ocpi-cpo stations list'")
    return station


async def remove_station(uow: UnitOfWork, station_id: str) -> None:
    if not await uow.stations.remove(station_id):
        raise NotFoundError(f"no station {station_id!r}: see 'ocpi-cpo stations list'")


async def numbers_to_ask(uow: UnitOfWork, station: Station) -> list[int]:
    """The station's EVSE numbers whose status we do not know (UNKNOWN, or no stored EVSE):
    after a reconnection, only those are asked for a StatusNotification."""
    statuses = await uow.locations.evse_statuses(list(station.evses.values()))
    return sorted(
        number
        for number, uid in station.evses.items()
        if not statuses.get(uid) or "UNKNOWN" in statuses[uid]
    )


async def record_heartbeats(
    uow: UnitOfWork, seen: Mapping[str, tuple[datetime, int | None]]
) -> None:
    """Stations' last heartbeats, many at once (``ocpp_gateway.heartbeats``)."""
    await uow.stations.heartbeats(seen)


async def list_stations(uow: UnitOfWork) -> Sequence[Station]:
    return await uow.stations.all()


async def count_stations(uow: UnitOfWork) -> int:
    """How many stations are registered (without loading them)."""
    return await uow.stations.count()


async def presence(uow: UnitOfWork) -> dict[str, Lease]:
    """Which instance holds each station's websocket (several instances on PostgreSQL,
    services.station_relay): the presence lease by station id; expired ones included (their
    instance stopped renewing them: it died, the leader will report the station offline)."""
    return {
        lease.name.removeprefix(STATION_PREFIX): lease
        for lease in await uow.leases.held(STATION_PREFIX)
    }
