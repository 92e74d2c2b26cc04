"""A plain OCPI 2.1.1 eMSP on the in-process network: it registers on our 2.1.1 credentials
endpoint, records what we send it, and answers real-time authorizations as a test sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.services import partners as partner_service
from tests.integration.api.conftest import Network

EMSP = "emsp211.test"
MODULES = ("credentials", "locations", "sessions", "cdrs", "tariffs", "tokens", "commands")


@dataclass
class Emsp211:
    #: (method, path, body) of every request we sent it, oldest first
    received: list[tuple[str, str, bytes]] = field(default_factory=list)
    #: what POST tokens/{uid}/authorize answers (the data of the envelope), or an HTTP status
    authorize_answer: dict[str, Any] | int = field(
        default_factory=lambda: {"allowed": "ALLOWED", "authorization_id": "GIR-AUTH-1"}
    )
    #: our token, as the eMSP sends it (2.1.1: as it is, no Base64)
    token: str = ""
    #: where it answers on the in-process network
    host: str = EMSP
    #: the credentials object we answered its registration with
    ours: dict[str, Any] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    def app(self) -> FastAPI:
        app = FastAPI()
        base = f"http://{self.host}"

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

        @app.post("/ocpi/2.1.1/tokens/{uid}/authorize")
        async def authorize(request: Request, uid: str) -> JSONResponse:
            self.received.append(("POST", request.url.path + "?" + request.url.query,
                                  await request.body()))  # fmt: skip
            if isinstance(self.authorize_answer, int):
                return JSONResponse({"status_code": 3000}, status_code=self.authorize_answer)
            return reply(self.authorize_answer)

        @app.api_route("/{path:path}", methods=["GET", "PUT", "PATCH", "POST", "DELETE"])
        async def anything(request: Request, path: str) -> JSONResponse:
            self.received.append((request.method, "/" + path, await request.body()))
            return reply(None)

        return app

    def sent(self, method: str, prefix: str) -> list[tuple[str, bytes]]:
        return [(p, b) for m, p, b in self.received if m == method and p.startswith(prefix)]


async def registered_211(
    network: Network,
    name: str = "emsp",
    party: tuple[str, str] = ("NL", "EXA"),
    *,
    host: str = EMSP,
    profile: str = "ocpi-2.1.1",
    operation: str | None = None,
) -> Emsp211:
    """A 2.1.1 eMSP (NL/EXA) registered with us (it called our 2.1.1 credentials endpoint);
    with ``profile`` and ``operation``, invited on 2.1.1 under that profile, bound to that
    operation."""
    emsp = Emsp211(host=host)
    network.transport.apps[host] = emsp.app()
    async with network.storage.transaction() as uow:
        token_a = await partner_service.invite(
            uow, name, profile, SystemClock().now(), "2.1.1", operation
        )
    response = await network.client.post(
        "/ocpi/2.1.1/credentials",
        headers={"Authorization": f"Token {token_a}"},
        json={
            "token": "emsp-token-b",
            "url": f"http://{host}/ocpi/versions",
            "business_details": {"name": "Example eMSP"},
            "party_id": party[1],
            "country_code": party[0],
        },
    )
    body = response.json()
    assert body["status_code"] == 1000, body
    emsp.token = body["data"]["token"]
    emsp.ours = body["data"]
    return emsp
