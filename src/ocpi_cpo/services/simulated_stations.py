"""``SimulatedStations``: the ``StationDriver`` port without OCPP, for the demo and tests.

Each EVSE of our Locations behaves as a station that answers at once (or as scripted with
:meth:`SimulatedStations.plan`: another outcome, a delay longer than the command timeout, an
error) and then plays out what a real station would report through ``StationEvents``: an accepted
START_SESSION opens a transaction (``transaction_started`` with the ``remote_start_id``) and the
EVSE goes CHARGING; an accepted STOP_SESSION ends it (``transaction_stopped``) and the EVSE goes
AVAILABLE; reservations make it RESERVED and back. :meth:`swipe` starts a transaction by RFID.

Station ids are ``SIM:<evse_uid>``; transaction ids are random (``SIM-…``), never reused.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.commands import CommandName
from ocpi_cpo.domain.stations import (
    ChargingState,
    CommandOutcome,
    EvseStatus,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.services.ports import StationEvents

LOG = logging.getLogger(__name__)


class SimulatedStationError(Exception):
    """A scripted station failure (the station errs instead of answering)."""


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the station answers its next command of one kind."""

    outcome: CommandOutcome = CommandOutcome.ACCEPTED
    delay: float = 0.0  # seconds before answering (longer than the timeout: a late answer)
    error: bool = False  # raise instead of answering


@dataclass(slots=True)
class SimTransaction:
    station_id: str
    transaction_id: str
    evse_uid: str
    connector_id: str
    uid: str
    started_at: datetime
    remote_start_id: int | None
    meter_start_wh: Decimal


@dataclass(slots=True)
class _Evse:
    register_wh: Decimal = Decimal(0)
    reservation: int | None = None


