"""The simulated hub on OCPI 2.1.1 (``sim hub --version 2.1.1``), in process: its commands go in
2.1.1 form with the token as it is and no routing headers, the CommandResponse POSTed to its
response_url is kept; its authorize answers as Gireve's 2.1.1 IOP does; a Base64 token is
unknown to it and routing headers are flagged (docs/gireve-2.1.1.md)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ocpi_cpo.sim.hub import SimHubState, create_hub_app
from tests.support.asgi import AsgiTransport

HUB, CPO = "hub211.test", "cpo211.test"


def _cpo(received: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.post("/ocpi/2.1.1/commands/{command}")
    async def command(command: str, request: Request) -> JSONResponse:
        received.append({"headers": dict(request.headers), "body": await request.json()})
        body = {"data": {"result": "ACCEPTED"}, "status_code": 1000,
                "timestamp": "2026-01-01T00:00:00Z"}  # fmt: skip
        return JSONResponse(body)

    return app


def _hub() -> tuple[SimHubState, FastAPI, list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    transport = AsgiTransport({CPO: _cpo(received)})
    state = SimHubState("FR", "107", f"http://{HUB}", quiet=True, version="2.1.1")
    state.cpo_token = "token-c"
    state.cpo_endpoints = {"commands": f"http://{CPO}/ocpi/2.1.1/commands"}
    state.issued["token-b"] = "access"
    app = create_hub_app(state, transport=transport)
    transport.apps[HUB] = app
    return state, app, received


async def test_a_211_command_and_its_result() -> None:
    state, app, received = _hub()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{HUB}"
    ) as hub:
        order = {"location_id": "LOC1", "evse_uid": "E1-1", "uid": "0102030405060708"}
        answer = (await hub.post("/_sim/commands/START_SESSION", json=order)).json()
        assert answer["ok"] and answer["data"] == {"result": "ACCEPTED"}, answer
        [sent] = received
        assert sent["headers"]["authorization"] == "Token token-c"
        assert not [h for h in sent["headers"] if h.startswith("ocpi-")]
        body = sent["body"]
        assert body["response_url"] == f"http://{HUB}/ocpi/2.1.1/commands/START_SESSION/1"
        assert body["token"]["auth_id"] == "NL-EMS-C05060708"
        assert body["token"]["type"] == "OTHER"  # 2.1.1 has no APP_USER
        assert "country_code" not in body["token"] and "authorization_reference" not in body
        assert len(body["authorization_id"]) == 20
        assert (body["location_id"], body["evse_uid"]) == ("LOC1", "E1-1")

        # the CPO's CommandResponse at the response_url, token as it is
        posted = await hub.post(
            "/ocpi/2.1.1/commands/START_SESSION/1",
            content=orjson.dumps({"result": "ACCEPTED"}),
            headers={
                "Authorization": "Token token-b",
                "X-Request-ID": "r",
                "X-Correlation-ID": "c",
            },
        )
        assert posted.json()["status_code"] == 1000
        [result] = (await hub.get("/_sim/command_results")).json()
        assert (result["command"], result["ref"], result["result"]) == (
            "START_SESSION",
            "1",
            "ACCEPTED",
        )
        assert not state.requests[-1]["problems"]


async def test_211_authorize_tokens_and_headers() -> None:
    state, app, _ = _hub()
    plain = {"Authorization": "Token token-b"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{HUB}"
    ) as hub:
        url = "/ocpi/2.1.1/tokens/04A1B2C3/authorize"
        one = await hub.post(url, json={"location_id": "LOC1", "evse_uids": ["E1"]}, headers=plain)
        data = one.json()["data"]
        assert data["allowed"] == "ALLOWED" and len(data["authorization_id"]) == 20
        assert "token" not in data and "authorization_reference" not in data
        none = await hub.post(url, json={"location_id": "LOC1"}, headers=plain)
        assert none.json()["status_code"] == 2002
        two = await hub.post(
            url, json={"location_id": "LOC1", "evse_uids": ["E1", "E2"]}, headers=plain
        )
        assert two.json()["status_code"] == 2001
        found = await hub.get("/ocpi/2.1.1/tokens/04A1B2C3?type=RFID", headers=plain)
        assert found.json()["data"]["auth_id"] == "NL-EMS-C04A1B2C3"

        encoded = {"Authorization": "Token " + base64.b64encode(b"token-b").decode()}
        refused = await hub.get("/ocpi/2.1.1/tokens/04A1B2C3", headers=encoded)
        assert refused.status_code == 401

        routed = {**plain, "OCPI-to-country-code": "FR", "OCPI-to-party-id": "107"}
        await hub.put(
            "/ocpi/2.1.1/sessions/FR/AB1/S1",
            json={"id": "S1", "last_updated": "2026-01-01T00:00:00Z"},
            headers=routed,
        )
        assert state.requests[-1]["problems"] == [
            "OCPI-from/to headers on OCPI 2.1.1 (not used by the 2.1.1 IOP)"
        ]
        assert state.sessions["FR/AB1/S1"]["id"] == "S1"
