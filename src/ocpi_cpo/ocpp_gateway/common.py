"""What the 1.6 and 2.0.1 endpoints do alike once the message is read: statuses, authorizations,
readings, the end of a transaction, the registry's bookkeeping."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationOutcome,
    AuthorizationRequest,
    ChargingState,
    MeterReading,
    TransactionStopped,
)
from ocpi_cpo.ocpp_gateway.link import StationLink, Transaction
from ocpi_cpo.ocpp_gateway.meter import Sample
from ocpi_cpo.storage.protocols import UnitOfWork


def report_status(
    link: StationLink, number: int, connector: int, status: str, at: datetime
) -> None:
    """Record a StatusNotification and push each EVSE whose status changed (not awaited)."""
    for uid, evse_status in link.board.update(number, connector, status):
        link.emit(functools.partial(link.events.evse_status, uid, evse_status, at))


async def authorize(
    link: StationLink, uid: str, token_type: str, evse_uid: str | None
) -> AuthorizationDecision:
    """The services decide, except for a token we asked the station to start a session for."""
    if link.pending_for(uid=uid) is not None:
        return AuthorizationDecision(AuthorizationOutcome.ALLOWED, reason="remote start")
    request = AuthorizationRequest(link.station_id, evse_uid, uid, token_type)
    return await link.ask(lambda: link.events.authorize(request))


async def readings(link: StationLink, tx: Transaction, samples: Iterable[Sample]) -> None:
    """The samples of one message, handed over together (one write for all of them)."""
    await progress(link, tx, samples)


async def progress(
    link: StationLink,
    tx: Transaction,
    samples: Iterable[Sample] = (),
    state: ChargingState | None = None,
    at: datetime | None = None,
    stop: Stop | None = None,
) -> None:
    """What one message says of a running transaction, in this order: its readings, its
    charging state (at ``at``), its end. Handed over as one job whose calls start together in
    that order: the session service queues each write before it first waits
    (``services.sessions``), so they share one commit instead of waiting for three in turn.
    One that fails does not hold back the others; its error is raised once all have ended."""
    jobs: list[Callable[[], Awaitable[Any]]] = []
    found = _readings(link, tx, samples)
    if found:
        jobs.append(functools.partial(link.events.meter_values, *found))
    if state is not None and state is not tx.charging_state and at is not None:
        tx.charging_state = state
        jobs.append(
            functools.partial(
                link.events.charging_state, link.station_id, tx.transaction_id, state, at
            )
        )
    if stop is not None:
        jobs.append(functools.partial(link.events.transaction_stopped, _stopped(link, tx, stop)))
    if jobs:
        await link.ask(functools.partial(_started_together, jobs))
    if stop is not None:
        link.transactions.pop(tx.transaction_id, None)


async def _started_together(jobs: list[Callable[[], Awaitable[Any]]]) -> None:
    outcomes = await asyncio.gather(*(job() for job in jobs), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome


def _readings(link: StationLink, tx: Transaction, samples: Iterable[Sample]) -> list[MeterReading]:
    found: list[MeterReading] = []
    for sample in samples:
        tx.signed.extend(sample.signed)
        if sample.register_wh is not None:
            tx.last_register = sample.register_wh
        if all(
            v is None
            for v in (sample.register_wh, sample.power_w, sample.current_a, sample.state_of_charge)
        ):
            continue
        found.append(
            MeterReading(
                station_id=link.station_id,
                transaction_id=tx.transaction_id,
                at=sample.at,
                register_wh=sample.register_wh,
                power_w=sample.power_w,
                current_a=sample.current_a,
                state_of_charge=sample.state_of_charge,
            )
        )
    return found


async def charging_state(
    link: StationLink,
    tx: Transaction,
    state: ChargingState | None,
    at: datetime,
    *,
    wait: bool = True,
) -> None:
    """Report a change of charging state; ``wait=False`` from a StatusNotification, whose reply
    must not wait for the services (the order is kept either way)."""
    if state is None or state is tx.charging_state:
        return
    tx.charging_state = state

    def job() -> Coroutine[Any, Any, None]:
        return link.events.charging_state(link.station_id, tx.transaction_id, state, at)

    if wait:
        await link.ask(job)
    else:
        link.emit(job)


@dataclass(frozen=True, slots=True)
class Stop:
    """The end of a transaction as the message says it: the register (None: the last one
    read), when, why."""

    meter_stop_wh: Decimal | None
    at: datetime
    reason: str | None


def _stopped(link: StationLink, tx: Transaction, stop: Stop) -> TransactionStopped:
    return TransactionStopped(
        station_id=link.station_id,
        transaction_id=tx.transaction_id,
        meter_stop_wh=stop.meter_stop_wh if stop.meter_stop_wh is not None else tx.last_register,
        stopped_at=stop.at,
        reason=stop.reason,
        signed_values=tuple(tx.signed),
    )


async def booted(
    link: StationLink, vendor: str | None, model: str | None, firmware: str | None
) -> None:
    now = link.clock.now()

    async def write(uow: UnitOfWork) -> None:
        await uow.stations.booted(
            link.station_id, vendor=vendor, model=model, firmware_version=firmware, now=now
        )

    await link.write(write)


async def heartbeat(link: StationLink) -> None:
    """Noted for the next shared write (``ocpp_gateway.heartbeats``); answered at once."""
    if link.heartbeats is not None:
        link.heartbeats.note(link.station_id, link.clock.now(), link.epoch)
        return
    async with link.storage.transaction() as uow:
        await uow.stations.heartbeats({link.station_id: (link.clock.now(), link.epoch)})
