"""What the 1.6 and 2.0.1 endpoints do alike once the message is read: statuses, authorizations,
readings, the end of a transaction, the registry's bookkeeping."""

from __future__ import annotations

import functools
from collections.abc import Coroutine, Iterable
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
    for sample in samples:
        tx.signed.extend(sample.signed)
        if sample.register_wh is not None:
            tx.last_register = sample.register_wh
        if all(
            v is None
            for v in (sample.register_wh, sample.power_w, sample.current_a, sample.state_of_charge)
        ):
            continue
        reading = MeterReading(
            station_id=link.station_id,
            transaction_id=tx.transaction_id,
            at=sample.at,
            register_wh=sample.register_wh,
            power_w=sample.power_w,
            current_a=sample.current_a,
            state_of_charge=sample.state_of_charge,
        )
        await link.ask(functools.partial(link.events.meter_values, reading))


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


async def stopped(
    link: StationLink,
    tx: Transaction,
    meter_stop_wh: Decimal | None,
    at: datetime,
    reason: str | None,
) -> None:
    signed = tuple(tx.signed)
    event = TransactionStopped(
        station_id=link.station_id,
        transaction_id=tx.transaction_id,
        meter_stop_wh=meter_stop_wh if meter_stop_wh is not None else tx.last_register,
        stopped_at=at,
        reason=reason,
        signed_values=signed,
    )
    await link.ask(lambda: link.events.transaction_stopped(event))
    link.transactions.pop(tx.transaction_id, None)


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
        await uow.stations.heartbeat(link.station_id, link.clock.now())
