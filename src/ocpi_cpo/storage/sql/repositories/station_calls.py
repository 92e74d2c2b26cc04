"""Station calls and station presence (services.station_relay) on SQLite and PostgreSQL.

A call is written for the instance that holds the station (``target``) and, on PostgreSQL,
announced with ``NOTIFY ocpi_cpo_calls`` when the transaction commits; the target takes its NEW
calls in one statement and answers each with the station's outcome.

Presence is a lease per station (``station/ID``, domain.leases) held by the instance whose
websocket the station is on; :meth:`SqlStationCallRepository.elsewhere` lists the stations
other live instances hold, with their Location and EVSEs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import insert, select, text, update

from ocpi_cpo.domain.leases import CALLS_CHANNEL, StationCall, StationHeld
from ocpi_cpo.storage.sql.repositories.leases import NOW
from ocpi_cpo.storage.sql.tables.station_calls import station_calls

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

_ELSEWHERE = """
SELECT stations.station_id, leases.holder, stations.location_id, station_evses.evse_uid
FROM leases
JOIN stations ON leases.name = 'station/' || stations.station_id
LEFT JOIN station_evses ON station_evses.station_id = stations.station_id
WHERE leases.name LIKE 'station/%' AND leases.holder <> :me AND leases.expires >= {now}
"""


class SqlStationCallRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self._postgres = connection.dialect.name == "postgresql"
        self._now = NOW["postgresql" if self._postgres else "sqlite"]

    async def add(self, target: str, method: str, arguments: Mapping[str, Any]) -> int:
        result = await self._c.execute(
            insert(station_calls)
            .values(
                target=target,
                method=method,
                arguments=orjson.dumps(dict(arguments)).decode(),
                state="NEW",
            )
            .returning(station_calls.c.id)
        )
        if self._postgres:
            await self._c.execute(
                text("SELECT pg_notify(:channel, :target)"),
                {
                    "channel": CALLS_CHANNEL,
                    "target": target,
                },
            )
        return int(result.scalar_one())

    async def take(self, target: str) -> list[StationCall]:
        """The NEW calls for ``target``, now TAKEN (each is carried out once)."""
        rows = await self._c.execute(
            update(station_calls)
            .where(station_calls.c.target == target, station_calls.c.state == "NEW")
            .values(state="TAKEN")
            .returning(station_calls.c.id, station_calls.c.method, station_calls.c.arguments)
        )
        calls = [StationCall(row.id, row.method, orjson.loads(row.arguments)) for row in rows]
        return sorted(calls, key=lambda call: call.id)

    async def answer(self, call_id: int, outcome: str) -> None:
        await self._c.execute(
            update(station_calls)
            .where(station_calls.c.id == call_id)
            .values(state="DONE", outcome=outcome)
        )

    async def outcome(self, call_id: int) -> str | None:
        """The station's outcome once answered; None while waiting."""
        row = (
            await self._c.execute(
                select(station_calls.c.outcome).where(station_calls.c.id == call_id)
            )
        ).first()
        return None if row is None else row.outcome

    async def forget(self, call_id: int) -> None:
        """The caller stopped waiting: a call never taken is dropped (never carried out late)."""
        await self._c.execute(
            update(station_calls)
            .where(station_calls.c.id == call_id, station_calls.c.state == "NEW")
            .values(state="DONE", outcome="TIMEOUT")
        )

    async def elsewhere(self, me: str) -> list[StationHeld]:
        """Stations whose websocket another live instance holds."""
        rows = await self._c.execute(text(_ELSEWHERE.format(now=self._now)), {"me": me})
        held: dict[str, StationHeld] = {}
        for station_id, holder, location_id, evse_uid in rows:
            found = held.setdefault(station_id, StationHeld(station_id, holder, location_id, []))
            if evse_uid is not None:
                found.evse_uids.append(evse_uid)
        return list(held.values())
