"""A simulated Gireve IOP: a real OCPI hub on loopback, for the demo, tests and rehearsals.

It speaks OCPI 2.2.1 (the default) or 2.1.1 (``version``; what differs is in ``sim.hub_versions``).
It registers with a CPO given a registration token (Gireve's "Register FromIOP"), or accepts a CPO's
registration ("ToIOP"); it checks the Authorization token (Base64 on 2.2.1, as it is on 2.1.1),
X-Request-ID/X-Correlation-ID and routing headers as that version asks, prints each request it
receives and keeps them for inspection at ``GET /_sim/requests`` (``/_sim/requests/count?method=
PUT&module=locations``: how many, without the log). ``GET /_sim/locations``,
``/_sim/tariffs``, ``/_sim/sessions`` and ``/_sim/cdrs`` show what it holds; ``POST /_sim/forget``
makes it lose what it holds (to rehearse a partner that needs everything again). The ``/_sim/*``
controls have the same shapes on both versions. State lives in memory: it is a simulator.
"""

from __future__ import annotations

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
from ocpi_cpo.sim import hub_versions
from ocpi_cpo.sim.hub_commands import add_commands_sender
from ocpi_cpo.sim.hub_control import Failure, add_controls, failure_response
from ocpi_cpo.sim.hub_locations import add_locations_receiver
from ocpi_cpo.sim.hub_sessions import add_cdrs_receiver, add_sessions_receiver
from ocpi_cpo.sim.hub_tokens import add_tokens_sender
from ocpi_cpo.sim.hub_versions import CONFIGURATION_MODULES


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
    #: the OCPI version the hub speaks: "2.2.1" or "2.1.1"
    version: str = hub_versions.V221

    @property
    def prefix(self) -> str:
        """The path of this version's modules, ``/ocpi/{version}``."""
        return f"/ocpi/{self.version}"

    @property
    def plain_tokens(self) -> bool:
        return hub_versions.plain_tokens(self.version)

    def credentials(self, token: str) -> dict[str, Any]:
        return hub_versions.credentials(
            self.version, token, self.base_url, self.country_code, self.party_id
        )

    def decode_token(self, header: str | None) -> str | None:
        return hub_versions.decode_token(self.version, header)


def _now() -> datetime:
    return datetime.now(UTC)


