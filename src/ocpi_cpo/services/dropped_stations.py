"""Stations whose connection closed: reported offline (their EVSEs UNKNOWN at partners) only when
they are not back within ``[ocpp] offline_grace`` seconds.

A station drops its websocket for many reasons that last seconds: a mobile carrier's hiccup, a
reboot, a reconnect storm when a whole network comes back at once. Marking its EVSEs UNKNOWN at
once sends the hub two PATCHes per EVSE (UNKNOWN, then the status again) for a station that never
stopped working. So the gateway records the connection's end at once (``stations.online`` false,
``disconnected_at``) and leaves the report to the leader, which looks every few seconds for
stations offline longer than the grace whose end is not reported yet (``offline_epoch``) and
reports each through ``StationEvents.station_offline`` under the closed connection's epoch: a
station back meanwhile (a newer epoch, on any instance) keeps its statuses. Being in the
database, a report due when an instance stops or dies is made by the next leader.

One instance on SQLite has a second duty at start-up: stations still recorded online were held by
the process before this one, which died without recording their end; their statuses are not
known, so they are reported offline at once (on PostgreSQL the leader does this for the stations
of an instance whose presence lease expired: ``services.station_relay``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.services.ports import StationEvents
from ocpi_cpo.storage.protocols import Storage

log = logging.getLogger(__name__)

#: stations reported per look (the next look takes the rest)
BATCH = 500


def look_every(grace: float) -> float:
    """How often the leader looks: a quarter of the grace, between 1 and 15 s."""
    return min(15.0, max(1.0, grace / 4))


class DroppedStations:
    def __init__(
        self,
        storage: Storage,
        events: StationEvents,
        clock: Clock,
        grace: float,
        *,
        recover_from: datetime | None = None,
    ) -> None:
        self.storage = storage
        self.events = events
        self.clock = clock
        self.grace = grace
        #: SQLite: stations recorded online by connections opened before this are not held by
        #: anyone (the previous process died): reported offline at the first look
        self.recover_from = recover_from

    async def look(self) -> int:
        """Report what is due; how many stations were reported."""
        reported = 0
        if self.recover_from is not None:
            reported += await self.recover(self.recover_from)
            self.recover_from = None
        now = self.clock.now()
        async with self.storage.read() as uow:
            due = await uow.stations.offline_unreported(now - timedelta(seconds=self.grace), BATCH)
        done = 0
        for station_id, epoch in due:
            if await self._report(station_id, now, epoch):
                done += 1
        if done:
            log.info(
                "%d station(s) not back within %g s of their drop: reported offline",
                done,
                self.grace,
            )
        return reported + done

    async def _report(self, station_id: str, now: datetime, epoch: int) -> bool:
        """Report one station, then record that connection's end as reported (the platform's
        ``station_offline`` records it already, in its own transaction; recording it here too
        keeps any ``StationEvents`` from being asked again at every look). One that fails is
        logged and tried again at the next look; it does not hold back the others."""
        try:
            await self.events.station_offline(station_id, now, epoch)
            async with self.storage.transaction() as uow:
                await uow.stations.offline_reported(station_id, epoch)
        except Exception:
            log.exception("station %s: its drop not reported offline; trying again", station_id)
            return False
        return True

    async def recover(self, before: datetime) -> int:
        """Stations recorded online by connections opened before ``before``: recorded offline
        and reported at once (a station reconnected since has a newer epoch: left alone)."""
        async with self.storage.read() as uow:
            stale = await uow.stations.online_since_before(before)
        now = self.clock.now()
        for station_id, epoch in stale:
            async with self.storage.transaction() as uow:
                await uow.stations.disconnected(station_id, now, epoch)
            await self._report(station_id, now, epoch)
        if stale:
            log.warning(
                "%d station(s) were recorded online by the process before this one, which"
                " stopped without recording their end: reported offline until they reconnect",
                len(stale),
            )
        return len(stale)
