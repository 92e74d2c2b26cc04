"""The simulated hub's Sessions and CDRs Receivers (mod_sessions, mod_cdrs, receiver side), in memory.

Sessions: PUT stores the Session; PATCH applies the given fields and *appends* ``charging_periods``
(mod_sessions, PATCH); GET answers what is held, else HTTP 404 with OCPI 2003. CDRs: POST stores
the CDR and answers with a ``Location`` header, the URL where it can be read back with GET.
``/_sim/sessions`` and ``/_sim/cdrs`` show what is held.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

_SESSION = "/sessions/{country_code}/{party_id}/{session_id}"
Reply = Callable[..., Response]


def add_sessions_receiver(
    app: FastAPI, held: dict[str, dict[str, Any]], reply: Reply, prefix: str = "/ocpi/2.2.1"
) -> None:
    """``held`` maps "cc/pid/session_id" to the Session as the hub has it (same URL layout in
    2.1.1 and 2.2.1, under ``prefix``)."""

    async def session(request: Request) -> Response:
        params = request.path_params
        key = f"{params['country_code']}/{params['party_id']}/{params['session_id']}"
        if request.method == "GET":
            found = held.get(key)
            if found is None:
                return reply(status=2003, message="unknown session", http=404)
            return reply(found)
        body = orjson.loads(await request.body())
        if not isinstance(body, dict) or "last_updated" not in body:
            return reply(status=2001, message="last_updated is required")
        if request.method == "PUT":
            held[key] = body
            return reply()
        target = held.get(key)
        if target is None:
            return reply(status=2003, message="unknown session: PUT it first", http=404)
        periods = body.pop("charging_periods", None)
        target.update(body)
        if periods:
            target.setdefault("charging_periods", []).extend(periods)
        return reply()

    app.add_api_route(
        prefix + _SESSION, session, methods=["GET", "PUT", "PATCH"], include_in_schema=False
    )

    @app.get("/_sim/sessions")
    async def show_sessions() -> Response:
        return Response(orjson.dumps(held), media_type="application/json")


def add_cdrs_receiver(
    app: FastAPI,
    held: dict[str, dict[str, Any]],
    base_url: Callable[[], str],
    reply: Reply,
    prefix: str = "/ocpi/2.2.1",
) -> None:
    """``held`` maps the number in the Location URL to the CDR."""

    @app.post(f"{prefix}/cdrs", include_in_schema=False)
    async def post_cdr(request: Request) -> Response:
        body = orjson.loads(await request.body())
        if not isinstance(body, dict) or "id" not in body:
            return reply(status=2001, message="not a CDR")
        number = str(len(held) + 1)
        held[number] = body
        response = reply()
        response.headers["Location"] = f"{base_url()}{prefix}/cdrs/{number}"
        return response

    @app.get(prefix + "/cdrs/{number}", include_in_schema=False)
    async def get_cdr(number: str) -> Response:
        found = held.get(number)
        if found is None:
            return reply(status=2003, message="unknown CDR", http=404)
        return reply(found)

    @app.get("/_sim/cdrs")
    async def show_cdrs() -> Response:
        return Response(orjson.dumps(list(held.values())), media_type="application/json")