def _reply(
    data: Any = None, status: int = 1000, message: str | None = None, http: int = 200
) -> Response:
    body = encode_envelope(data=data, status_code=status, status_message=message, timestamp=_now())
    return Response(body, status_code=http, media_type="application/json")


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
        token = state.decode_token(request.headers.get("authorization"))
        module = _module_of(request.url.path)
        problems = []
        if token is None:
            shape = "<token>" if state.plain_tokens else "<base64>"
            problems.append(f"Authorization is not 'Token {shape}'")
        problems += hub_versions.header_problems(
            state.version, request.method, module, request.headers
        )
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

    prefix = state.prefix

    @app.get("/ocpi/versions")
    async def versions() -> Response:
        return _reply([{"version": state.version, "url": f"{state.base_url}{prefix}"}])

    @app.get(prefix)
    async def details() -> Response:
        endpoints = hub_versions.endpoints(state.version, state.base_url)
        return _reply({"version": state.version, "endpoints": endpoints})

    @app.post(f"{prefix}/credentials")
    async def accept_cpo_registration(request: Request) -> Response:
        """ToIOP: the CPO registers with us using a token we handed out."""
        body = orjson.loads(await request.body())
        try:
            found = await _discover(state, transport, body["url"], body["token"])
        except Exception as exc:
            return _reply(status=3001, message=f"cannot use the CPO's API: {exc}")
        state.cpo_token = body["token"]
        state.cpo_versions_url = body["url"]
        state.cpo_endpoints = {e.identifier: e.url for e in found.endpoints}
        state.cpo_party = hub_versions.party_of(state.version, body)
        caller = state.decode_token(request.headers.get("authorization"))
        if caller is not None:
            state.issued.pop(caller, None)
        token = secrets.token_urlsafe(24)
        state.issued[token] = "access"
        return _reply(state.credentials(token))

    @app.put(f"{prefix}/credentials")
    async def cpo_updates(request: Request) -> Response:
        """The CPO rotates tokens: re-discover with its new token, issue ours anew."""
        body = orjson.loads(await request.body())
        try:
            found = await _discover(state, transport, body["url"], body["token"])
        except Exception as exc:
            return _reply(status=3001, message=f"cannot use the CPO's API: {exc}")
        state.cpo_token = body["token"]
        state.cpo_endpoints = {e.identifier: e.url for e in found.endpoints}
        caller = state.decode_token(request.headers.get("authorization"))
        if caller is not None:
            state.issued.pop(caller, None)
        token = secrets.token_urlsafe(24)
        state.issued[token] = "access"
        return _reply(state.credentials(token))

    @app.delete(f"{prefix}/credentials")
    async def cpo_unregisters(request: Request) -> Response:
        caller = state.decode_token(request.headers.get("authorization"))
        if caller is not None:
            state.issued.pop(caller, None)
        state.cpo_token = None
        return _reply()

    @app.get(f"{prefix}/hubclientinfo")
    async def client_info_list(request: Request) -> Response:
        offset = int(request.query_params.get("offset", 0))
        limit = min(int(request.query_params.get("limit", 2)), 2)
        page = state.parties[offset : offset + limit]
        headers = {"X-Total-Count": str(len(state.parties)), "X-Limit": "2"}
        if offset + len(page) < len(state.parties):
            headers["Link"] = (
                f"<{state.base_url}{prefix}/hubclientinfo?offset={offset + len(page)}"
                f'&limit={limit}>; rel="next"'
            )
        response = _reply(page)
        response.headers.update(headers)
        return response

    @app.put(f"{prefix}/tariffs/{{country_code}}/{{party_id}}/{{tariff_id}}")
    async def put_tariff(
        country_code: str, party_id: str, tariff_id: str, request: Request
    ) -> Response:
        """Keep one description per target eMSP (Gireve's target_operator_* extension; a 2.1.1
        Tariff names no owner and no target)."""
        body = orjson.loads(await request.body())
        owner = (country_code, party_id) if state.version == hub_versions.V221 else (None, None)
        if (body.get("country_code"), body.get("party_id"), body.get("id")) != (*owner, tariff_id):
            return _reply(status=2001, message="country_code/party_id/id differ from the URL")
        target = body.get("target_operator_country_code")
        variant = f"{target}/{body.get('target_operator_party_id')}" if target else ""
        state.tariffs.setdefault(f"{country_code}/{party_id}/{tariff_id}", {})[variant] = body
        return _reply()

    @app.get(f"{prefix}/tariffs/{{country_code}}/{{party_id}}/{{tariff_id}}")
    async def get_tariff(country_code: str, party_id: str, tariff_id: str) -> Response:
        stored = state.tariffs.get(f"{country_code}/{party_id}/{tariff_id}")
        if not stored:
            return _reply(status=2000, message="unknown tariff", http=404)
        return _reply(stored.get("") or next(iter(stored.values())))

    @app.delete(f"{prefix}/tariffs/{{country_code}}/{{party_id}}/{{tariff_id}}")
    async def delete_tariff(country_code: str, party_id: str, tariff_id: str) -> Response:
        if state.tariffs.pop(f"{country_code}/{party_id}/{tariff_id}", None) is None:
            return _reply(status=2000, message="unknown tariff", http=404)
        return _reply()

    add_locations_receiver(app, state.locations, _reply, prefix)
    add_tokens_sender(app, state.token_outcomes, state.token_list, _reply, state.version)
    add_commands_sender(app, state, state.command_results, transport, _reply)
    add_sessions_receiver(app, state.sessions, _reply, prefix)
    add_cdrs_receiver(app, state.cdrs, lambda: state.base_url, _reply, prefix)
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
            "GET",
            state.cpo_versions_url,
            token=state.cpo_token,
            token_base64=not state.plain_tokens,
            timeout=10,
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

    @app.get("/_sim/requests/count")
    async def recorded_count(method: str | None = None, module: str | None = None) -> Response:
        """How many requests were received (of ``method``, to ``module``), those answered with
        a failure set by ``/_sim/fail`` left out: what a waiting caller polls, instead of the
        whole log (tens of thousands of entries, bodies and all, in a scale run)."""
        count = sum(
            1
            for entry in state.requests
            if (method is None or entry["method"] == method)
            and (module is None or entry["module"] == module)
            and not entry.get("failed")
        )
        return Response(orjson.dumps({"count": count}), media_type="application/json")

    @app.get("/_sim/tariffs")
    async def show_tariffs() -> Response:
        """The tariffs held: "cc/pid/id" -> {"" or "CC/PID" of the target eMSP -> Tariff}."""
        return Response(orjson.dumps(state.tariffs), media_type="application/json")

    @app.post("/_sim/forget")
    async def forget(request: Request) -> Response:
        """Lose what is held, as a hub restored from an old backup would:
        ``{"modules": ["locations", "tariffs", "sessions", "cdrs"]}`` (default: all four)."""
        order = orjson.loads(await request.body() or b"{}")
        held = {
            "locations": state.locations,
            "tariffs": state.tariffs,
            "sessions": state.sessions,
            "cdrs": state.cdrs,
        }
        modules = order.get("modules") or list(held)
        unknown = sorted(set(modules) - set(held))
        if unknown:
            return Response(
                orjson.dumps({"error": f"unknown modules: {', '.join(unknown)}"}),
                status_code=400,
                media_type="application/json",
            )
        forgotten = {module: len(held[module]) for module in modules}
        for module in modules:
            held[module].clear()
        return Response(orjson.dumps({"forgotten": forgotten}), media_type="application/json")

    @app.get("/_sim/state")
    async def show_state() -> Response:
        shown = {
            "registered": state.cpo_token is not None,
            # A simulator shows its token for us, so tests can call us as the hub would.
            "cpo_token": state.cpo_token,
            "cpo_versions_url": state.cpo_versions_url,
            "cpo_endpoints": state.cpo_endpoints,
            "version": state.version,
            "cpo_party": "/".join(state.cpo_party) if state.cpo_party else None,
        }
        return Response(orjson.dumps(shown), media_type="application/json")

    return app


async def register_from_iop(
    state: SimHubState, transport: Transport, versions_url: str, token_a: str
) -> dict[str, Any]:
    """Gireve's FromIOP sequence: versions, details, POST credentials, all with token A (in Base64
    on 2.2.1, as it is on 2.1.1)."""
    steps: list[dict[str, Any]] = []
    found = await _discover(state, transport, versions_url, token_a)
    steps.append({"step": "versions and details", "version": found.version})
    endpoints = {e.identifier: e.url for e in found.endpoints}
    token_b = secrets.token_urlsafe(24)
    state.issued[token_b] = "access"
    reply = await transport.send(
        "POST",
        endpoints["credentials"],
        token=token_a,
        token_base64=not state.plain_tokens,
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
    state.cpo_party = hub_versions.party_of(state.version, reply.data)
    state.cpo_versions_url = versions_url
    state.cpo_endpoints = endpoints
    return {"ok": True, "steps": steps, "endpoints": endpoints}


async def _discover(state: SimHubState, transport: Transport, versions_url: str, token: str) -> Any:
    """The CPO's versions and details, on the hub's own version only."""
    return await discover(
        transport,
        versions_url,
        token,
        token_base64=not state.plain_tokens,
        timeout=10,
        versions=[state.version],
    )
