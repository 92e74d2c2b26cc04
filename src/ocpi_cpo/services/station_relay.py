"""Commands reach a station wherever it is connected (issue 18, points 1 and 2).

Presence: each instance holds a lease ``station/ID`` (domain.leases) for every station whose
websocket it has, taken by force when the station connects (a station reconnecting to another
instance moves there at once), renewed every ``PRESENCE_EVERY`` seconds, released when the
station leaves. An instance that dies stops renewing: its stations count as connected nowhere
after ``PRESENCE_LEASE`` seconds (then their commands get today's answers for an offline
station), and as soon as they reconnect elsewhere they are found there.

Relay: ``StationRelay`` is a ``StationDriver`` for stations other instances hold. A call is a row
in ``station_calls`` for the holder, announced by ``NOTIFY ocpi_cpo_calls`` (PostgreSQL; every
instance also looks for its calls every ``CHECK_EVERY`` second, so a lost notification costs a
second). The holder carries it out on its own OCPP driver and writes the outcome, which the
caller reads back (every 50 ms) until ``wait`` seconds have passed: then TIMEOUT, and a call not
yet taken is withdrawn (never carried out late). PostgreSQL is the only shared part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ocpi_cpo.domain.leases import CALLS_CHANNEL, STATION_PREFIX, StationCall, StationHeld
from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.services.ports import StationDriver
from ocpi_cpo.storage.protocols import Storage

log = logging.getLogger("ocpi_cpo.station_relay")

#: seconds a station's presence lasts without renewal
PRESENCE_LEASE = 15.0
#: seconds between two renewals of this instance's presence leases
PRESENCE_EVERY = 3.0
#: seconds between two looks for calls addressed to this instance (besides NOTIFY)
CHECK_EVERY = 1.0
#: seconds between two reads of a relayed call's outcome
ANSWER_POLL = 0.05


class StationRelay:
    def __init__(
        self,
        storage: Storage,
        me: str,
        local: StationDriver,
        connected: Callable[[], list[str]],
        *,
        wait: float,
    ) -> None:
        self.storage = storage
        self.me = me
        self.local = local
        self._connected = connected
        self.wait = wait
        self._held: set[str] = set()
        self._evses: dict[str, str] = {}
        self._stations: dict[str, str] = {}
        self._locations: dict[str, list[str]] = {}
        self._presence_changed = asyncio.Event()
        #: when the held leases are next renewed (time.monotonic)
        self._renew_at = 0.0
        self._calls_waiting = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- presence -------------------------------------------------------------------------------

    def stations_changed(self) -> None:
        """A station connected or left this instance (the OCPP driver tells)."""
        self._presence_changed.set()

    async def sync_presence(self) -> None:
        """Take the leases of stations that connected here, release those that left (each set
        in one statement), and renew the others every ``PRESENCE_EVERY`` seconds: not at every
        connection, since the renewal rewrites every station this instance holds (10,000 rows
        each time, once per connection in a reconnect storm)."""
        local = set(self._connected())
        arrived, left = local - self._held, self._held - local
        renew = time.monotonic() >= self._renew_at
        if not (arrived or left or renew):
            return
        async with self.storage.transaction() as uow:
            await uow.leases.take_all(_presence(arrived), self.me, PRESENCE_LEASE)
            await uow.leases.release_all(_presence(left), self.me)
            if renew:
                await uow.leases.renew(self.me, PRESENCE_LEASE, STATION_PREFIX)
        if renew:
            self._renew_at = time.monotonic() + PRESENCE_EVERY
        self._held = local

    async def refresh(self) -> None:
        """Read which stations other live instances hold (before a command is planned)."""
        async with self.storage.read() as uow:
            held = await uow.station_calls.elsewhere(self.me)
        self._learn(held)

    def _learn(self, held: list[StationHeld]) -> None:
        local = set(self._connected())
        evses: dict[str, str] = {}
        stations: dict[str, str] = {}
        locations: dict[str, list[str]] = {}
        for station in held:
            if station.station_id in local:
                continue  # it reconnected here: ours now, whatever the old lease says
            stations[station.station_id] = station.holder
            locations.setdefault(station.location_id, []).append(station.holder)
            for uid in station.evse_uids:
                evses[uid] = station.holder
        self._evses, self._stations, self._locations = evses, stations, locations

    def holds(self, station_id: str) -> bool:
        """Another instance holds this station."""
        return station_id in self._stations

    # -- StationDriver: calls for stations held elsewhere ---------------------------------------

    def is_online(self, evse_uid: str) -> bool:
        return evse_uid in self._evses

    def live_status(self, evse_uid: str) -> EvseStatus | None:
        return None  # its station reports to another instance: only the stored status is known

    async def start_session(
        self,
        evse_uid: str,
        connector_id: str | None,
        uid: str,
        token_type: str,
        remote_start_id: int,
    ) -> CommandOutcome:
        arguments = {
            "evse_uid": evse_uid,
            "connector_id": connector_id,
            "uid": uid,
            "token_type": token_type,
            "remote_start_id": remote_start_id,
        }
        return await self._call(self._evses.get(evse_uid), "start_session", arguments)

    async def stop_session(self, station_id: str, transaction_id: str) -> CommandOutcome:
        arguments = {"station_id": station_id, "transaction_id": transaction_id}
        return await self._call(self._stations.get(station_id), "stop_session", arguments)

    async def reserve_now(
        self,
        evse_uid: str | None,
        location_id: str,
        reservation_id: int,
        uid: str,
        token_type: str,
        expiry: datetime,
    ) -> CommandOutcome:
        if evse_uid is not None:
            holder = self._evses.get(evse_uid)
        else:
            holder = next(iter(self._locations.get(location_id, [])), None)
        arguments = {
            "evse_uid": evse_uid,
            "location_id": location_id,
            "reservation_id": reservation_id,
            "uid": uid,
            "token_type": token_type,
            "expiry": expiry.isoformat(),
        }
        return await self._call(holder, "reserve_now", arguments)

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> CommandOutcome:
        arguments = {"station_id": station_id, "reservation_id": reservation_id}
        return await self._call(self._stations.get(station_id), "cancel_reservation", arguments)

    async def unlock_connector(self, evse_uid: str, connector_id: str) -> CommandOutcome:
        arguments = {"evse_uid": evse_uid, "connector_id": connector_id}
        return await self._call(self._evses.get(evse_uid), "unlock_connector", arguments)

    async def set_charging_profile(
        self, station_id: str, transaction_id: str, evse_uid: str, profile: dict[str, Any]
    ) -> CommandOutcome:
        arguments = {
            "station_id": station_id,
            "transaction_id": transaction_id,
            "evse_uid": evse_uid,
            "profile": profile,
        }
        return await self._call(self._stations.get(station_id), "set_charging_profile", arguments)

    async def _call(
        self, holder: str | None, method: str, arguments: dict[str, Any]
    ) -> CommandOutcome:
        if holder is None:
            return CommandOutcome.FAILED  # connected nowhere: as an offline station
        async with self.storage.transaction() as uow:
            call_id = await uow.station_calls.add(holder, method, arguments)
        loop = asyncio.get_running_loop()
        until = loop.time() + self.wait
        while loop.time() < until:
            await asyncio.sleep(ANSWER_POLL)
            async with self.storage.read(snapshot=False) as uow:
                outcome = await uow.station_calls.outcome(call_id)
            if outcome is not None:
                return CommandOutcome(outcome)
        async with self.storage.transaction() as uow:
            await uow.station_calls.forget(call_id)
        log.warning(
            "call %d %s for instance %s: no answer in %g s", call_id, method, holder, self.wait
        )
        return CommandOutcome.TIMEOUT

    # -- serving calls addressed to this instance -----------------------------------------------

    def calls_arrived(self, target: str) -> None:
        """NOTIFY ocpi_cpo_calls: someone wrote a call for ``target``."""
        if target == self.me:
            self._calls_waiting.set()

    async def serve_once(self) -> int:
        """Take the calls addressed here and start each; how many."""
        async with self.storage.transaction() as uow:
            calls = await uow.station_calls.take(self.me)
        for call in calls:
            task = asyncio.create_task(self._carry_out(call), name=f"station call {call.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(calls)

    async def _carry_out(self, call: StationCall) -> None:
        arguments = dict(call.arguments)
        if "expiry" in arguments:
            arguments["expiry"] = datetime.fromisoformat(arguments["expiry"])
        method = getattr(self.local, call.method, None)
        try:
            outcome = await method(**arguments) if method is not None else CommandOutcome.FAILED
        except Exception as exc:
            log.warning("call %d %s failed here: %s", call.id, call.method, exc)
            outcome = CommandOutcome.FAILED
        async with self.storage.transaction() as uow:
            await uow.station_calls.answer(call.id, outcome.value)

    # -- the leader's watch over instances that died ---------------------------------------------

    async def stations_lost(self) -> list[str]:
        """Stations whose instance stopped renewing their presence (it died): their leases
        dropped; the caller reports them offline (their EVSEs UNKNOWN) until they reconnect."""
        async with self.storage.transaction() as uow:
            dropped = await uow.leases.drop_expired(STATION_PREFIX)
        return [lease.name.removeprefix(STATION_PREFIX) for lease in dropped]

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self.storage.listen(CALLS_CHANNEL, self.calls_arrived)
        for job in (self._presence_forever(), self._serve_forever()):
            task = asyncio.create_task(job)
            self._tasks.add(task)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        with contextlib.suppress(Exception):
            async with self.storage.transaction() as uow:
                await uow.leases.release_all(_presence(self._held), self.me)

    async def _presence_forever(self) -> None:
        while True:
            try:
                await self.sync_presence()
            except Exception as exc:
                log.warning("station presence not renewed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._presence_changed.wait(), PRESENCE_EVERY)
            self._presence_changed.clear()

    async def _serve_forever(self) -> None:
        while True:
            try:
                await self.serve_once()
            except Exception as exc:
                log.warning("station calls not read: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._calls_waiting.wait(), CHECK_EVERY)
            self._calls_waiting.clear()


def _presence(station_ids: set[str]) -> list[str]:
    """The presence leases' names of these stations, in order."""
    return [STATION_PREFIX + station_id for station_id in sorted(station_ids)]
