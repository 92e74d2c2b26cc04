"""Every simulator scenario end to end over real websockets, OCPP 1.6 and 2.0.1."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from ocpi_cpo.domain.stations import AuthorizationOutcome, ChargingState, CommandOutcome, EvseStatus
from ocpi_cpo.sim.scenarios import (
    ScenarioOptions,
    fault_during_charge,
    offline_and_back,
    plug_and_charge,
    rejected_badge,
    remote_start_stop,
)
from ocpi_cpo.sim.station import SimStation
from tests.integration.ocpp.conftest import BAD_BADGE, GOOD_BADGE, Gateway

OPTIONS = ScenarioOptions(badge=GOOD_BADGE, bad_badge=BAD_BADGE, wait=5.0, offline_seconds=0.1)


async def test_plug_and_charge(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1")
    events = gateway.events
    async with SimStation(gateway.url, "CP1", version, meter_start_wh=1000) as station:
        await plug_and_charge(station, OPTIONS)
        await events.wait(lambda: bool(events.named("transaction_stopped")))
        await events.wait(lambda: events.statuses("CP1*1")[-1:] == [EvseStatus.AVAILABLE])
    await events.wait(lambda: bool(events.named("station_offline")))

    assert events.named("station_online") == ["CP1"]
    assert [r.uid for r in events.named("authorize")] == [GOOD_BADGE]
    (started,) = events.named("transaction_started")
    assert (started.station_id, started.evse_uid, started.uid) == ("CP1", "CP1*1", GOOD_BADGE)
    assert started.connector_id == "1"
    assert started.meter_start_wh == Decimal(1000) and started.meter_start_known
    assert started.remote_start_id is None
    if version == "1.6":
        assert started.transaction_id.isdigit()
    registers = [r.register_wh for r in events.named("meter_values") if r.register_wh is not None]
    # 1.6 sends kWh strings, 2.0.1 kWh through multiplier 3 (and the Begin/End samples in Wh)
    assert list(dict.fromkeys(registers))[-3:] == [Decimal(2500), Decimal(4000), Decimal(5500)]
    assert all(r.transaction_id == started.transaction_id for r in events.named("meter_values"))
    states = [s for _, s in events.named("charging_state")]
    charging, paused = ChargingState.CHARGING, ChargingState.NOT_CHARGING
    # 2.0.1 starts the transaction at EVConnected; 1.6 tells it with the connector status
    assert states == ([charging, paused] if version == "1.6" else [paused, charging, paused])
    (stopped,) = events.named("transaction_stopped")
    assert stopped.transaction_id == started.transaction_id
    assert stopped.meter_stop_wh == Decimal(5500)
    assert stopped.reason == "EVDisconnected"
    # Available, then in use from Preparing/Occupied on, then Available again: changes only.
    assert events.statuses("CP1*1") == [
        EvseStatus.AVAILABLE,
        EvseStatus.CHARGING,
        EvseStatus.AVAILABLE,
    ]
    for _ in range(100):  # the connection's end is recorded once its events are stored
        async with gateway.storage.read() as uow:
            registered = await uow.stations.get("CP1")
        assert registered is not None
        if not registered.online:
            break
        await asyncio.sleep(0.05)
    assert registered is not None
    assert (registered.ocpp_version, registered.firmware_version) == (version, "sim-1.0")
    assert registered.vendor == "ocpi-cpo" and not registered.online


async def test_rejected_badge(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1")
    async with SimStation(gateway.url, "CP1", version) as station:
        await rejected_badge(station, OPTIONS)
        assert await station.authorize(BAD_BADGE) == "Invalid"
    assert [r.uid for r in gateway.events.named("authorize")] == [BAD_BADGE, BAD_BADGE]
    assert gateway.events.named("transaction_started") == []


async def test_remote_start_and_stop(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1")
    events = gateway.events
    async with SimStation(gateway.url, "CP1", version) as station:
        play = asyncio.create_task(remote_start_stop(station, OPTIONS))
        await events.wait(lambda: events.statuses("CP1*1") == [EvseStatus.AVAILABLE])
        assert gateway.driver.is_online("CP1*1")
        outcome = await gateway.driver.start_session("CP1*1", None, "APP-TOKEN-1", "APP_USER", 77)
        assert outcome is CommandOutcome.ACCEPTED
        await events.wait(
            lambda: any(r.register_wh == Decimal(1500) for r in events.named("meter_values"))
        )
        (started,) = events.named("transaction_started")
        assert started.remote_start_id == 77
        assert (started.uid, started.token_type) == ("APP-TOKEN-1", "APP_USER")
        # the remote-start token was not sent to real-time authorization
        assert events.named("authorize") == []
        stop = await gateway.driver.stop_session("CP1", started.transaction_id)
        assert stop is CommandOutcome.ACCEPTED
        await asyncio.wait_for(play, 5)
    (stopped,) = events.named("transaction_stopped")
    assert stopped.transaction_id == started.transaction_id
    assert stopped.reason == "Remote"


async def test_fault_during_charge(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1")
    events = gateway.events
    async with SimStation(gateway.url, "CP1", version) as station:
        await fault_during_charge(station, OPTIONS)
        await events.wait(lambda: events.statuses("CP1*1")[-1:] == [EvseStatus.AVAILABLE])
    assert events.statuses("CP1*1") == [
        EvseStatus.AVAILABLE,
        EvseStatus.CHARGING,
        EvseStatus.OUTOFORDER,
        EvseStatus.AVAILABLE,
    ]
    (stopped,) = events.named("transaction_stopped")
    assert stopped.reason == ("Other" if version == "1.6" else "GroundFault")
    if version == "1.6":  # 1.6 tells the fault through the connector status during the charge
        assert [s for _, s in events.named("charging_state")][-1] is ChargingState.OUT_OF_ORDER


async def test_offline_and_back(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1")
    events = gateway.events
    async with SimStation(gateway.url, "CP1", version) as station:
        await offline_and_back(station, OPTIONS)
        # the status it reports on return is pushed again, after the offline report
        await events.wait(lambda: events.statuses("CP1*1").count(EvseStatus.CHARGING) == 2)
    names = [n for n, _ in events.calls if n in ("station_online", "station_offline")]
    assert names[:3] == ["station_online", "station_offline", "station_online"]
    offline_at = events.calls.index(("station_offline", "CP1"))
    assert ("evse_status", ("CP1*1", EvseStatus.CHARGING)) in events.calls[offline_at:]


async def test_authorization_table_maps_to_ocpp(gateway: Gateway, version: str) -> None:
    gateway.events.table.update(
        {
            "BLOCKED1": AuthorizationOutcome.BLOCKED,
            "NOCREDIT1": AuthorizationOutcome.NO_CREDIT,
            "ELSEWHERE1": AuthorizationOutcome.NOT_ALLOWED,
        }
    )
    await gateway.add_station("CP1")
    async with SimStation(gateway.url, "CP1", version) as station:
        await station.boot()
        got = [await station.authorize(t) for t in ("BLOCKED1", "NOCREDIT1", "ELSEWHERE1")]
    if version == "1.6":
        assert got == ["Blocked", "Blocked", "Invalid"]
    else:
        assert got == ["Blocked", "NoCredit", "NotAtThisLocation"]
