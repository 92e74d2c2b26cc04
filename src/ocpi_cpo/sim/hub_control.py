"""Controls of the simulated hub: make it fail (to show store-and-forward), and pull the CPO's
Senders page by page as Gireve does (to rehearse the pagination checks of certification).

``POST /_sim/fail {"mode": "down"|"503"|"slow"|"3000"|"2001"|"ok", "seconds": N}``: for N seconds
(or until told "ok") every request to a functional module answers: down → HTTP 503 without an
OCPI envelope, 503 → HTTP 503 with Retry-After: 1, slow → after N seconds' delay, 3000 → OCPI
3000, 2001 → OCPI 2001 (the hub refuses our data: the message becomes a dead letter).

``POST /_sim/pull {"module": "locations", "limit": 10, "party": "FR/AB1"}`` (the party the pull is
addressed to; default the CPO's first; on 2.1.1 nothing names it: no routing headers) → the objects' ids, the pages, and any
pagination problem seen (missing X-Total-Count / X-Limit, a total that moves, a Link that does not
repeat the limit, a page larger than asked).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.ocpi.pull import PullError, pull_pages
from ocpi_cpo.ocpi.transport import Transport, TransportError


@dataclass
class Failure:
    mode: str = "ok"
    until: float = 0.0

    def active(self) -> str | None:
        if self.mode == "ok":
            return None
        if self.until and time.monotonic() > self.until:
            self.mode = "ok"
            return None
        return self.mode


async def failure_response(failure: Failure, reply: Any) -> Response | None:
    """The answer a failing hub gives, or None to answer normally (after a delay when slow)."""
    mode = failure.active()
    if mode is None:
        return None
    if mode == "down":
        return Response(b"hub unavailable", status_code=503, media_type="text/plain")
    if mode == "503":
        return Response(b"busy", status_code=503, headers={"Retry-After": "1"})
    if mode == "3000":
        response: Response = reply(status=3000, message="simulated hub error")
        return response
    if mode == "2001":
        refused: Response = reply(status=2001, message="simulated refusal: invalid data")
        return refused
    if mode == "slow":
        await asyncio.sleep(max(0.0, failure.until - time.monotonic()) if failure.until else 5.0)
    return None


def add_controls(app: FastAPI, failure: Failure, transport: Transport, state: Any) -> None:
    @app.post("/_sim/fail")
    async def fail(request: Request) -> Response:
        order = orjson.loads(await request.body())
        failure.mode = str(order.get("mode", "ok"))
        seconds = float(order.get("seconds", 0))
        failure.until = time.monotonic() + seconds if seconds else 0.0
        return Response(
            orjson.dumps({"mode": failure.mode, "seconds": seconds}), media_type="application/json"
        )

    @app.post("/_sim/pull")
    async def pull(request: Request) -> Response:
        order = orjson.loads(await request.body())
        party = order.get("party")
        result = await pull_module(
            state,
            transport,
            str(order["module"]),
            order.get("limit"),
            order.get("params") or {},
            tuple(str(party).split("/")) if party else None,
        )
        return Response(orjson.dumps(result), media_type="application/json")


async def pull_module(
    state: Any,
    transport: Transport,
    module: str,
    limit: int | None,
    params: dict[str, str],
    party: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Pull one of the CPO's Senders, addressed (OCPI-to) to ``party`` or its first party."""
    url = state.cpo_endpoints.get(module)
    if url is None or state.cpo_token is None:
        return {"ok": False, "error": f"the CPO offers no {module} Sender (or is not registered)"}
    query = dict(params)
    if limit is not None:
        query["limit"] = str(limit)
    cc, pid = party if party and len(party) == 2 else (state.cpo_party or ("FR", "XXX"))
    # OCPI 2.1.1 has no routing headers: the token names the connection's one party
    routing = None if state.plain_tokens else Routing(state.country_code, state.party_id, cc, pid)
    pages: list[dict[str, Any]] = []
    ids: list[str] = []
    problems: list[str] = []
    try:
        async for page in pull_pages(
            transport,
            url,
            token=state.cpo_token,
            token_base64=not state.plain_tokens,
            params=query or None,
            routing=routing,
            timeout=30,
        ):
            pages.append(
                {
                    "url": page.url,
                    "count": len(page.items),
                    "total": page.total,
                    "limit": page.limit,
                }
            )
            ids += [str(item.get("id")) for item in page.items if isinstance(item, dict)]
            if page.total is None or page.limit is None:
                problems.append(f"{page.url}: X-Total-Count or X-Limit missing")
            if limit is not None and len(page.items) > limit:
                problems.append(f"{page.url}: {len(page.items)} objects for limit {limit}")
    except (PullError, TransportError) as exc:
        return {"ok": False, "error": str(exc), "pages": pages}
    totals = {p["total"] for p in pages}
    if len(totals) > 1:
        problems.append(f"X-Total-Count changed while paging: {sorted(totals)}")
    if pages and pages[0]["total"] is not None and pages[0]["total"] != len(ids):
        problems.append(f"X-Total-Count {pages[0]['total']} but {len(ids)} objects received")
    return {"ok": not problems, "pages": pages, "ids": ids, "problems": problems}
