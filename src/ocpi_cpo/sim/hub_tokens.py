"""The simulated hub's Tokens Sender: real-time authorization with an outcome set per uid.

``POST /_sim/tokens`` sets outcomes: ``{"UID": {"allowed": "BLOCKED"}}``; other keys of an entry:
``"unknown": true`` (HTTP 404, OCPI 2004), ``"delay": seconds`` (a slow eMSP), ``"status": 3000``
(an OCPI error), ``"malformed": true`` (an answer that is not an AuthorizationInfo). A uid with
no entry is ALLOWED with a fresh authorization_reference.

On OCPI 2.1.1 (Gireve's 2.1.1 IOP, cpo_tokens.md): the AuthorizationInfo is 2.1.1's (``allowed``,
``location``) with Gireve's ``authorization_id`` instead of ``authorization_reference`` and no
token; the LocationReferences must name exactly one EVSE (none: OCPI 2002, several: 2001); and
``GET tokens/{uid}?type=`` answers one Token in 2.1.1 form (with ``auth_id``), or OCPI 2000 for a
uid the hub does not know (a uid set ``"unknown"``).
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


def _token_211(uid: str, token_type: str) -> dict[str, Any]:
    return {
        "uid": uid,
        "type": token_type,
        "auth_id": f"NL-EMS-C{uid[-8:]}",
        "issuer": "NL*EMS",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


PAGE = 2


def add_tokens_sender(
    app: FastAPI,
    outcomes: dict[str, dict[str, Any]],
    listed: list[dict[str, Any]],
    reply: Reply,
    version: str = "2.2.1",
) -> None:
    """Mount authorize, the paginated token list (``listed``, 2 per page) and the controls."""
    prefix = f"/ocpi/{version}"
    v211 = version == "2.1.1"

    @app.get(f"{prefix}/tokens")
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
            response.headers["Link"] = (
                f'<{request.base_url}ocpi/{version}/tokens?{query}>; rel="next"'
            )
        return response

    @app.post("/_sim/tokens/list")
    async def set_list(request: Request) -> Response:
        listed[:] = orjson.loads(await request.body())
        return Response(orjson.dumps({"tokens": len(listed)}), media_type="application/json")

    @app.get(prefix + "/tokens/{uid}")
    async def one_token(uid: str, request: Request) -> Response:
        """Gireve's 2.1.1 GET tokens/{uid}?type= (unknown: OCPI 2000)."""
        if not v211 or outcomes.get(uid, {}).get("unknown"):
            return reply(status=2000, message="unknown token")
        return reply(_token_211(uid, request.query_params.get("type", "RFID")))

    @app.post(prefix + "/tokens/{uid}/authorize")
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
        if v211:
            evses = body.get("evse_uids") or []
            if not evses:
                return reply(status=2002, message="Missing EVSE Id")
            if len(evses) > 1:
                return reply(
                    status=2001,
                    message="Invalid or missing parameters: IOP does not support authorization"
                    " request on multiple EVSE",
                )
            return reply(
                {
                    "allowed": outcome.get("allowed", "ALLOWED"),
                    "location": body,
                    "authorization_id": uuid.uuid4().hex[:20],
                }
            )
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
