"""Commands Receiver for a 2.1.1 eMSP (mod_commands 2.1.1), with simulated stations: the four
2.1.1 commands answered with a 2.1.1 CommandResponse and their one result POSTed to the
response_url as another; the same service and rules as 2.2.1; bad bodies are OCPI 2001 naming
the field, with nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from ocpi_cpo.domain.authorization import DecisionSource
from ocpi_cpo.domain.commands import CommandName, CommandState
from ocpi_cpo.domain.stations import CommandOutcome
from tests.integration.api.commands_support import Commands, commands, with_location
from tests.integration.api.ocpi_211_support import EMSP, Emsp211, registered_211

__all__ = ["commands"]  # the fixture

RESPONSE_URL = f"http://{EMSP}/ocpi/2.1.1/commands"
TOKEN: dict[str, Any] = {
    "uid": "04A1B2C3",
    "type": "RFID",
    "auth_id": "NL-EMS-C00000001",
    "issuer": "NL*EMS",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2026-01-01T00:00:00Z",
}


def body_of(command: str, ref: str = "1", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"response_url": f"{RESPONSE_URL}/{command}/{ref}"}
    if command in ("START_SESSION", "RESERVE_NOW"):
        body.update(token=TOKEN, location_id="LOC1", authorization_id="GIR-AUTH-7")
    if command == "RESERVE_NOW":
        body.update(expiry_date="2099-01-01T00:00:00Z", reservation_id=12, evse_uid="E1-2")
    if command == "STOP_SESSION":
        body["session_id"] = "S1"
    if command == "UNLOCK_CONNECTOR":
        body.update(location_id="LOC1", evse_uid="E1-1", connector_id="1")
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


async def emsp_ready(commands: Commands) -> Emsp211:
    emsp = await registered_211(commands.network, party=("NL", "EMS"))
    await with_location(commands.network)
    return emsp


async def send(commands: Commands, emsp: Emsp211, command: str, body: Any) -> httpx.Response:
    return await commands.network.client.post(
        f"/ocpi/2.1.1/commands/{command}",
        headers=emsp.headers(),
        content=body if isinstance(body, bytes) else orjson.dumps(body),
    )


def answer(response: httpx.Response) -> dict[str, Any]:
    envelope: dict[str, Any] = response.json()
    assert response.status_code == 200 and envelope["status_code"] == 1000, envelope
    data: dict[str, Any] = envelope["data"]
    return data


async def results(commands: Commands, emsp: Emsp211) -> list[tuple[str, dict[str, Any]]]:
    await commands.settle()
    return [(p, orjson.loads(b)) for p, b in emsp.sent("POST", "/ocpi/2.1.1/commands/")]


async def test_start_and_stop_session_in_211(commands: Commands) -> None:
    emsp = await emsp_ready(commands)
    started = answer(await send(commands, emsp, "START_SESSION", body_of("START_SESSION")))
    assert started == {"result": "ACCEPTED"}  # 2.1.1: no timeout, no message
    assert await results(commands, emsp) == [
        ("/ocpi/2.1.1/commands/START_SESSION/1", {"result": "ACCEPTED"})
    ]
    (event,) = commands.side.started
    assert (event.uid, event.evse_uid, event.connector_id) == ("04A1B2C3", "E1-1", "1")
    async with commands.network.storage.read() as uow:
        (grant,) = await uow.emsp_tokens.decisions(uid="04A1B2C3")
    assert grant.source is DecisionSource.COMMAND
    assert grant.authorization_reference == "GIR-AUTH-7"  # Gireve's authorization_id, kept
    assert grant.token_document is not None
    token = orjson.loads(grant.token_document)
    assert (token["country_code"], token["party_id"]) == ("NL", "EMS")
    assert token["contract_id"] == "NL-EMS-C00000001"
    # Its result carries no routing headers: 2.1.1 has none.
    async with commands.network.storage.read() as uow:
        (command,) = await uow.commands.recent()
    assert command.state is CommandState.DONE

    stopped = answer(await send(commands, emsp, "STOP_SESSION", body_of("STOP_SESSION")))
    assert stopped == {"result": "ACCEPTED"}
    assert [r for _, r in await results(commands, emsp)] == [{"result": "ACCEPTED"}] * 2
    assert [s.transaction_id for s in commands.side.stopped] == [event.transaction_id]
    unknown = body_of("STOP_SESSION", "2", session_id="S9")
    assert answer(await send(commands, emsp, "STOP_SESSION", unknown)) == {
        "result": "UNKNOWN_SESSION"
    }


async def test_reserve_now_and_unlock_connector_in_211(commands: Commands) -> None:
    emsp = await emsp_ready(commands)
    reserved = answer(await send(commands, emsp, "RESERVE_NOW", body_of("RESERVE_NOW")))
    assert reserved == {"result": "ACCEPTED"}
    # The 2.2.1 rule, unchanged: an eMSP unlocks only a connector where its token had the
    # current or last session (services.command_checks); it had none here.
    unlocked = answer(await send(commands, emsp, "UNLOCK_CONNECTOR", body_of("UNLOCK_CONNECTOR")))
    assert unlocked == {"result": "REJECTED"}
    got = await results(commands, emsp)
    assert got == [("/ocpi/2.1.1/commands/RESERVE_NOW/1", {"result": "ACCEPTED"})]
    assert ("E1-2", "RESERVED") in [(e, s.value) for e, s in commands.side.statuses]
    stored = {c.name: c for c in await commands.stored()}
    assert stored[CommandName.RESERVE_NOW].reservation_id == "12"
    assert stored[CommandName.RESERVE_NOW].evse_uid == "E1-2"


async def test_cancel_reservation_is_not_a_211_command(commands: Commands) -> None:
    emsp = await emsp_ready(commands)
    body = {"response_url": f"{RESPONSE_URL}/CANCEL_RESERVATION/1", "reservation_id": "12"}
    assert answer(await send(commands, emsp, "CANCEL_RESERVATION", body)) == {
        "result": "NOT_SUPPORTED"
    }
    assert answer(await send(commands, emsp, "SELF_DESTRUCT", body)) == {"result": "NOT_SUPPORTED"}
    assert await commands.stored() == []
    assert await results(commands, emsp) == []


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ({"outcome": CommandOutcome.REJECTED}, "REJECTED"),
        ({"outcome": CommandOutcome.EVSE_OCCUPIED}, "REJECTED"),  # 2.1.1 has no EVSE_OCCUPIED
        ({"error": True}, "REJECTED"),  # nor FAILED
        ({"delay": 1.2}, "TIMEOUT"),
    ],
    ids=["rejected", "occupied", "station-error", "timeout"],
)
async def test_station_outcomes_in_211_names(
    commands: Commands, plan: dict[str, Any], expected: str
) -> None:
    emsp = await emsp_ready(commands)
    commands.stations.plan(CommandName.START_SESSION, **plan)
    assert answer(await send(commands, emsp, "START_SESSION", body_of("START_SESSION"))) == {
        "result": "ACCEPTED"
    }
    assert [r for _, r in await results(commands, emsp)] == [{"result": expected}]


@pytest.mark.parametrize(
    ("command", "change", "field"),
    [
        ("START_SESSION", {"token": {**TOKEN, "auth_id": None}}, "token.auth_id"),
        ("START_SESSION", {"token": {**TOKEN, "type": "APP_USER"}}, "token.type"),
        ("START_SESSION", {"location_id": None}, "location_id"),
        ("START_SESSION", {"response_url": None}, "response_url"),
        ("RESERVE_NOW", {"expiry_date": "tomorrow"}, "expiry_date"),
        ("RESERVE_NOW", {"reservation_id": None}, "reservation_id"),
        ("STOP_SESSION", {"session_id": "x" * 37}, "session_id"),
        ("UNLOCK_CONNECTOR", {"connector_id": None}, "connector_id"),
    ],
)
async def test_bad_211_command_bodies_are_2001_naming_the_field(
    commands: Commands, command: str, change: dict[str, Any], field: str
) -> None:
    emsp = await emsp_ready(commands)
    body = body_of(command, **change)
    if isinstance(body.get("token"), dict):
        body["token"] = {k: v for k, v in body["token"].items() if v is not None}
    response = await send(commands, emsp, command, body)
    envelope = response.json()
    assert envelope["status_code"] == 2001, envelope
    assert field in envelope["status_message"], envelope
    assert await commands.stored() == []
    not_json = await send(commands, emsp, command, b"{not json")
    assert not_json.json()["status_code"] == 2001


async def test_unknown_location_is_2003(commands: Commands) -> None:
    emsp = await emsp_ready(commands)
    response = await send(commands, emsp, "START_SESSION", body_of("START_SESSION",
                                                                   location_id="NOPE"))  # fmt: skip
    assert response.status_code == 200 and response.json()["status_code"] == 2003
    assert await commands.stored() == []
