"""An OCPI 2.1.1 partner beside 2.2.1 ones: /ocpi/versions lists both, a 2.1.1 eMSP registers
on our 2.1.1 credentials endpoint, and what we push reaches it in 2.1.1 form with plain tokens."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import QueueFilter
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.outbound import registration
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.services import locations as location_service
from ocpi_cpo.services import partners as partner_service
from tests.integration.api.conftest import Network, auth
from tests.support.locations import make_location

EMSP = "emsp211.test"
MODULES = ("credentials", "locations", "sessions", "cdrs", "tariffs", "tokens", "commands")


received: list[dict[str, Any]] = []
pushed: list[tuple[str, str, bytes]] = []


def emsp_211() -> FastAPI:
    """A plain OCPI 2.1.1 eMSP: versions, version details (no roles), credentials."""
    app = FastAPI()
    base = f"http://{EMSP}"

    def reply(data: Any) -> JSONResponse:
        body = {"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        return JSONResponse(body)

    @app.get("/ocpi/versions")
    async def versions() -> JSONResponse:
        return reply([{"version": "2.1.1", "url": f"{base}/ocpi/2.1.1"}])

    @app.get("/ocpi/2.1.1")
    async def details() -> JSONResponse:
        endpoints = [{"identifier": m, "url": f"{base}/ocpi/2.1.1/{m}"} for m in MODULES]
        return reply({"version": "2.1.1", "endpoints": endpoints})

    @app.post("/ocpi/2.1.1/credentials")
    async def credentials(request: Request) -> JSONResponse:
        received.append(await request.json())
        return reply(credentials_211("emsp-token-c"))

    @app.api_route("/{path:path}", methods=["GET", "PUT", "PATCH", "POST", "DELETE"])
    async def anything(request: Request, path: str) -> JSONResponse:
        pushed.append((request.method, path, await request.body()))
        return reply(None)

    return app


def credentials_211(token: str) -> dict[str, Any]:
    return {
        "token": token,
        "url": f"http://{EMSP}/ocpi/versions",
        "business_details": {"name": "Example eMSP"},
        "party_id": "EXA",
        "country_code": "NL",
    }


async def test_versions_lists_both_and_the_211_details_are_served(network: Network) -> None:
    token = await network.invite("emsp", "ocpi-2.1.1")
    listed = (await network.client.get("/ocpi/versions", headers=auth(token))).json()["data"]
    assert listed == [
        {"version": "2.2.1", "url": "http://cpo.test/ocpi/2.2.1"},
        {"version": "2.1.1", "url": "http://cpo.test/ocpi/2.1.1"},
    ]
    details = (await network.client.get("/ocpi/2.1.1", headers=auth(token))).json()["data"]
    assert details["version"] == "2.1.1"
    assert {"identifier": "credentials", "url": "http://cpo.test/ocpi/2.1.1/credentials"} in (
        details["endpoints"]
    )
    assert all("role" not in e for e in details["endpoints"])


async def test_a_211_emsp_registers_and_gets_211_pushes(network: Network) -> None:
    network.transport.apps[EMSP] = emsp_211()
    token_a = await network.invite("emsp", "ocpi-2.1.1")
    response = await network.client.post(
        "/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_a}"},  # 2.1.1: the token as it is
        json=credentials_211("emsp-token-b"),
    )
    body = response.json()
    assert body["status_code"] == 1000, body
    ours = body["data"]
    assert set(ours) == {"token", "url", "business_details", "party_id", "country_code"}
    assert (ours["country_code"], ours["party_id"]) == ("FR", "AB1")
    # We discovered the eMSP with its token, as it is (no Base64), and agreed on 2.1.1.
    calls = [s for s in network.transport.sent if EMSP in s["url"]]
    assert [c["url"] for c in calls] == [
        f"http://{EMSP}/ocpi/versions",
        f"http://{EMSP}/ocpi/2.1.1",
    ]
    assert all(c["headers"]["Authorization"] == "Token emsp-token-b" for c in calls)
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("emsp")
    assert partner is not None and partner.state is PartnerState.REGISTERED
    assert partner.version == "2.1.1" and not partner.token_base64
    assert [str(r) for r in partner.roles] == ["EMSP NL/EXA"]
    assert partner.endpoint("locations", "RECEIVER") is not None

    async with network.storage.transaction() as uow:
        await location_service.import_locations(
            uow, network.app.state.ocpi.publisher, [make_location(1)], [OperatorId.parse("FR*AB1")],
            network.app.state.ocpi.clock.now(), allow_unknown_tariffs=True,
        )  # fmt: skip
    async with network.storage.read() as uow:
        queued = await uow.outbox.find(QueueFilter(partner_id=partner.id, module="locations"))
    [message] = queued
    assert (message.method, message.url, message.version) == ("PUT", "/FR/AB1/LOC1", "2.1.1")
    location = orjson.loads(message.body or b"")
    assert location["type"] == "ON_STREET" and "country_code" not in location
    assert "tariff_id" in location["evses"][0]["connectors"][0]


async def test_we_register_with_a_211_emsp_on_its_version(network: Network) -> None:
    network.transport.apps[EMSP] = emsp_211()
    received.clear()
    context = network.app.state.ocpi
    partner = await registration.register(
        context, "emsp", f"http://{EMSP}/ocpi/versions", "emsp-token-a", "ocpi-2.2.1", "2.1.1"
    )
    assert partner.state is PartnerState.REGISTERED and partner.version == "2.1.1"
    assert partner.outbound_token == "emsp-token-c"
    [ours] = received
    assert set(ours) == {"token", "url", "business_details", "party_id", "country_code"}
    calls = [s for s in network.transport.sent if EMSP in s["url"]]
    assert [c["method"] for c in calls] == ["GET", "GET", "POST"]
    assert all(c["headers"]["Authorization"] == "Token emsp-token-a" for c in calls)


async def test_a_partner_pinned_to_211_cannot_register_on_221(network: Network) -> None:
    async with network.storage.transaction() as uow:
        token_a = await partner_service.invite(
            uow, "emsp", "ocpi-2.2.1", network.app.state.ocpi.clock.now(), "2.1.1"
        )
    response = await network.client.post(
        "/ocpi/2.2.1/credentials",
        headers=auth(token_a),
        json={"token": "x", "url": f"http://{EMSP}/ocpi/versions", "roles": []},
    )
    body = response.json()
    assert body["status_code"] in (2001, 3002), body
    response = await network.client.post(
        "/ocpi/2.2.1/credentials",
        headers=auth(token_a),
        json={
            "token": "x",
            "url": f"http://{EMSP}/ocpi/versions",
            "roles": [
                {
                    "role": "EMSP",
                    "party_id": "EXA",
                    "country_code": "NL",
                    "business_details": {"name": "E"},
                }
            ],
        },
    )
    body = response.json()
    assert body["status_code"] == 3002 and "OCPI 2.1.1" in body["status_message"]


ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


def tariff(**restrictions: object) -> dict[str, Any]:
    element: dict[str, Any] = {
        "price_components": [{"type": "ENERGY", "price": 0.3, "vat": 20, "step_size": 1}]
    }
    if restrictions:
        element["restrictions"] = restrictions
    return {
        "country_code": "FR",
        "party_id": "AB1",
        "id": "T1",
        "currency": "EUR",
        "type": "REGULAR",
        "elements": [element],
        "start_date_time": "2026-01-01T00:00:00Z",
    }


async def test_a_tariff_211_cannot_say_is_refused_with_422_and_nothing_stored(
    network: Network,
) -> None:
    network.transport.apps[EMSP] = emsp_211()
    token_a = await network.invite("emsp", "ocpi-2.1.1")
    await network.client.post(
        "/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_a}"},
        json=credentials_211("emsp-token-b"),
    )
    refused = await network.client.put("/admin/tariffs", headers=ADMIN, json=tariff(max_current=16))
    assert refused.status_code == 422
    body = refused.json()
    assert body["status_code"] == 2001
    assert (
        "OCPI 2.1.1 tariffs: tariff.elements[0].restrictions.max_current" in body["status_message"]
    )
    listed = await network.client.get("/admin/tariffs", headers=ADMIN)
    assert listed.json()["data"] == []

    accepted = await network.client.put("/admin/tariffs", headers=ADMIN, json=tariff())
    assert accepted.json()["status_code"] == 1000
    pushed.clear()
    worker = OutboxWorker(network.storage, network.transport, network.settings, SystemClock())
    while await worker.drain_once():
        pass
    [(method, path, sent)] = [p for p in pushed if "tariffs" in p[1]]
    assert (method, path) == ("PUT", "ocpi/2.1.1/tariffs/FR/AB1/T1")
    wire = orjson.loads(sent)
    assert not {"type", "country_code", "party_id", "start_date_time"} & set(wire)
    assert "vat" not in wire["elements"][0]["price_components"][0]


async def test_a_location_patch_211_cannot_say_is_refused_with_422_naming_the_field(
    network: Network,
) -> None:
    """A connector's power type changed to one 2.1.1 does not have: the change would go to the
    2.1.1 eMSP as a PATCH, which its wire cannot carry, so the import is refused (422, the
    field named), nothing stored and nothing queued (issue 17 item 3, PATCH bodies too)."""
    network.transport.apps[EMSP] = emsp_211()
    token_a = await network.invite("emsp", "ocpi-2.1.1")
    await network.client.post(
        "/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_a}"},
        json=credentials_211("emsp-token-b"),
    )
    params = {"allow_unknown_tariffs": "true"}
    first = await network.client.post(
        "/admin/locations", headers=ADMIN, json=[make_location(1)], params=params
    )
    assert first.json()["status_code"] == 1000, first.json()
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("emsp")
        assert partner is not None
        before = await uow.outbox.find(QueueFilter(partner_id=partner.id, module="locations"))

    changed = make_location(1)
    changed["evses"][0]["connectors"][0]["power_type"] = "AC_2_PHASE"  # 2.2.1 only
    refused = await network.client.post(
        "/admin/locations", headers=ADMIN, json=[changed], params=params
    )
    assert refused.status_code == 422
    body = refused.json()
    assert body["status_code"] == 2001
    assert "OCPI 2.1.1 locations: connector.power_type" in body["status_message"]
    async with network.storage.read() as uow:
        after = await uow.outbox.find(QueueFilter(partner_id=partner.id, module="locations"))
    assert [m.id for m in after] == [m.id for m in before]
    shown = await network.client.get("/admin/locations/FR/AB1/LOC1", headers=ADMIN)
    connector = shown.json()["data"]["evses"][0]["connectors"][0]
    assert connector["power_type"] == "AC_3_PHASE"
