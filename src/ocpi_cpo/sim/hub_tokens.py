"""The simulated hub's Tokens Sender: real-time authorization with an outcome set per uid.

``POST /_sim/tokens`` sets outcomes: ``{"UID": {"allowed": "BLOCKED"}}``; other keys of an entry:
``"unknown": true`` (HTTP 404, OCPI 2004), ``"delay": seconds`` (a slow eMSP), ``"status": 3000``
(an OCPI error), ``"malformed": true`` (an answer that is not an AuthorizationInfo). A uid with
no entry is ALLOWED with a fresh authorization_reference.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

Reply = Callable[..., Response]


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
        "last_updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


PAGE = 2


def add_tokens_sender(
    app: FastAPI, outcomes: dict[str, dict[str, Any]], listed: list[dict[str, Any]], reply: Reply
) -> None:
    """Mount authorize, the paginated token list (``listed``, 2 per page) and the controls."""

    @app.get("/ocpi/2.2.1/tokens")
    async def token_list(request: Request) -> Response:
        since = request.query_params.get("date_from")
        matching = [t for t in listed if since is None or t["last_updated"] >= since]
        offset = int(request.query_params.get("offset", 0))
        page = matching[offset : offset + PAGE]
        response = reply(page)
        response.headers["X-Total-Count"] = str(len(matching))
        response.headers["X-Limit"] = str(PAGE)
        if offset + len(page) < len(matching):
            query = f"offset={offset + len(page)}&limit={PAGE}"
            if since is not None:
                query = f"date_from={since}&{query}"
            response.headers["Link"] = f'<{request.base_url}ocpi/2.2.1/tokens?{query}>; rel="next"'
        return response

    @app.post("/_sim/tokens/list")
    async def set_list(request: Request) -> Response:
        listed[:] = orjson.loads(await request.body())
        return Response(orjson.dumps({"tokens": len(listed)}), media_type="application/json")

    @app.post("/ocpi/2.2.1/tokens/{uid}/authorize")
    async def authorize(uid: str, request: Request) -> Response:
        token_type = request.query_params.get("type", "RFID")
        outcome = outcomes.get(uid, {})
        if outcome.get("delay"):
            await asyncio.sleep(float(outcome["delay"]))
        if outcome.get("unknown"):
            return reply(status=2004, message="unknown token", http=404)
        if outcome.get("status"):
            return reply(status=int(outcome["status"]), message="simulated failure")
        if outcome.get("malformed"):
            return reply({"allowed": "MAYBE"})
        body = orjson.loads(await request.body() or b"{}")
        if not body.get("location_id"):
            return reply(status=2002, message="LocationReferences missing")
        return reply(
            {
                "allowed": outcome.get("allowed", "ALLOWED"),
                "token": _token(uid, token_type),
                "location": body,
                "authorization_reference": uuid.uuid4().hex[:20],
            }
        )

    @app.post("/_sim/tokens")
    async def set_outcomes(request: Request) -> Response:
        outcomes.update(orjson.loads(await request.body()))
        return Response(orjson.dumps({"uids": len(outcomes)}), media_type="application/json")
