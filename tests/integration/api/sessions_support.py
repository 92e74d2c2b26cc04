"""A charge driven through the driver-neutral API (``StationEvents``), and the tariff it is priced
with: shared by the Sessions and CDRs tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import (
    AuthorizationRequest,
    ChargingState,
    MeterReading,
    SignedValue,
    TransactionStarted,
    TransactionStopped,
)
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.services.ports import StationEvents
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import imported, registered
from tests.support.locations import make_location

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}
UID = "04A23BC15D802F"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

#: AC22 as the connectors of make_location name it: every dimension priced, VAT 20 %
AC22: dict[str, Any] = {
    "country_code": "FR",
    "party_id": "AB1",
    "id": "AC22",
    "currency": "EUR",
    "type": "REGULAR",
    "elements": [
        {
            "price_components": [
                {"type": "FLAT", "price": 0.50, "vat": 20, "step_size": 1},
                {"type": "ENERGY", "price": 0.30, "vat": 20, "step_size": 1},
                {"type": "TIME", "price": 1.20, "vat": 20, "step_size": 60},
                {"type": "PARKING_TIME", "price": 6.00, "vat": 20, "step_size": 60},
            ]
        }
    ],
    "start_date_time": "2026-01-01T00:00:00Z",
}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def ready(network: Network, *, profile: str = "gireve-preprod") -> str:
    if profile == "gireve-preprod":
        token = await registered(network)
    else:
        await network.hub_registers(await network.invite(profile=profile))
        assert network.hub_state.cpo_token is not None
        token = network.hub_state.cpo_token
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22])
    assert response.json()["status_code"] == 1000, response.json()
    await imported(network, [make_location(1)])
    return token


def events(network: Network) -> StationEvents:
    found: StationEvents = network.app.state.station_events
    return found


async def deliver(network: Network) -> int:
    worker = OutboxWorker(network.storage, network.transport, network.settings, SystemClock())
    delivered = 0
    while handled := await worker.drain_once():
        delivered += handled
    return delivered


async def start(network: Network, transaction_id: str = "TX1", evse: str = "E1-1") -> None:
    pipe = events(network)
    decision = await pipe.authorize(AuthorizationRequest("ST1", evse, UID, "RFID"))
    assert decision.allowed
    started = await pipe.transaction_started(
        TransactionStarted("ST1", evse, "1", transaction_id, UID, "RFID", Decimal(1000), at(0))
    )
    assert started.allowed


async def meter(network: Network, minutes: int, wh: int, power_w: int | None = None) -> None:
    await events(network).meter_values(
        MeterReading(
            "ST1",
            "TX1",
            at(minutes),
            register_wh=Decimal(wh),
            power_w=None if power_w is None else Decimal(power_w),
        )
    )


async def state(network: Network, minutes: int, charging: ChargingState) -> None:
    await events(network).charging_state("ST1", "TX1", charging, at(minutes))


SIGNED = (SignedValue("Start", "start-plain", "c2lnbmVkLXN0YXJ0"),)


async def stop(network: Network, minutes: int, wh: int, transaction_id: str = "TX1") -> None:
    await events(network).transaction_stopped(
        TransactionStopped(
            "ST1",
            transaction_id,
            Decimal(wh),
            at(minutes),
            reason="EVDisconnected",
            signed_values=SIGNED,
            encoding_method="OCMF",
            public_key="PUBKEY",
        )
    )


async def whole_charge(
    network: Network, *, each: Callable[[], Awaitable[None]] | None = None
) -> None:
    """10:00 start at 1000 Wh; 30 min charging (22 kW), 10 min suspended by the EV, 10 min
    charging, 10 min out of order, 10 min charging, 20 min parked; stop at 11:30, 16000 Wh."""
    steps: list[Callable[[], Awaitable[None]]] = [
        lambda: state(network, 0, ChargingState.CHARGING),
        lambda: meter(network, 15, 6000, 22000),
        lambda: meter(network, 30, 11000),
        lambda: state(network, 30, ChargingState.NOT_CHARGING),
        lambda: state(network, 40, ChargingState.CHARGING),
        lambda: meter(network, 50, 14000),
        lambda: state(network, 50, ChargingState.OUT_OF_ORDER),
        lambda: state(network, 60, ChargingState.CHARGING),
        lambda: meter(network, 70, 16000),
        lambda: state(network, 70, ChargingState.NOT_CHARGING),
    ]
    await start(network)
    for step in steps:
        await step()
        if each is not None:
            await each()
    await stop(network, 90, 16000)
