"""Handshake refusals, Basic auth, command outcomes, CALLERRORs, heartbeat supervision."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from ocpi_cpo.domain import station_registry
from ocpi_cpo.domain.stations import CommandOutcome, EvseStatus
from ocpi_cpo.ocpp_gateway import gateway as gateway_module
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.sim.station import SimStation
from tests.integration.ocpp.conftest import PASSWORD, Gateway, RecordingEvents, serve_gateway


async def _refused(url: str, *, subprotocol: str = "ocpp1.6", auth: str | None = None) -> int:
    headers = {"Authorization": auth} if auth else {}
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            url, subprotocols=[Subprotocol(subprotocol)], additional_headers=headers
        ):
            pass
    status: int = refused.value.response.status_code
    return status


async def _reply(ws: ClientConnection) -> str:
    """The next reply to us, skipping the gateway's own CALLs (e.g. its TriggerMessage)."""
    while True:
        message = str(await ws.recv())
        if not message.startswith("[2,"):
            return message


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_unknown_station_is_refused(gateway: Gateway) -> None:
    assert await _refused(f"{gateway.url}/NOBODY") == 404
    assert gateway.events.calls == []


async def test_subprotocol_is_required(gateway: Gateway) -> None:
    await gateway.add_station("CP1")
    assert await _refused(f"{gateway.url}/CP1", subprotocol="ocpp2.1") == 400