@dataclass
class SimulatedStations:
    clock: Clock
    events: StationEvents | None = None
    #: power while charging, W: decides the energy of a stopped transaction
    power_w: Decimal = Decimal(11000)
    #: EVSE uids whose station is "not connected"
    offline: set[str] = field(default_factory=set)
    transactions: dict[str, SimTransaction] = field(default_factory=dict)
    #: every command received: (command, detail), oldest first
    received: list[tuple[CommandName, str]] = field(default_factory=list)
    #: the charging profile each transaction was last given (domain.smart_charging plan JSON)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    _plans: dict[CommandName, list[Behaviour]] = field(default_factory=dict)
    _evses: dict[str, _Evse] = field(default_factory=dict)
    _reservations: dict[int, str | None] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    # -- scripting (tests, demo) -----------------------------------------------------------

    def plan(
        self,
        command: CommandName,
        outcome: CommandOutcome = CommandOutcome.ACCEPTED,
        *,
        delay: float = 0.0,
        error: bool = False,
    ) -> None:
        """Script the answer to the next ``command`` (each plan is used once, in order)."""
        self._plans.setdefault(command, []).append(Behaviour(outcome, delay, error))

    def has_transaction(self, transaction_id: str) -> bool:
        return transaction_id in self.transactions

    def has_reservation(self, reservation_id: int) -> bool:
        return reservation_id in self._reservations

    async def idle(self) -> None:
        """Wait until every event a command caused has been reported."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def swipe(self, evse_uid: str, uid: str, connector_id: str = "1") -> str | None:
        """A driver badges and plugs in: a transaction without START_SESSION. Its id, or None
        when it was not allowed."""
        return await self._begin(evse_uid, connector_id, uid, "RFID", None)

    # -- StationDriver ----------------------------------------------------------------------

    def is_online(self, evse_uid: str) -> bool:
        return evse_uid not in self.offline

    def live_status(self, evse_uid: str) -> EvseStatus | None:
        return None  # they store their statuses themselves: the stored one is theirs

    async def start_session(
        self,
        evse_uid: str,
        connector_id: str | None,
        uid: str,
        token_type: str,
        remote_start_id: int,
    ) -> CommandOutcome:
        outcome = await self._answer(CommandName.START_SESSION, evse_uid, f"{evse_uid} {uid}")
        if outcome is CommandOutcome.ACCEPTED:
            self._spawn(
                self._begin(evse_uid, connector_id or "1", uid, token_type, remote_start_id)
            )
        return outcome

    async def stop_session(self, station_id: str, transaction_id: str) -> CommandOutcome:
        known = self.transactions.get(transaction_id)
        evse = known.evse_uid if known else None
        outcome = await self._answer(CommandName.STOP_SESSION, evse, transaction_id)
        if outcome is CommandOutcome.ACCEPTED:
            if known is None:
                return CommandOutcome.REJECTED  # a station rejects an unknown transaction
            self._spawn(self._end(transaction_id, "Remote"))
        return outcome

    async def reserve_now(
        self,
        evse_uid: str | None,
        location_id: str,
        reservation_id: int,
        uid: str,
        token_type: str,
        expiry: datetime,
    ) -> CommandOutcome:
        outcome = await self._answer(CommandName.RESERVE_NOW, evse_uid, str(reservation_id))
        if outcome is CommandOutcome.ACCEPTED:
            self._reservations[reservation_id] = evse_uid
            if evse_uid is not None:
                self._evse(evse_uid).reservation = reservation_id
                self._spawn(self._status(evse_uid, EvseStatus.RESERVED))
        return outcome

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> CommandOutcome:
        outcome = await self._answer(CommandName.CANCEL_RESERVATION, None, str(reservation_id))
        if outcome is CommandOutcome.ACCEPTED:
            if reservation_id not in self._reservations:
                return CommandOutcome.UNKNOWN_RESERVATION
            evse_uid = self._reservations.pop(reservation_id)
            if evse_uid is not None:
                self._evse(evse_uid).reservation = None
                self._spawn(self._status(evse_uid, EvseStatus.AVAILABLE))
        return outcome

    async def unlock_connector(self, evse_uid: str, connector_id: str) -> CommandOutcome:
        return await self._answer(
            CommandName.UNLOCK_CONNECTOR, evse_uid, f"{evse_uid} {connector_id}"
        )

    async def set_charging_profile(
        self, station_id: str, transaction_id: str, evse_uid: str, profile: dict[str, Any]
    ) -> CommandOutcome:
        """Kept as the transaction's limit (``profiles``); an unknown transaction is rejected."""
        if evse_uid in self.offline:
            return CommandOutcome.FAILED
        if transaction_id not in self.transactions:
            return CommandOutcome.REJECTED
        self.profiles[transaction_id] = profile
        return CommandOutcome.ACCEPTED

    # -- what the station does ----------------------------------------------------------------

    async def _answer(
        self, command: CommandName, evse_uid: str | None, detail: str
    ) -> CommandOutcome:
        self.received.append((command, detail))
        plans = self._plans.get(command)
        behaviour = plans.pop(0) if plans else Behaviour()
        if evse_uid is not None and evse_uid in self.offline:
            return CommandOutcome.FAILED
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
        if behaviour.error:
            raise SimulatedStationError(f"simulated station failed on {command.value}")
        return behaviour.outcome

    def _evse(self, evse_uid: str) -> _Evse:
        return self._evses.setdefault(evse_uid, _Evse())

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _status(self, evse_uid: str, status: EvseStatus) -> None:
        if self.events is not None:
            await self.events.evse_status(evse_uid, status, self.clock.now())

    async def _begin(
        self,
        evse_uid: str,
        connector_id: str,
        uid: str,
        token_type: str,
        remote_start_id: int | None,
    ) -> str | None:
        evse = self._evse(evse_uid)
        transaction = SimTransaction(
            station_id=f"SIM:{evse_uid}",
            transaction_id=f"SIM-{uuid.uuid4().hex[:12]}",
            evse_uid=evse_uid,
            connector_id=connector_id,
            uid=uid,
            started_at=self.clock.now(),
            remote_start_id=remote_start_id,
            meter_start_wh=evse.register_wh,
        )
        self.transactions[transaction.transaction_id] = transaction
        if self.events is None:
            LOG.warning("simulated transaction %s: no StationEvents to report it to", transaction)
            return transaction.transaction_id
        decision = await self.events.transaction_started(
            TransactionStarted(
                station_id=transaction.station_id,
                evse_uid=evse_uid,
                connector_id=connector_id,
                transaction_id=transaction.transaction_id,
                uid=uid,
                token_type=token_type,
                meter_start_wh=transaction.meter_start_wh,
                started_at=transaction.started_at,
                remote_start_id=remote_start_id,
            )
        )
        if not decision.allowed:
            await self._end(transaction.transaction_id, "DeAuthorized")
            return None
        await self._status(evse_uid, EvseStatus.CHARGING)
        await self.events.charging_state(
            transaction.station_id,
            transaction.transaction_id,
            ChargingState.CHARGING,
            self.clock.now(),
        )
        return transaction.transaction_id

    async def _end(self, transaction_id: str, reason: str) -> None:
        transaction = self.transactions.pop(transaction_id)
        evse = self._evse(transaction.evse_uid)
        now = self.clock.now()
        hours = Decimal(str(max((now - transaction.started_at).total_seconds(), 0.0) / 3600))
        evse.register_wh = (transaction.meter_start_wh + self.power_w * hours).quantize(Decimal(1))
        if self.events is None:
            return
        await self.events.transaction_stopped(
            TransactionStopped(
                station_id=transaction.station_id,
                transaction_id=transaction_id,
                meter_stop_wh=evse.register_wh,
                stopped_at=now,
                reason=reason,
            )
        )
        await self._status(transaction.evse_uid, EvseStatus.AVAILABLE)
