"""``partners update --version``: a partner offering 2.2.1 and 2.1.1 is moved from one to the
other with a credentials PUT on the new version; from then on it may call that version's routes
only; each object still queued in the old version's wire is queued again whole in the new one's
(services.version_moves), and what cannot be (the object is gone) is parked, saying why."""

from __future__ import annotations

import base64
import functools
from typing import Any

import orjson
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import MessageState, NewMessage, QueueFilter
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.outbound import registration
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.services.errors import ConflictError, RuleViolation
from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import deliver, meter, ready, start, stop
from tests.support.partners import unregister
from tests.support.pauses import before_each_call

HOST = "duo.test"
BASE = f"http://{HOST}"


def duo(
    ours: list[dict[str, Any]],
    party: tuple[str, str] = ("NL", "DUO"),
    modules: tuple[str, ...] = ("locations",),
    received: list[tuple[str, str, Any]] | None = None,
) -> FastAPI:
    """An eMSP (NL/DUO unless ``party``) offering OCPI 2.2.1 and 2.1.1 with Receivers of
    ``modules``; ``ours`` gets the credentials we send, ``received`` every other request."""
    app = FastAPI()
    country, party_id = party

    def reply(data: Any) -> JSONResponse:
        return JSONResponse(
            {"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
        )

    @app.get("/ocpi/versions")
    async def versions() -> JSONResponse:
        return reply([{"version": v, "url": f"{BASE}/ocpi/{v}"} for v in ("2.1.1", "2.2.1")])

    @app.get("/ocpi/2.2.1")
    async def details_221() -> JSONResponse:
        endpoints = [
            {
                "identifier": "credentials",
                "role": "RECEIVER",
                "url": f"{BASE}/ocpi/2.2.1/credentials",
            },
            *(
                {"identifier": m, "role": "RECEIVER", "url": f"{BASE}/ocpi/2.2.1/{m}"}
                for m in modules
            ),
        ]
        return reply({"version": "2.2.1", "endpoints": endpoints})

    @app.get("/ocpi/2.1.1")
    async def details_211() -> JSONResponse:
        endpoints = [
            {"identifier": m, "url": f"{BASE}/ocpi/2.1.1/{m}"} for m in ("credentials", *modules)
        ]
        return reply({"version": "2.1.1", "endpoints": endpoints})

    @app.api_route("/ocpi/2.2.1/credentials", methods=["POST", "PUT"])
    async def credentials_221(request: Request) -> JSONResponse:
        ours.append({"version": "2.2.1", **await request.json()})
        role = {"role": "EMSP", "party_id": party_id, "country_code": country,
                "business_details": {"name": "Duo"}}  # fmt: skip
        return reply({"token": "duo-221", "url": f"{BASE}/ocpi/versions", "roles": [role]})

    @app.api_route("/ocpi/2.1.1/credentials", methods=["POST", "PUT"])
    async def credentials_211(request: Request) -> JSONResponse:
        ours.append({"version": "2.1.1", **await request.json()})
        return reply({"token": "duo-211", "url": f"{BASE}/ocpi/versions", "party_id": party_id,
                      "country_code": country, "business_details": {"name": "Duo"}})  # fmt: skip

    @app.api_route("/{path:path}", methods=["GET", "PUT", "PATCH", "POST", "DELETE"])
    async def anything(path: str, request: Request) -> JSONResponse:
        if received is not None:
            body = await request.body()
            received.append((request.method, "/" + path, orjson.loads(body) if body else None))
        return reply(None)

    return app


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def test_update_moves_a_partner_to_another_version(network: Network) -> None:
    ours: list[dict[str, Any]] = []
    network.transport.apps[HOST] = duo(ours)
    context = network.app.state.ocpi
    partner = await registration.register(
        context, "duo", f"{BASE}/ocpi/versions", "duo-token-a", "ocpi-2.2.1", None
    )
    assert partner.version == "2.2.1"  # the highest both offer
    async with network.storage.transaction() as uow:
        await uow.outbox.add(
            NewMessage(partner.id, "locations", "FR/AB1/LOC9", "PUT", "/FR/AB1/LOC9",
                       b"{}", version="2.2.1"),
            context.clock.now(),
        )  # fmt: skip
    with pytest.raises(RuleViolation, match="unknown OCPI version"):
        await registration.update(context, "duo", "2.2")

    moved = await registration.update(context, "duo", "2.1.1")
    assert moved.version == "2.1.1" and moved.outbound_token == "duo-211"
    assert [c["version"] for c in ours] == ["2.2.1", "2.1.1"]
    token = ours[-1]["token"]  # ours, in the 2.1.1 credentials we PUT
    on_211 = await network.client.get("/ocpi/2.1.1/locations", headers=_auth(token))
    assert on_211.status_code == 200, on_211.text
    on_221 = await network.client.get("/ocpi/2.2.1/locations", headers=_auth(token))
    assert on_221.status_code == 403 and "agreed with you (2.1.1)" in on_221.text

    worker = OutboxWorker(network.storage, network.transport, network.settings, SystemClock())
    while await worker.drain_once():
        pass
    async with network.storage.read() as uow:
        [old] = await uow.outbox.find(QueueFilter(partner_id=partner.id, module="locations"))
        attempts = await uow.outbox.attempts(old.id)
    assert old.state is MessageState.DEAD
    assert "rendered for OCPI 2.2.1" in str(attempts[-1].error), attempts
    sent = [
        s for s in network.transport.sent if s["url"].startswith(f"{BASE}/ocpi/2.1.1/locations")
    ]
    assert not [s for s in sent if "LOC9" in s["url"]]


async def test_what_waits_in_the_old_version_goes_in_the_new_one(network: Network) -> None:
    """A charge's Session and CDR queued for a 2.2.1 eMSP that is moved to 2.1.1 before they
    leave: both reach it in 2.1.1 form, at its 2.1.1 endpoints; nothing is parked (a CDR is
    money)."""
    ours: list[dict[str, Any]] = []
    received: list[tuple[str, str, Any]] = []
    network.transport.apps[HOST] = duo(ours, ("NL", "EMS"), ("sessions", "cdrs"), received)
    context = network.app.state.ocpi
    await ready(network)  # Gireve (it authorizes the token of NL/EMS), tariffs, LOC1
    partner = await registration.register(
        context, "duo", f"{BASE}/ocpi/versions", "duo-token-a", "ocpi-2.2.1", None
    )
    await start(network)
    await meter(network, 15, 6000, 22000)
    await stop(network, 30, 11000)
    async with network.storage.read() as uow:
        queued = await uow.outbox.find(
            QueueFilter(partner_id=partner.id, state=MessageState.PENDING)
        )
    assert {m.module for m in queued} == {"sessions", "cdrs"}
    assert {m.version for m in queued} == {"2.2.1"}

    await registration.update(context, "duo", "2.1.1")
    await deliver(network)

    async with network.storage.read() as uow:
        mine = await uow.outbox.find(QueueFilter(partner_id=partner.id), limit=1000)
    assert not [m for m in mine if m.state in (MessageState.DEAD, MessageState.PENDING)], mine
    assert not [r for r in received if r[1].startswith("/ocpi/2.2.1")]
    cdrs = [body for method, path, body in received if method == "POST" and "cdrs" in path]
    sessions = [path for method, path, _ in received if method == "PUT" and "sessions" in path]
    assert len(cdrs) == 1, received
    assert cdrs[0]["stop_date_time"] and isinstance(cdrs[0]["total_cost"], float | int)
    assert all(p.startswith("/ocpi/2.1.1/sessions/") for p in sessions) and sessions, received


async def test_a_partner_unregistered_during_an_update_stays_unregistered(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``partners update`` reads the partner, then calls it for seconds; an operator may
    unregister it meanwhile. The update then stores nothing and says why."""
    network.transport.apps[HOST] = duo([])
    context = network.app.state.ocpi
    await registration.register(
        context, "duo", f"{BASE}/ocpi/versions", "duo-token-a", "ocpi-2.2.1", None
    )
    # unregistered while we send it our credentials
    before_each_call(
        monkeypatch,
        registration,
        "_send_credentials",
        functools.partial(unregister, network.storage, "duo"),
    )
    with pytest.raises(ConflictError, match="unregistered meanwhile"):
        await registration.update(context, "duo")
    async with network.storage.read() as uow:
        partner = await uow.partners.get_by_name("duo")
    assert partner is not None
    assert partner.state is PartnerState.UNREGISTERED and partner.outbound_token is None