async def test_basic_auth(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1", password=PASSWORD)
    url = f"{gateway.url}/CP1"
    assert await _refused(url) == 401
    assert await _refused(url, auth=_basic("CP1", "wrong-password-123456")) == 401
    assert await _refused(url, auth=_basic("CP2", PASSWORD)) == 401  # user must be the station
    async with SimStation(gateway.url, "CP1", version, password=PASSWORD) as station:
        assert await station.boot() == "Accepted"
    async with gateway.storage.read() as uow:
        stored = await uow.stations.get("CP1")
    assert stored is not None and stored.password_hash is not None
    assert PASSWORD not in stored.password_hash


async def test_a_reconnect_with_the_same_password_skips_scrypt(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reconnect storm must not cost one scrypt per station (65 ms of CPU each): a password
    that let the station in before, against the same stored hash, is checked by a keyed hash;
    another password, or the same one after the station's password changed, goes to scrypt."""
    checks: list[str] = []
    real = station_registry.verify_password

    def counted(password: str, stored: str) -> bool:
        checks.append(password)
        return real(password, stored)

    monkeypatch.setattr(gateway_module, "verify_password", counted)
    await gateway.add_station("CP1", password=PASSWORD)
    url = f"{gateway.url}/CP1"
    for _ in range(3):
        async with SimStation(gateway.url, "CP1", "1.6", password=PASSWORD) as station:
            assert await station.boot() == "Accepted"
    assert checks == [PASSWORD]  # the first connection only
    assert await _refused(url, auth=_basic("CP1", "wrong-password-123456")) == 401
    assert checks == [PASSWORD, "wrong-password-123456"]
    # a new password (the station registered again): the old one no longer gets in
    async with gateway.storage.transaction() as uow:
        await station_service.remove_station(uow, "CP1")
    await gateway.add_station("CP1", password="another-password-16+")
    assert await _refused(url, auth=_basic("CP1", PASSWORD)) == 401
    assert checks[-1] == PASSWORD  # checked with scrypt again, and refused
    async with SimStation(gateway.url, "CP1", "1.6", password="another-password-16+") as again:
        assert await again.boot() == "Accepted"


async def test_preferred_subprotocol_is_2_0_1(gateway: Gateway) -> None:
    await gateway.add_station("CP1")
    protocols = [Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")]
    async with connect(f"{gateway.url}/CP1", subprotocols=protocols) as ws:
        assert ws.subprotocol == "ocpp2.0.1"


async def test_unhandled_action_gets_callerror(gateway: Gateway) -> None:
    await gateway.add_station("CP1")
    async with connect(f"{gateway.url}/CP1", subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        await ws.send('[2,"m1","DataTransfer",{"vendorId":"x"}]')
        assert (await _reply(ws)).startswith('[4,"m1","NotImplemented"')
        await ws.send('[2,"m2","NoSuchAction",{}]')
        assert (await _reply(ws)).startswith('[4,"m2","NotSupported"')
        await ws.send('[2,"m3","Heartbeat",{"unexpected":1}]')
        reply = await _reply(ws)
        assert reply.startswith('[4,"m3"') and "Violation" in reply


async def test_payloads_are_checked_in_the_event_loop(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every payload is still checked against its schema, but without a hand-off to the thread
    pool per message (issue 21: the hand-off, not the check, cost serve's loop 16 % while 10,000
    stations connected; ocpp_gateway/_lib.py)."""
    await gateway.add_station("CP1")
    loop = asyncio.get_running_loop()
    handed: list[str] = []
    original = loop.run_in_executor

    def counting(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
        handed.append(getattr(func, "__name__", repr(func)))
        return original(executor, func, *args)

    monkeypatch.setattr(loop, "run_in_executor", counting)
    async with connect(f"{gateway.url}/CP1", subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        wrong = {"connectorId": "one", "errorCode": "NoError", "status": "Available"}
        await ws.send(json.dumps([2, "m1", "StatusNotification", wrong]))
        reply = await _reply(ws)
        assert reply.startswith('[4,"m1"') and "Violation" in reply, reply
        await ws.send('[2,"m2","Heartbeat",{}]')
        assert (await _reply(ws)).startswith('[3,"m2"')
    assert gateway.events.named("evse_status") == []  # the refused status changed nothing
    assert "_validate_payload" not in handed, handed


async def test_command_outcomes(gateway: Gateway, version: str) -> None:
    await gateway.add_station("CP1")
    driver = gateway.driver
    start = "RemoteStartTransaction" if version == "1.6" else "RequestStartTransaction"
    replies = {start: "Rejected", "CancelReservation": "Rejected", "UnlockConnector": "error"}
    async with SimStation(gateway.url, "CP1", version, replies=replies) as station:
        await station.boot()
        await station.status(1, "Charging" if version == "1.6" else "Occupied")
        await gateway.events.wait(lambda: gateway.events.statuses("CP1*1") == [EvseStatus.CHARGING])
        # Rejected on an EVSE we know is in use: EVSE_OCCUPIED
        assert await driver.start_session("CP1*1", None, "T1", "RFID", 1) is (
            CommandOutcome.EVSE_OCCUPIED
        )
        expiry = datetime.now(UTC) + timedelta(minutes=15)
        assert await driver.reserve_now("CP1*1", "LOC1", 5, "T1", "RFID", expiry) is (
            CommandOutcome.ACCEPTED
        )
        assert await driver.reserve_now("CP1*1", "OTHER", 5, "T1", "RFID", expiry) is (
            CommandOutcome.REJECTED
        )
        assert await driver.cancel_reservation("CP1", 5) is CommandOutcome.UNKNOWN_RESERVATION
        assert await driver.unlock_connector("CP1*1", "1") is CommandOutcome.FAILED  # CALLERROR
        assert await driver.stop_session("CP1", "123") is CommandOutcome.ACCEPTED
    await gateway.events.wait(lambda: bool(gateway.events.named("station_offline")))
    assert not driver.is_online("CP1*1")
    assert await driver.start_session("CP1*1", None, "T1", "RFID", 2) is CommandOutcome.FAILED
    assert await driver.stop_session("CP1", "123") is CommandOutcome.FAILED


async def test_late_reply_is_timeout_and_the_connection_goes_on(
    gateway: Gateway, version: str
) -> None:
    await gateway.add_station("CP1")
    start = "RemoteStartTransaction" if version == "1.6" else "RequestStartTransaction"
    async with SimStation(
        gateway.url, "CP1", version, replies={start: "late"}, late_delay=1.5
    ) as station:
        await station.boot()
        outcome = await gateway.driver.start_session("CP1*1", None, "T1", "RFID", 1)
        assert outcome is CommandOutcome.TIMEOUT
        await asyncio.sleep(0.8)  # the late reply arrives and is dropped
        assert await gateway.driver.unlock_connector("CP1*1", "1") is CommandOutcome.ACCEPTED


async def test_not_implemented_command_is_not_supported(gateway: Gateway) -> None:
    await gateway.add_station("CP1")
    async with connect(f"{gateway.url}/CP1", subprotocols=[Subprotocol("ocpp1.6")]) as ws:

        async def station() -> None:  # implements nothing
            while True:
                unique_id = str(await ws.recv()).split('"')[1]
                await ws.send(f'[4,"{unique_id}","NotImplemented","no",{{}}]')

        answering = asyncio.create_task(station())
        await gateway.events.wait(lambda: gateway.driver.connected() == ["CP1"])
        outcome = await gateway.driver.unlock_connector("CP1*1", "1")
        answering.cancel()
    assert outcome is CommandOutcome.NOT_SUPPORTED


async def test_missed_heartbeats_then_back(tmp_path: Path, version: str) -> None:
    events = RecordingEvents()
    async with serve_gateway(tmp_path, events, heartbeat_interval=1, heartbeat_grace=1.0) as gw:
        await gw.add_station("CP1")
        async with SimStation(gw.url, "CP1", version) as station:
            await station.boot()
            await station.status(1, "Available")
            station.stop_heartbeats()
            await events.wait(lambda: bool(events.named("station_offline")), timeout=5)
            assert not gw.driver.is_online("CP1*1")
            await station.heartbeat()  # back: online again, statuses asked for and pushed again
            await events.wait(lambda: events.statuses("CP1*1").count(EvseStatus.AVAILABLE) == 2)
            assert gw.driver.is_online("CP1*1")
    assert [n for n, _ in events.calls if n.startswith("station_")] == [
        "station_online",
        "station_offline",
        "station_online",
        "station_offline",
    ]


async def test_second_connection_replaces_the_first(gateway: Gateway) -> None:
    await gateway.add_station("CP1")
    async with SimStation(gateway.url, "CP1", "1.6") as first:
        await first.boot()
        async with SimStation(gateway.url, "CP1", "1.6") as second:
            assert await second.boot() == "Accepted"
            await asyncio.sleep(0.1)
            assert gateway.driver.is_online("CP1*1")
    await gateway.events.wait(lambda: bool(gateway.events.named("station_offline")))
    assert gateway.events.named("station_offline") == ["CP1"]


async def test_a_201_transaction_event_that_failed_is_handled_when_resent(
    gateway: Gateway,
) -> None:
    """OCPP 2.0.1: an event the services failed on is answered with a CALLERROR and is not
    counted as handled: the station's resend (same seqNo) ends the charge, so its CDR is made
    (counting it first made the resend look like a duplicate: the charge never ended here)."""
    await gateway.add_station("CP1")
    tx = '"transactionInfo":{"transactionId":"T1"},"evse":{"id":1,"connectorId":1}'
    started = (
        '[2,"e1","TransactionEvent",{"eventType":"Started","timestamp":"2026-11-24T08:00:00Z",'
        f'"triggerReason":"Authorized","seqNo":0,{tx},'
        '"idToken":{"idToken":"04A1B2C3D4E5F6","type":"ISO14443"}}]'
    )
    ended = (
        '[2,"e2","TransactionEvent",{"eventType":"Ended","timestamp":"2026-11-24T08:30:00Z",'
        f'"triggerReason":"EVDeparted","seqNo":1,{tx}}}]'
    )
    async with connect(f"{gateway.url}/CP1", subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
        await ws.send(started)
        assert (await _reply(ws)).startswith('[3,"e1"')
        gateway.events.fail_next.add("transaction_stopped")
        await ws.send(ended)
        assert (await _reply(ws)).startswith('[4,"e2","InternalError"')
        assert not gateway.events.named("transaction_stopped")
        await ws.send(ended.replace('"e2"', '"e3"'))
        assert (await _reply(ws)).startswith('[3,"e3"')
    (stopped,) = gateway.events.named("transaction_stopped")
    assert stopped.transaction_id == "T1"


async def test_services_failure_is_a_callerror_the_station_can_retry(gateway: Gateway) -> None:
    await gateway.add_station("CP1")
    gateway.events.fail_next.add("transaction_started")
    async with connect(f"{gateway.url}/CP1", subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        start = (
            '[2,"s1","StartTransaction",{"connectorId":1,"idTag":"04A1B2C3D4E5F6",'
            '"meterStart":10,"timestamp":"2026-11-24T08:00:00Z"}]'
        )
        await ws.send(start)
        assert (await _reply(ws)).startswith('[4,"s1","InternalError"')
        await ws.send(start.replace("s1", "s2"))
        assert '"Accepted"' in await _reply(ws)
