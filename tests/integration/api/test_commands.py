"""Commands Receiver with simulated stations: every command and outcome, the immediate
CommandResponse and the one CommandResult POSTed to the response_url (through the outbox)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
import pytest

from ocpi_cpo.domain.authorization import DecisionSource
from ocpi_cpo.domain.commands import CommandName, CommandState
from ocpi_cpo.domain.stations import AuthorizationOutcome, AuthorizationRequest, CommandOutcome
from ocpi_cpo.ocpi.context import OcpiContext
from tests.integration.api.commands_support import (
    RESPONSE_URL,
    TIMEOUT,
    Commands,
    commands,
    ready,
    start_body,
)

__all__ = ["commands"]  # the fixture


def data(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    assert body["status_code"] == 1000, body
    result: dict[str, Any] = body["data"]
    return result


async def test_hub_starts_and_stops_a_session(commands: Commands) -> None:
    """The hub's own control endpoint: START_SESSION without evse_uid or connector_id (an eMSP on
    2.1.1 behind Gireve), then STOP_SESSION; exactly one correct result each."""
    await ready(commands)
    hub = commands.network.hub_app
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=hub), base_url="http://hub.test"
    ) as control:
        sent = (
            await control.post("/_sim/commands/START_SESSION", json={"location_id": "LOC1"})
        ).json()
        assert sent["ocpi"] == 1000 and sent["data"]["result"] == "ACCEPTED", sent
        assert sent["data"]["timeout"] == 1 + commands.service.settings.result_margin
        results = await commands.settle()
        assert [(r["command"], r["result"]) for r in results] == [("START_SESSION", "ACCEPTED")]
        assert (results[0]["from"], results[0]["to"]) == ("FR/AB1", "NL/EMS")
        (started,) = commands.side.started
        assert (started.evse_uid, started.connector_id) == ("E1-1", "1")
        (stored,) = await commands.stored()
        assert started.remote_start_id == stored.id
        stop = {"session_id": "S1"}
        sent = (await control.post("/_sim/commands/STOP_SESSION", json=stop)).json()
        assert sent["data"]["result"] == "ACCEPTED", sent
        results = await commands.settle()
        assert [(r["command"], r["result"]) for r in results] == [
            ("START_SESSION", "ACCEPTED"),
            ("STOP_SESSION", "ACCEPTED"),
        ]
        assert [s.transaction_id for s in commands.side.stopped] == [started.transaction_id]
        listed = (await control.get("/_sim/command_results")).json()
    assert len(listed) == 2
    assert len(await commands.settle()) == 2  # nothing more is ever sent


async def test_start_session_token_is_kept_and_not_authorized_again(commands: Commands) -> None:
    await ready(commands)
    # the eMSP would refuse the badge in real time: the command's grant must win without asking
    commands.network.hub_state.token_outcomes["04A1B2C3"] = {"allowed": "BLOCKED"}
    body = start_body(token={**start_body()["token"], "uid": "04a1b2c3", "type": "RFID"})
    body["evse_uid"], body["connector_id"] = "E1-2", "2"
    assert data(await commands.send("START_SESSION", body))["result"] == "ACCEPTED"
    await commands.settle()
    (started,) = commands.side.started
    assert (started.uid, started.evse_uid, started.connector_id) == ("04A1B2C3", "E1-2", "2")
    context: OcpiContext = commands.network.app.state.ocpi
    async with commands.network.storage.read() as uow:
        (grant,) = await uow.emsp_tokens.decisions(uid="04A1B2C3")
    assert grant.source is DecisionSource.COMMAND
    assert grant.reason == f"remote_start_id={started.remote_start_id}"
    assert (grant.location_id, grant.evse_uid) == ("LOC1", "E1-2")
    assert grant.authorization_reference == "AUTH-REF-1"
    assert grant.token_document is not None
    assert orjson.loads(grant.token_document)["contract_id"] == "NL-EMS-C00000001"
    decision = await context.authorization.authorize(
        AuthorizationRequest("SIM:E1-2", "E1-2", "04a1b2c3")
    )
    assert decision.outcome is AuthorizationOutcome.ALLOWED
    assert decision.authorization_reference == "AUTH-REF-1"
    asked = [r for r in commands.network.hub_state.requests if r["path"].endswith("/authorize")]
    assert asked == []


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ({"outcome": CommandOutcome.REJECTED}, "REJECTED"),
        ({"outcome": CommandOutcome.EVSE_OCCUPIED}, "EVSE_OCCUPIED"),
        ({"error": True}, "FAILED"),
        ({"delay": TIMEOUT * 4}, "TIMEOUT"),
    ],
    ids=["rejected", "occupied", "station-error", "timeout"],
)
async def test_start_session_station_outcomes(
    commands: Commands, plan: dict[str, Any], expected: str
) -> None:
    await ready(commands)
    commands.stations.plan(CommandName.START_SESSION, **plan)
    assert data(await commands.send("START_SESSION", start_body()))["result"] == "ACCEPTED"
    results = await commands.settle()
    assert [r["result"] for r in results] == [expected]
    (stored,) = await commands.stored()
    assert (stored.state, stored.result) == (CommandState.DONE, CommandOutcome(expected))


async def test_late_accept_after_timeout_is_logged_never_sent(
    commands: Commands, caplog: pytest.LogCaptureFixture
) -> None:
    await ready(commands)
    commands.stations.plan(CommandName.START_SESSION, delay=TIMEOUT * 2)
    with caplog.at_level(logging.WARNING, logger="ocpi_cpo.commands"):
        assert data(await commands.send("START_SESSION", start_body()))["result"] == "ACCEPTED"
        results = await commands.settle()
    assert [r["result"] for r in results] == ["TIMEOUT"]
    (stored,) = await commands.stored()
    assert (stored.result, stored.late_result) == (CommandOutcome.TIMEOUT, CommandOutcome.ACCEPTED)
    assert any("late station answer ACCEPTED" in r.getMessage() for r in caplog.records)
    # the late start did begin: reported with the command's remote_start_id (its token and
    # authorization_reference), like any session
    (started,) = commands.side.started
    assert started.remote_start_id == stored.id
    async with commands.network.storage.transaction() as uow:
        assert not await uow.commands.finish(
            stored.id, CommandOutcome.ACCEPTED, None, stored.deadline
        )
    assert len(await commands.settle()) == 1


async def test_station_offline_is_rejected_at_once(commands: Commands) -> None:
    await ready(commands)
    commands.stations.offline.update({"E1-1", "E1-2"})
    answer = data(await commands.send("START_SESSION", start_body(evse_uid="E1-1")))
    assert answer["result"] == "REJECTED" and "offline" in answer["message"][0]["text"]
    no_evse = data(await commands.send("START_SESSION", start_body()))
    assert no_evse["result"] == "REJECTED"
    assert await commands.settle() == [] and await commands.stored() == []


@pytest.mark.parametrize(
    ("status", "expected"), [("CHARGING", "EVSE_OCCUPIED"), ("INOPERATIVE", "EVSE_INOPERATIVE")]
)
async def test_evse_state_known_to_us(commands: Commands, status: str, expected: str) -> None:
    await ready(commands, e1=status)
    answer = data(await commands.send("START_SESSION", start_body(evse_uid="E1-1")))
    assert answer["result"] == "ACCEPTED"
    assert [r["result"] for r in await commands.settle()] == [expected]
    assert commands.stations.received == []  # no station was asked


@pytest.mark.parametrize(
    ("status", "expected"), [("CHARGING", "EVSE_OCCUPIED"), ("INOPERATIVE", "EVSE_INOPERATIVE")]
)
async def test_a_reservation_of_an_evse_known_busy_asks_no_station(
    commands: Commands, status: str, expected: str
) -> None:
    """The result is known at once: a ReserveNow sent anyway would hold the EVSE at the station
    for a reservation its eMSP was told had failed."""
    await ready(commands, profile="ocpi-2.2.1", e1=status)
    answer = data(await commands.send("RESERVE_NOW", _reserve("R1")))
    assert answer["result"] == "ACCEPTED"
    assert [r["result"] for r in await commands.settle()] == [expected]
    assert commands.stations.received == []


async def test_unknown_location_evse_connector(commands: Commands) -> None:
    await ready(commands)
    unknown = await commands.send("START_SESSION", start_body(location_id="NOPE"))
    assert unknown.status_code == 200
    assert unknown.json()["status_code"] == 2003
    assert "NOPE" in unknown.json()["status_message"]
    assert unknown.headers["OCPI-to-party-id"] == "EMS"
    evse = data(await commands.send("START_SESSION", start_body(evse_uid="E9-9")))
    assert evse["result"] == "REJECTED"
    connector = start_body(evse_uid="E1-1", connector_id="7")
    assert data(await commands.send("START_SESSION", connector))["result"] == "REJECTED"
    assert await commands.settle() == [] and await commands.stored() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response_url": f"{RESPONSE_URL}/START_SESSION/1", "location_id": "LOC1"}, "token"),
        ({**start_body(), "response_url": "not a url"}, "response_url"),
        ({**start_body(), "connector_id": "1"}, "evse_uid"),
        ({**start_body(), "token": {"uid": "X"}}, "token.country_code"),
    ],
    ids=["token-missing", "bad-url", "connector-without-evse", "bad-token"],
)
async def test_bad_body_names_the_field(commands: Commands, body: Any, field: str) -> None:
    await ready(commands)
    answer = (await commands.send("START_SESSION", body)).json()
    assert answer["status_code"] == 2001 and field in answer["status_message"], answer
    assert await commands.stored() == []


async def test_malformed_json_and_unknown_command(commands: Commands) -> None:
    await ready(commands)
    broken = await commands.send("START_SESSION", b'{"response_url": ')
    assert (broken.status_code, broken.json()["status_code"]) == (400, 2001)
    future = data(await commands.send("SET_CHARGING_PROFILE", start_body()))
    assert future["result"] == "NOT_SUPPORTED"


async def test_response_url_must_be_the_partners(commands: Commands) -> None:
    await ready(commands)
    body = start_body(response_url="https://evil.example/steal")
    answer = (await commands.send("START_SESSION", body)).json()
    assert answer["status_code"] == 2001 and "response_url" in answer["status_message"]


async def test_stop_session_unknown_and_started_by_rfid(commands: Commands) -> None:
    await ready(commands)
    stop = {"response_url": f"{RESPONSE_URL}/STOP_SESSION/1", "session_id": "NOPE"}
    assert data(await commands.send("STOP_SESSION", stop))["result"] == "UNKNOWN_SESSION"
    transaction = await commands.stations.swipe("E1-1", "04A1B2C3")
    assert transaction is not None and commands.side.started[0].remote_start_id is None
    (session_id,) = commands.side.sessions
    stop["session_id"] = session_id
    assert data(await commands.send("STOP_SESSION", stop))["result"] == "ACCEPTED"
    assert [r["result"] for r in await commands.settle()] == ["ACCEPTED"]
    assert [s.transaction_id for s in commands.side.stopped] == [transaction]


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ({}, "ACCEPTED"),
        ({"outcome": CommandOutcome.REJECTED}, "REJECTED"),
        ({"delay": 1.2}, "TIMEOUT"),
    ],
    ids=["accepted", "rejected", "timeout"],
)
async def test_stop_session_station_outcomes(
    commands: Commands, plan: dict[str, Any], expected: str
) -> None:
    await ready(commands)
    assert await commands.stations.swipe("E1-1", "04A1B2C3") is not None
    commands.stations.plan(CommandName.STOP_SESSION, **plan)
    stop = {"response_url": f"{RESPONSE_URL}/STOP_SESSION/1", "session_id": "S1"}
    assert data(await commands.send("STOP_SESSION", stop))["result"] == "ACCEPTED"
    assert [r["result"] for r in await commands.settle()] == [expected]


async def test_gireve_profile_forwards_start_and_stop_only(commands: Commands) -> None:
    await ready(commands)
    for name, body in _other_commands().items():
        answer = data(await commands.send(name, body))
        assert answer["result"] == "NOT_SUPPORTED", name
    assert await commands.settle() == [] and await commands.stored() == []


def _other_commands() -> dict[str, dict[str, Any]]:
    return {
        "RESERVE_NOW": _reserve("R1"),
        "CANCEL_RESERVATION": {
            "response_url": f"{RESPONSE_URL}/CANCEL_RESERVATION/1",
            "reservation_id": "R1",
        },
        "UNLOCK_CONNECTOR": _unlock(),
    }


def _reserve(reservation_id: str, evse_uid: str | None = "E1-1", **fields: Any) -> dict[str, Any]:
    body = {
        "response_url": f"{RESPONSE_URL}/RESERVE_NOW/{reservation_id}",
        "token": start_body()["token"],
        "expiry_date": "2099-01-01T00:00:00Z",
        "reservation_id": reservation_id,
        "location_id": "LOC1",
        "evse_uid": evse_uid,
        **fields,
    }
    return {k: v for k, v in body.items() if v is not None}


def _unlock(connector_id: str = "1") -> dict[str, Any]:
    return {
        "response_url": f"{RESPONSE_URL}/UNLOCK_CONNECTOR/1",
        "location_id": "LOC1",
        "evse_uid": "E1-1",
        "connector_id": connector_id,
    }


async def test_reservations_for_other_partners(commands: Commands) -> None:
    await ready(commands, profile="ocpi-2.2.1")
    assert data(await commands.send("RESERVE_NOW", _reserve("R1")))["result"] == "ACCEPTED"
    await commands.settle()
    again = _reserve("R1", expiry_date="2099-02-01T00:00:00Z")  # same id: replaces it
    assert data(await commands.send("RESERVE_NOW", again))["result"] == "ACCEPTED"
    anywhere = _reserve("R2", evse_uid=None)
    assert data(await commands.send("RESERVE_NOW", anywhere))["result"] == "ACCEPTED"
    await commands.settle()
    first, second, third = await commands.stored()
    assert second.station_reservation_id == first.station_reservation_id == first.id
    assert third.station_reservation_id == third.id
    cancel = _other_commands()["CANCEL_RESERVATION"]
    assert data(await commands.send("CANCEL_RESERVATION", cancel))["result"] == "ACCEPTED"
    unknown = {**cancel, "reservation_id": "R9"}
    assert data(await commands.send("CANCEL_RESERVATION", unknown))["result"] == "ACCEPTED"
    results = await commands.settle()
    assert [(r["command"], r["result"]) for r in results] == [
        ("RESERVE_NOW", "ACCEPTED"),
        ("RESERVE_NOW", "ACCEPTED"),
        ("RESERVE_NOW", "ACCEPTED"),
        ("CANCEL_RESERVATION", "ACCEPTED"),
        ("CANCEL_RESERVATION", "UNKNOWN_RESERVATION"),
    ]
    assert [s for e, s in commands.side.statuses if e == "E1-1"][-1] == "AVAILABLE"
    past = _reserve("R3", expiry_date="2020-01-01T00:00:00Z")
    answer = (await commands.send("RESERVE_NOW", past)).json()
    assert answer["status_code"] == 2001 and "expiry_date" in answer["status_message"]


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ({}, "ACCEPTED"),
        ({"outcome": CommandOutcome.FAILED}, "FAILED"),
        ({"outcome": CommandOutcome.NOT_SUPPORTED}, "NOT_SUPPORTED"),
        ({"error": True}, "FAILED"),
        ({"delay": 1.2}, "TIMEOUT"),
    ],
    ids=["accepted", "failed", "not-supported", "station-error", "timeout"],
)
async def test_unlock_connector(commands: Commands, plan: dict[str, Any], expected: str) -> None:
    await ready(commands, profile="ocpi-2.2.1")
    commands.stations.plan(CommandName.UNLOCK_CONNECTOR, **plan)
    assert data(await commands.send("UNLOCK_CONNECTOR", _unlock()))["result"] == "ACCEPTED"
    assert [r["result"] for r in await commands.settle()] == [expected]
    assert data(await commands.send("UNLOCK_CONNECTOR", _unlock("9")))["result"] == "REJECTED"
    commands.stations.offline.add("E1-1")
    assert data(await commands.send("UNLOCK_CONNECTOR", _unlock()))["result"] == "REJECTED"
    assert len(await commands.settle()) == 1


async def test_commands_left_pending_by_a_restart_time_out_once(commands: Commands) -> None:
    await ready(commands)
    commands.stations.plan(CommandName.START_SESSION, delay=30)
    assert data(await commands.send("START_SESSION", start_body()))["result"] == "ACCEPTED"
    await commands.service.runner.close()  # the process "stops" before the station answers
    (stored,) = await commands.stored()
    assert stored.state is CommandState.PENDING
    runner = commands.service.runner
    assert await runner.sweep() == 0  # not overdue yet
    assert await runner.sweep(grace=-60.0) == 1  # as if long past its deadline
    assert await runner.sweep(grace=-60.0) == 0
    assert [r["result"] for r in await commands.settle()] == ["TIMEOUT"]
