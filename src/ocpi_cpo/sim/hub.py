"""A simulated Gireve IOP: a real OCPI 2.2.1 hub on loopback, for the demo, tests and rehearsals.

It registers with a CPO given a registration token (Gireve's "Register FromIOP"), or accepts a CPO's
registration ("ToIOP"); it checks Base64 tokens, X-Request-ID/X-Correlation-ID and routing headers,
prints each request it receives and keeps them for inspection at ``GET /_sim/requests``.
State lives in memory: it is a simulator.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from ocpi_cpo.ocpi.discovery import discover
from ocpi_cpo.ocpi.envelope import encode_envelope
from ocpi_cpo.ocpi.transport import Transport
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.sim.hub_commands import add_commands_sender
from ocpi_cpo.sim.hub_control import Failure, add_controls, failure_response
from ocpi_cpo.sim.hub_locations import add_locations_receiver
from ocpi_cpo.sim.hub_sessions import add_cdrs_receiver, add_sessions_receiver
from ocpi_cpo.sim.hub_tokens import add_tokens_sender

HUB_MODULES = (
    ("credentials", "SENDER"),
    ("locations", "RECEIVER"),
    ("sessions", "RECEIVER"),
    ("cdrs", "RECEIVER"),
    ("tariffs", "RECEIVER"),
    ("tokens", "SENDER"),
    ("commands", "SENDER"),
    ("hubclientinfo", "SENDER"),
)
CONFIGURATION_MODULES = ("versions", "credentials", "hubclientinfo")


@dataclass
class SimHubState:
    country_code: str
    party_id: str
    base_url: str
    #: tokens the hub issued: token -> purpose ("registration" or "access")
    issued: dict[str, str] = field(default_factory=dict)
    #: the token the CPO gave the hub to call it
    cpo_token: str | None = None
    cpo_versions_url: str | None = None
    cpo_endpoints: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    parties: list[dict[str, Any]] = field(default_factory=list)
    #: Locations Receiver: "cc/pid/location_id" -> Location (sim.hub_locations)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Tariffs Receiver: "cc/pid/id" -> {"" or "CC/PID" of the target eMSP -> Tariff}
    tariffs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Tokens Sender: uid -> outcome of a real-time authorization (sim.hub_tokens)
    token_outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Sessions Receiver: "cc/pid/session_id" -> Session (sim.hub_sessions)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: CDRs Receiver: number in the Location URL -> CDR (sim.hub_sessions)
    cdrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: CommandResults the CPO POSTed to our response_urls, oldest first (sim.hub_commands)
    command_results: list[dict[str, Any]] = field(default_factory=list)
    #: Tokens Sender list served to pulls (empty: the hub answers an empty list)
    token_list: list[dict[str, Any]] = field(default_factory=list)
    #: the CPO's own party (from its credentials), for routing headers when we pull its Senders
    cpo_party: tuple[str, str] | None = None
    failure: Failure = field(default_factory=Failure)
    quiet: bool = False

    def credentials(self, token: str) -> dict[str, Any]:
        return {
            "token": token,
            "url": f"{self.base_url}/ocpi/versions",
            "roles": [
                {
                    "role": "HUB",
                    "party_id": self.party_id,
                    "country_code": self.country_code,
                    "business_details": {"name": "Simulated Gireve IOP"},
                }
            ],
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _reply(
    data: Any = None, status: int = 1000, message: str | None = None, http: int = 200
) -> Response:
    body = encode_envelope(data=data, status_code=status, status_message=message, timestamp=_now())
    return Response(body, status_code=http, media_type="application/json")


def _decode_token(header: str | None) -> str | None:
    if not header or not header.startswith("Token "):
        return None
    value = header[6:].strip()
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _first_party(credentials: Any) -> tuple[str, str] | None:
    roles = credentials.get("roles") if isinstance(credentials, dict) else None
    if not roles:
        return None
    return str(roles[0]["country_code"]), str(roles[0]["party_id"])


def _module_of(path: str) -> str:
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[1] == "versions":
        return "versions"
    return parts[2] if len(parts) >= 3 else "versions"


def create_hub_app(state: SimHubState, *, transport: Transport | None = None) -> FastAPI:
    transport = transport or AiohttpTransport()
    app = FastAPI(title="ocpi-cpo simulated hub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = state

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/_sim"):
            response: Response = await call_next(request)
            return response
        body = await request.body()
        token = _decode_token(request.headers.get("authorization"))
        module = _module_of(request.url.path)
        problems = []
        if token is None:
            problems.append("Authorization is not 'Token <base64>'")
        for name in ("x-request-id", "x-correlation-id"):
            if not request.headers.get(name):
                problems.append(f"{name} missing")
        routing = [h for h in request.headers if h.lower().startswith("ocpi-")]
        if module in CONFIGURATION_MODULES and routing:
            problems.append("routing headers on a configuration module")
        if module not in CONFIGURATION_MODULES and len(routing) < 4:
            problems.append("OCPI-from/to headers missing")
        entry = {
            "method": request.method,
            "path": request.url.path,
            "query": str(request.url.query),
            "module": module,
            "headers": {
                k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"
            },
            "body": orjson.loads(body) if body else None,
            "problems": problems,
            "at": _now().isoformat(),
        }
        state.requests.append(entry)
        if not state.quiet:
            flag = "" if not problems else "  !! " + "; ".join(problems)
            print(f"[hub] {request.method} {request.url.path}{flag}", flush=True)
        if token is None or token not in state.issued:
            return _reply(status=2000, message="unknown token", http=401)
        if module not in CONFIGURATION_MODULES:
            failed = await failure_response(state.failure, _reply)
            if failed is not None:
                entry["failed"] = state.failure.mode
                return failed
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.headers.get("x-request-id", "")
        response.headers["X-Correlation-ID"] = request.headers.get("x-correlation-id", "")
        return response

    @app.get("/ocpi/versions")
    async def versions() -> Response:
        return _reply([{"version": "2.2.1", "url": f"{state.base_url}/ocpi/2.2.1"}])

    @app.get("/ocpi/2.2.1")
    async def details() -> Response:
        endpoints = [
            {"identifier": m, "role": r, "url": f"{state.base_url}/ocpi/2.2.1/{m}"}
            for m, r in HUB_MODULES
        ]
        return _reply({"version": "2.2.1", "endpoints": endpoints})

    @app.post("/ocpi/2.2.1/credentials")
    async def accept_cpo_registration(request: Request) -> Response:
        """ToIOP: the CPO registers with us using a token we handed out."""
        body = orjson.loads(await request.body())
        try:
            found = await discover(
                transport, body["url"], body["token"], token_base64=True, timeout=10
            )
        except Exception as exc:
            return _reply(status=3001, message=f"cannot use the CPO's API: {exc}")
        state.cpo_token = body["token"]
        state.cpo_versions_url = body["url"]
        state.cpo_endpoints = {e.identifier: e.url for e in found.endpoints}
        state.cpo_party = _first_party(body)
        caller = _decode_token(request.headers.get("authorization"))
        if caller is not None:
            state.issued.pop(caller, None)
        token = secrets.token_urlsafe(24)
        state.issued[token] = "access"
        return _reply(state.credentials(token))

    @app.put("/ocpi/2.2.1/credentials")
    async def cpo_updates(request: Request) -> Response:
        """The CPO rotates tokens: re-discover with its new token, issue ours anew."""
        body = orjson.loads(await request.body())
        try:
            found = await discover(
                transport, body["url"], body["token"], token_base64=True, timeout=10
            )
        except Exception as exc:
            return _reply(status=3001, message=f"cannot use the CPO's API: {exc}")
        state.cpo_token = body["token"]
        state.cpo_endpoints = {e.identifier: e.url for e in found.endpoints}
        caller = _decode_token(request.headers.get("authorization"))
        if caller is not None:
            state.issued.pop(caller, None)
        token = secrets.token_urlsafe(24)
        state.issued[token] = "access"
        return _reply(state.credentials(token))

    @app.delete("/ocpi/2.2.1/credentials")
    async def cpo_unregisters(request: Request) -> Response:
        caller = _decode_token(request.headers.get("authorization"))
        if caller is not None:
            state.issued.pop(caller, None)
        state.cpo_token = None
        return _reply()

    @app.get("/ocpi/2.2.1/hubclientinfo")
    async def client_info_list(request: Request) -> Response:
        offset = int(request.query_params.get("offset", 0))
        limit = min(int(request.query_params.get("limit", 2)), 2)
        page = state.parties[offset : offset + limit]
        headers = {"X-Total-Count": str(len(state.parties)), "X-Limit": "2"}
        if offset + len(page) < len(state.parties):
            headers["Link"] = (
                f"<{state.base_url}/ocpi/2.2.1/hubclientinfo?offset={offset + len(page)}"
                f'&limit={limit}>; rel="next"'
            )
        response = _reply(page)
        response.headers.update(headers)
        return response

    @app.put("/ocpi/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}")
    async def put_tariff(
        country_code: str, party_id: str, tariff_id: str, request: Request
    ) -> Response:
        """Keep one description per target eMSP (Gireve's target_operator_* extension)."""
        body = orjson.loads(await request.body())
        if (body.get("country_code"), body.get("party_id"), body.get("id")) != (
            country_code,
            party_id,
            tariff_id,
        ):
            return _reply(status=2001, message="country_code/party_id/id differ from the URL")
        target = body.get("target_operator_country_code")
        variant = f"{target}/{body.get('target_operator_party_id')}" if target else ""
        state.tariffs.setdefault(f"{country_code}/{party_id}/{tariff_id}", {})[variant] = body
        return _reply()

    @app.get("/ocpi/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}")
    async def get_tariff(country_code: str, party_id: str, tariff_id: str) -> Response:
        stored = state.tariffs.get(f"{country_code}/{party_id}/{tariff_id}")
        if not stored:
            return _reply(status=2000, message="unknown tariff", http=404)
        return _reply(stored.get("") or next(iter(stored.values())))

    @app.delete("/ocpi/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}")
    async def delete_tariff(country_code: str, party_id: str, tariff_id: str) -> Response:
        if state.tariffs.pop(f"{country_code}/{party_id}/{tariff_id}", None) is None:
            return _reply(status=2000, message="unknown tariff", http=404)
        return _reply()

    add_locations_receiver(app, state.locations, _reply)
    add_tokens_sender(app, state.token_outcomes, state.token_list, _reply)
    add_commands_sender(app, state, state.command_results, transport, _reply)
    add_sessions_receiver(app, state.sessions, _reply)
    add_cdrs_receiver(app, state.cdrs, lambda: state.base_url, _reply)
    add_controls(app, state.failure, transport, state)

    @app.post("/_sim/parties")
    async def set_parties(request: Request) -> Response:
        """Replace the ClientInfo list the hub serves."""
        state.parties = orjson.loads(await request.body())
        return Response(
            orjson.dumps({"parties": len(state.parties)}), media_type="application/json"
        )

    @app.post("/_sim/invite")
    async def invite() -> Response:
        """A registration token for a CPO that starts the handshake (ToIOP)."""
        token = secrets.token_urlsafe(24)
        state.issued[token] = "registration"
        return Response(
            orjson.dumps({"token": token, "versions_url": f"{state.base_url}/ocpi/versions"}),
            media_type="application/json",
        )

    @app.post("/_sim/register")
    async def register_with_cpo(request: Request) -> Response:
        """FromIOP: register with a CPO given its versions URL and registration token."""
        order = orjson.loads(await request.body())
        result = await register_from_iop(state, transport, order["versions_url"], order["token"])
        return Response(orjson.dumps(result), media_type="application/json")

    @app.post("/_sim/ping")
    async def ping_cpo() -> Response:
        """Call the CPO's versions endpoint with the token it gave us; report what came back."""
        if state.cpo_token is None or state.cpo_versions_url is None:
            return Response(
                orjson.dumps({"ok": False, "error": "not registered"}),
                media_type="application/json",
            )
        reply = await transport.send(
            "GET", state.cpo_versions_url, token=state.cpo_token, timeout=10
        )
        result = {
            "ok": reply.ok,
            "http": reply.http_status,
            "ocpi": reply.ocpi_status,
            "request_id_echoed": reply.headers.get("x-request-id") == reply.request_id,
            "correlation_id_echoed": reply.headers.get("x-correlation-id") == reply.correlation_id,
        }
        return Response(orjson.dumps(result), media_type="application/json")

    @app.get("/_sim/requests")
    async def recorded() -> Response:
        return Response(orjson.dumps(state.requests), media_type="application/json")

    @app.get("/_sim/state")
    async def show_state() -> Response:
        shown = {
            "registered": state.cpo_token is not None,
            # A simulator shows its token for us, so tests can call us as the hub would.
            "cpo_token": state.cpo_token,
            "cpo_versions_url": state.cpo_versions_url,
            "cpo_endpoints": state.cpo_endpoints,
        }
        return Response(orjson.dumps(shown), media_type="application/json")

    return app


async def register_from_iop(
    state: SimHubState, transport: Transport, versions_url: str, token_a: str
) -> dict[str, Any]:
    """Gireve's FromIOP sequence: versions, details, POST credentials, all with token A in Base64."""
    steps: list[dict[str, Any]] = []
    found = await discover(transport, versions_url, token_a, token_base64=True, timeout=10)
    steps.append({"step": "versions and details", "version": found.version})
    endpoints = {e.identifier: e.url for e in found.endpoints}
    token_b = secrets.token_urlsafe(24)
    state.issued[token_b] = "access"
    reply = await transport.send(
        "POST",
        endpoints["credentials"],
        token=token_a,
        body=orjson.dumps(state.credentials(token_b)),
        timeout=10,
    )
    steps.append(
        {
            "step": "POST credentials",
            "http": reply.http_status,
            "ocpi": reply.ocpi_status,
            "message": reply.message,
            "request_id_echoed": reply.headers.get("x-request-id") == reply.request_id,
            "correlation_id_echoed": reply.headers.get("x-correlation-id") == reply.correlation_id,
        }
    )
    if not reply.ok:
        state.issued.pop(token_b, None)
        return {"ok": False, "steps": steps}
    state.cpo_token = reply.data["token"]
    state.cpo_party = _first_party(reply.data)
    state.cpo_versions_url = versions_url
    state.cpo_endpoints = endpoints
    return {"ok": True, "steps": steps, "endpoints": endpoints}
