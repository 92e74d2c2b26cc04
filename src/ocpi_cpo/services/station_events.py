"""``StationEvents`` implemented: what stations report, handed to the use case that owns it.

| event                                   | goes to                                             |
| --------------------------------------- | --------------------------------------------------- |
| evse_status                             | locations: the EVSE's status, PATCHed to partners   |
|                                         | (stamped with our clock, not the station's)         |
| station_offline                         | locations: every EVSE of the station UNKNOWN        |
| station_online                          | nothing (the gateway asks for StatusNotifications)  |
| authorize                               | authorization (real time, whitelist rules); an      |
|                                         | accepted one at a known EVSE opens a PENDING session |
| transaction_started / meter_values /    | sessions (and the CDR at the stop)                  |
| charging_state / transaction_stopped    |                                                     |

Also the ``SessionDirectory`` commands need (``transaction_of``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationRequest,
    ChargingState,
    EvseStatus,
    MeterReading,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.services import locations
from ocpi_cpo.services.authorization import AuthorizationService
from ocpi_cpo.services.errors import ServiceError
from ocpi_cpo.services.ownership import Parties
from ocpi_cpo.services.session_opening import decision_uid
from ocpi_cpo.services.sessions import SessionService
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

log = logging.getLogger("ocpi_cpo.station_events")


class StationEventsService:
    def __init__(
        self,
        storage: Storage,
        authorization: AuthorizationService,
        sessions: SessionService,
        clock: Clock | None = None,
    ) -> None:
        self.storage = storage
        self.authorization = authorization
        self.sessions = sessions
        self.clock = clock or sessions.clock
        # Statuses of many stations arriving together share one transaction (no added wait),
        # with the sessions' writes of the same moment (SessionService.writes).
        self.statuses = sessions.writes

    async def station_online(self, station_id: str, at: datetime) -> None:
        log.info("station %s online", station_id)

    async def station_offline(
        self, station_id: str, at: datetime, epoch: int | None = None
    ) -> None:
        async with self.storage.read() as uow:
            station = await uow.stations.get(station_id)
        if station is None:
            return
        if epoch is None:
            for evse_uid in station.evses.values():
                await self.evse_status(evse_uid, EvseStatus.UNKNOWN, at)
            return
        evses = list(station.evses.values())

        async def apply(uow: UnitOfWork) -> bool:
            # The station's row held to the commit: a new connection's epoch is written either
            # before (then nothing here) or after (then its statuses come after these UNKNOWNs).
            if await uow.stations.connection_epoch(station_id, for_update=True) != epoch:
                return False
            for evse_uid in evses:
                try:
                    await locations.set_evse_status(
                        uow, self.sessions.publisher, evse_uid, EvseStatus.UNKNOWN, self.clock.now()
                    )
                except ServiceError as exc:
                    log.warning("status UNKNOWN of EVSE %s not applied: %s", evse_uid, exc)
            await uow.stations.offline_reported(station_id, epoch)
            return True

        if not await self.statuses.run(apply):
            log.info(
                "station %s is back on a newer connection: its EVSEs keep their statuses",
                station_id,
            )

    async def evse_status(self, evse_uid: str, status: EvseStatus, at: datetime) -> None:
        """``at`` is the station's word for when; the change is stamped with our clock: a station
        whose clock runs ahead would otherwise hold its PATCH back (the outbox sends what is due)
        and a late one would hide the change from partners pulling with date_from."""

        async def apply(uow: UnitOfWork) -> None:
            await locations.set_evse_status(
                uow, self.sessions.publisher, evse_uid, status, self.clock.now()
            )

        try:
            await self.statuses.run(apply)
        except ServiceError as exc:
            log.warning("status %s of EVSE %s not applied: %s", status.value, evse_uid, exc)

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        """A station that did not say which EVSE (OCPP 1.6 Authorize) is asked about at its first
        EVSE: all its EVSEs share one Location, which is what the hub needs (gireve.md §8.2)."""
        asked = request
        if request.evse_uid is None:
            async with self.storage.read() as uow:
                station = await uow.stations.get(request.station_id)
            if station is not None and station.evses:
                first = station.evses[min(station.evses)]
                asked = replace(request, evse_uid=first)
        decision = await self.authorization.authorize(asked)
        if decision.allowed and request.evse_uid is not None:
            uid = decision_uid(request.uid, request.token_type)
            async with self.storage.read() as uow:
                record = await uow.emsp_tokens.decisions(limit=1, uid=uid)
            if record and record[0].outcome is decision.outcome:
                await self.sessions.open_pending(request.evse_uid, None, record[0])
        return decision

    async def transaction_started(self, event: TransactionStarted) -> AuthorizationDecision:
        return await self.sessions.transaction_started(event)

    async def meter_values(self, *readings: MeterReading) -> None:
        await self.sessions.meter_values(*readings)

    async def charging_state(
        self, station_id: str, transaction_id: str, state: ChargingState, at: datetime
    ) -> None:
        await self.sessions.charging_state(station_id, transaction_id, state, at)

    async def transaction_stopped(self, event: TransactionStopped) -> None:
        await self.sessions.transaction_stopped(event)

    async def transaction_of(
        self, session_id: str, parties: Parties, operation: tuple[str, str] | None = None
    ) -> tuple[str, str] | None:
        return await self.sessions.transaction_of(session_id, parties, operation)
