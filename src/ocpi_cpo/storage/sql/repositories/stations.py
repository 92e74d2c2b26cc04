"""Stations on the OCPP gateway: registry, connection state, OCPP counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from ocpi_cpo.domain.station_registry import Station
from ocpi_cpo.storage.sql.driver import (
    datetime_binder,
    datetime_reader,
    execute,
    fetch_all,
    placeholders,
)
from ocpi_cpo.storage.sql.tables.stations import ocpp16_transactions, station_evses, stations

if TYPE_CHECKING:
    from sqlalchemy import Dialect
    from sqlalchemy.ext.asyncio import AsyncConnection


# A connecting station's statements (admission, its connection, its BootNotification: every
# station of a reconnect storm runs them, issue 21) go straight to the driver: one hop to
# SQLite's thread each instead of three or four through SQLAlchemy (storage.sql.driver), and the
# row with its EVSEs in one statement (no transaction needed around two).
_READ = (
    "station_id",
    "location_id",
    "created_at",
    "password_hash",
    "security_profile",
    "ocpp_version",
    "vendor",
    "model",
    "firmware_version",
    "online",
    "connected_at",
    "disconnected_at",
    "last_heartbeat_at",
)
_TIMES = frozenset({"created_at", "connected_at", "disconnected_at", "last_heartbeat_at"})
_GET = (  # noqa: S608 - column names, placeholders
    "SELECT {}, e.ocpp_number, e.evse_uid FROM stations AS s"
    " LEFT JOIN station_evses AS e ON e.station_id = s.station_id WHERE s.station_id = {{}}"
).format(", ".join(f"s.{name}" for name in _READ))
_CONNECTED = (
    "UPDATE stations SET online = {}, ocpp_version = {}, connected_at = {},"
    " connection_epoch = connection_epoch + 1 WHERE station_id = {} RETURNING connection_epoch"
)
_BOOTED = (
    "UPDATE stations SET vendor = {}, model = {}, firmware_version = {}, last_heartbeat_at = {}"
    " WHERE station_id = {}"
)


#: each statement above with its dialect's placeholders, built once
_ADD = (
    "INSERT INTO stations (station_id, location_id, password_hash, security_profile, online,"
    " connection_epoch, remote_start_counter, created_at) VALUES ({}, {}, {}, {}, {}, 0, 0, {})"
)
_BUILT = {
    (shape, count, sqlite): shape.format(*placeholders(sqlite, count))
    for shape, count in ((_GET, 1), (_CONNECTED, 4), (_BOOTED, 5), (_ADD, 6))
    for sqlite in (True, False)
}
#: a dialect's datetime binder and reader (building them is about 0.1 ms: not per statement)
_TYPES: dict[str, tuple[Callable[[datetime | None], Any], Callable[[Any], datetime | None]]] = {}


def _types(
    dialect: Dialect,
) -> tuple[Callable[[datetime | None], Any], Callable[[Any], datetime | None]]:
    found = _TYPES.get(dialect.name)
    if found is None:
        found = _TYPES[dialect.name] = (datetime_binder(dialect), datetime_reader(dialect))
    return found


_ADD_EVSES = "INSERT INTO station_evses (station_id, ocpp_number, evse_uid) VALUES {}"
_OWNERS = "SELECT evse_uid, station_id FROM station_evses WHERE evse_uid IN ({})"


def _values(sqlite: bool, width: int, rows: int) -> str:
    """``(?, ?, ?), (?, ?, ?)``: ``rows`` groups of ``width`` placeholders."""
    marks = placeholders(sqlite, rows * width)
    return ", ".join(
        "(" + ", ".join(marks[n : n + width]) + ")" for n in range(0, len(marks), width)
    )


def _to_station(row: Any, evses: Mapping[int, str]) -> Station:
    return Station(
        station_id=row.station_id,
        location_id=row.location_id,
        evses=dict(evses),
        created_at=row.created_at,
        password_hash=row.password_hash,
        security_profile=row.security_profile,
        ocpp_version=row.ocpp_version,
        vendor=row.vendor,
        model=row.model,
        firmware_version=row.firmware_version,
        online=bool(row.online),
        connected_at=row.connected_at,
        disconnected_at=row.disconnected_at,
        last_heartbeat_at=row.last_heartbeat_at,
    )


class _Row:
    """A row's columns by name (``_to_station`` reads attributes)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


class SqlStationRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self._sqlite = connection.dialect.name == "sqlite"

    def _sql(self, shape: str, count: int) -> str:
        return _BUILT[shape, count, self._sqlite]

    async def add(
        self,
        station_id: str,
        location_id: str,
        evses: Mapping[int, str],
        password_hash: str | None,
        now: datetime,
        security_profile: int = 1,
    ) -> None:
        bind, _ = _types(self._c.dialect)
        await execute(
            self._c,
            self._sql(_ADD, 6),
            [station_id, location_id, password_hash, security_profile, False, bind(now)],
        )
        if not evses:
            return
        sql = _ADD_EVSES.format(_values(self._sqlite, 3, len(evses)))
        values = [v for number, uid in sorted(evses.items()) for v in (station_id, number, uid)]
        await execute(self._c, sql, values)

    async def get(self, station_id: str) -> Station | None:
        """The station with its EVSEs, in one statement (consistent without a transaction)."""
        rows = await fetch_all(self._c, self._sql(_GET, 1), [station_id])
        if not rows:
            return None
        _, read = _types(self._c.dialect)
        found = {
            name: read(value) if name in _TIMES else value
            for name, value in zip(_READ, rows[0], strict=False)
        }
        evses = {row[-2]: row[-1] for row in rows if row[-2] is not None}
        return _to_station(_Row(found), evses)

    async def all(self) -> Sequence[Station]:
        rows = list(await self._c.execute(select(stations).order_by(stations.c.station_id)))
        evse_rows = await self._c.execute(select(station_evses))
        by_station: dict[str, dict[int, str]] = {}
        for r in evse_rows:
            by_station.setdefault(r.station_id, {})[r.ocpp_number] = r.evse_uid
        return [_to_station(row, by_station.get(row.station_id, {})) for row in rows]

    async def count(self) -> int:
        return int(await self._c.scalar(select(func.count()).select_from(stations)) or 0)

    async def owner_of(self, evse_uids: Sequence[str]) -> dict[str, str]:
        """evse_uid -> station_id for those of ``evse_uids`` already mapped."""
        if not evse_uids:
            return {}
        marks = ", ".join(placeholders(self._sqlite, len(evse_uids)))
        rows = await fetch_all(self._c, _OWNERS.format(marks), list(evse_uids))
        return {uid: station_id for uid, station_id in rows}

    async def remove(self, station_id: str) -> bool:
        await self._c.execute(delete(station_evses).where(station_evses.c.station_id == station_id))
        result = await self._c.execute(delete(stations).where(stations.c.station_id == station_id))
        return bool(result.rowcount)

    async def connected(self, station_id: str, ocpp_version: str, now: datetime) -> int:
        bind, _ = _types(self._c.dialect)
        rows = await fetch_all(
            self._c, self._sql(_CONNECTED, 4), [True, ocpp_version, bind(now), station_id]
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    async def disconnected(self, station_id: str, now: datetime, epoch: int | None = None) -> bool:
        statement = update(stations).where(stations.c.station_id == station_id)
        if epoch is not None:
            statement = statement.where(stations.c.connection_epoch == epoch)
        result = await self._c.execute(statement.values(online=False, disconnected_at=now))
        return bool(result.rowcount)

    async def offline_unreported(self, before: datetime, limit: int) -> list[tuple[str, int]]:
        result = await self._c.execute(
            select(stations.c.station_id, stations.c.connection_epoch)
            .where(
                stations.c.online.is_(False),
                stations.c.disconnected_at <= before,
                (stations.c.offline_epoch.is_(None))
                | (stations.c.offline_epoch != stations.c.connection_epoch),
            )
            .order_by(stations.c.disconnected_at, stations.c.station_id)
            .limit(limit)
        )
        return [(row.station_id, int(row.connection_epoch)) for row in result]

    async def offline_reported(self, station_id: str, epoch: int) -> None:
        await self._c.execute(
            update(stations)
            .where(stations.c.station_id == station_id, stations.c.connection_epoch == epoch)
            .values(offline_epoch=epoch)
        )

    async def online_since_before(self, before: datetime) -> list[tuple[str, int]]:
        result = await self._c.execute(
            select(stations.c.station_id, stations.c.connection_epoch)
            .where(
                stations.c.online.is_(True),
                (stations.c.connected_at.is_(None)) | (stations.c.connected_at < before),
            )
            .order_by(stations.c.station_id)
        )
        return [(row.station_id, int(row.connection_epoch)) for row in result]

    async def connection_epoch(self, station_id: str, *, for_update: bool = False) -> int | None:
        statement = select(stations.c.connection_epoch).where(stations.c.station_id == station_id)
        if for_update:
            statement = statement.with_for_update()
        epoch = (await self._c.execute(statement)).scalar()
        return int(epoch) if epoch is not None else None

    async def booted(
        self,
        station_id: str,
        *,
        vendor: str | None,
        model: str | None,
        firmware_version: str | None,
        now: datetime,
    ) -> None:
        bind, _ = _types(self._c.dialect)
        await execute(
            self._c,
            self._sql(_BOOTED, 5),
            [vendor, model, firmware_version, bind(now), station_id],
        )

    async def heartbeats(self, seen: Mapping[str, tuple[datetime, int | None]]) -> None:
        rows = [
            {"b_station": station_id, "b_at": at, "b_epoch": epoch}
            for station_id, (at, epoch) in seen.items()
        ]
        statement = update(stations).where(stations.c.station_id == bindparam("b_station"))
        # ``online`` is the connection's to write (connected, disconnected): a heartbeat flushed
        # after its connection closed must not mark the station online again
        values: dict[str, Any] = {"last_heartbeat_at": bindparam("b_at")}
        with_epoch = [row for row in rows if row["b_epoch"] is not None]
        without = [row for row in rows if row["b_epoch"] is None]
        if with_epoch:
            await self._c.execute(
                statement.where(stations.c.connection_epoch == bindparam("b_epoch")).values(values),
                with_epoch,
            )
        if without:
            await self._c.execute(statement.values(values), without)

    async def next_remote_start_id(self, station_id: str) -> int:
        result = await self._c.execute(
            update(stations)
            .where(stations.c.station_id == station_id)
            .values(remote_start_counter=stations.c.remote_start_counter + 1)
            .returning(stations.c.remote_start_counter)
        )
        value: int = result.scalar_one()
        return value

    async def new_transaction_id(
        self, station_id: str, connector_id: int, id_tag: str, now: datetime
    ) -> int:
        result = await self._c.execute(
            insert(ocpp16_transactions)
            .values(station_id=station_id, connector_id=connector_id, id_tag=id_tag, started_at=now)
            .returning(ocpp16_transactions.c.id)
        )
        value: int = result.scalar_one()
        return value
