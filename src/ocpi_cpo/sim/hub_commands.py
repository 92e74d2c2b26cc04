"""The simulated hub's Commands Sender: it sends commands of an eMSP to the CPO and keeps the
CommandResults the CPO POSTs back to each command's response_url.

``POST /_sim/commands/{COMMAND}`` with ``{"location_id", "evse_uid"?, "connector_id"?, "uid"?,
"type"?, "session_id"?, "reservation_id"?, "authorization_reference"?}`` (or ``"body"``: the exact
body to send) POSTs the command with the eMSP's routing headers (``"from": "NL/EMS"``, ``"to":
"FR/AB1"`` by default; ``"via": "http://HOST:PORT"`` sends it to that instance of the CPO
rather than the address it registered, as a load balancer would) and returns the CPO's answer. ``GET /_sim/command_results`` lists the
results received, oldest first, each with its command ``ref`` (the last segment of its
response_url).

On OCPI 2.1.1 the commands go in 2.1.1 form (mod_commands 2.1.1: a 2.1.1 Token with ``auth_id``,
no ``authorization_reference``; Gireve's ``authorization_id`` on START_SESSION and RESERVE_NOW,
cpo_commands.md of its 2.1.1 guide), with the token as it is and no routing headers; the CPO
POSTs a CommandResponse to the response_url.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
from fastapi import FastAPI, Request, Response

from ocpi_cpo.ocpi.transport import Routing, Transport

Reply = Callable[..., Response]


class HubState(Protocol):
    base_url: str
    cpo_token: str | None
    cpo_endpoints: dict[str, str]
    version: str

    @property
    def prefix(self) -> str: ...

    @property
    def plain_tokens(self) -> bool: ...


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _token(uid: str, token_type: str) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid,
        "type": token_type,
        "contract_id": f"NL-EMS-C{uid[-8:]}",
        "issuer": "Simulated eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": _stamp(datetime.now(UTC)),
    }


def _token_211(uid: str, token_type: str) -> dict[str, Any]:
    token = _token(uid, token_type)
    del token["country_code"], token["party_id"], token["contract_id"]
    # 2.1.1's TokenType has RFID and OTHER only (mod_tokens 2.1.1 §4.3): an app user is OTHER.
    kind = token_type if token_type in ("RFID", "OTHER") else "OTHER"
    return {**token, "type": kind, "auth_id": f"NL-EMS-C{uid[-8:]}", "issuer": "NL*EMS"}


def command_body(
    command: str, order: dict[str, Any], response_url: str, version: str = "2.2.1"
) -> dict[str, Any]:
    """The command's object from a short order (what a tester types)."""
    if "body" in order:
        body: dict[str, Any] = order["body"]
        return body
    body = {"response_url": response_url}
    uid, token_type = order.get("uid", "SIMAPPUSER0001"), order.get("type", "APP_USER")
    token = _token_211(uid, token_type) if version == "2.1.1" else _token(uid, token_type)
    reference = order.get("authorization_reference", uuid.uuid4().hex[:20])
    if command in ("START_SESSION", "RESERVE_NOW"):
        body["token"] = token
        # Gireve's 2.1.1 name for what 2.2.1 calls authorization_reference
        body["authorization_id" if version == "2.1.1" else "authorization_reference"] = reference
    if command == "RESERVE_NOW":
        expiry = datetime.now(UTC) + timedelta(minutes=int(order.get("minutes", 15)))
        body["expiry_date"] = _stamp(expiry)
        body["reservation_id"] = order.get("reservation_id", "R1")
    if command == "CANCEL_RESERVATION":
        body["reservation_id"] = order.get("reservation_id", "R1")
    if command == "STOP_SESSION":
        body["session_id"] = order.get("session_id", "")
    for field in ("location_id", "evse_uid", "connector_id"):
        if order.get(field) is not None:
            body[field] = order[field]
    return body


def _party(text: str) -> tuple[str, str]:
    country, _, party = text.partition("/")
    return country, party


def add_commands_sender(
    app: FastAPI,
    state: HubState,
    results: list[dict[str, Any]],
    transport: Transport,
    reply: Reply,
) -> None:
    numbers = itertools.count(1)

    @app.post(state.prefix + "/commands/{command}/{ref}")
    async def command_result(command: str, ref: str, request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        results.append(
            {
                "command": command,
                "ref": ref,
                "result": body.get("result"),
                "message": body.get("message"),
                "from": f"{request.headers.get('ocpi-from-country-code')}/"
                f"{request.headers.get('ocpi-from-party-id')}",
                "to": f"{request.headers.get('ocpi-to-country-code')}/"
                f"{request.headers.get('ocpi-to-party-id')}",
            }
        )
        return reply()

    @app.post("/_sim/commands/{command}")
    async def send_command(command: str, request: Request) -> Response:
        order = orjson.loads(await request.body() or b"{}")
        endpoint = state.cpo_endpoints.get("commands")
        if state.cpo_token is None or endpoint is None:
            error = {"ok": False, "error": "not registered, or the CPO offers no commands"}
            return Response(orjson.dumps(error), media_type="application/json")
        ref = str(next(numbers))
        response_url = f"{state.base_url}{state.prefix}/commands/{command}/{ref}"
        sender, receiver = _party(order.get("from", "NL/EMS")), _party(order.get("to", "FR/AB1"))
        if order.get("via"):
            endpoint = str(order["via"]).rstrip("/") + urlsplit(endpoint).path
        answer = await transport.send(
            "POST",
            f"{endpoint}/{command}",
            token=state.cpo_token,
            body=orjson.dumps(command_body(command, order, response_url, state.version)),
            token_base64=not state.plain_tokens,
            routing=None if state.plain_tokens else Routing(*sender, *receiver),
            timeout=10,
        )
        shown = {
            "ok": answer.ok,
            "ref": ref,
            "http": answer.http_status,
            "ocpi": answer.ocpi_status,
            "message": answer.message,
            "data": answer.data,
        }
        return Response(orjson.dumps(shown), media_type="application/json")

    @app.get("/_sim/command_results")
    async def command_results() -> Response:
        return Response(orjson.dumps(results), media_type="application/json")
