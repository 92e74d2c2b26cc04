"""Every change made through the admin API goes to the audit log (services.audit).

An ASGI middleware around ``/admin``: a request other than GET/HEAD/OPTIONS whose answer is a
success (HTTP 2xx and OCPI 1xxx) is recorded once answered, as ``admin-token:admin`` (only the
admin token passes ``api.admin.auth``), with the route as what, the path as the object and the
request body as ``after`` when it is small JSON (secret-named fields replaced). Bodies pass
through untouched: only their first ``SMALL`` bytes are kept aside, so a 256 MiB import costs no
copy.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocpi_cpo.domain.audit import SMALL
from ocpi_cpo.services import audit

log = logging.getLogger("ocpi_cpo.audit")

_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_OCPI_STATUS = re.compile(rb'"status_code"\s*:\s*(\d+)')


class AdminAuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/admin/") or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        size = 0
        answer: dict[str, Any] = {"status": 0, "start": b""}

        async def keeping_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                size += len(chunk)
                if len(body) <= SMALL:
                    body.extend(chunk[: SMALL + 1 - len(body)])
            return message

        async def watching_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body" and not answer["start"]:
                answer["start"] = bytes(message.get("body", b"")[:200])
            await send(message)

        await self.app(scope, keeping_receive, watching_send)
        if _succeeded(answer["status"], answer["start"]):
            await _record(scope, path, bytes(body), size)


def _succeeded(http_status: int, start: bytes) -> bool:
    if not 200 <= http_status < 300:
        return False
    found = _OCPI_STATUS.search(start)
    return found is None or found.group(1).startswith(b"1")


def _after(body: bytes, size: int) -> Any:
    if size == 0:
        return None
    if size > SMALL:
        return {"omitted": f"{size} bytes of request body"}
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return {"omitted": f"{size} bytes of request body, not JSON"}


async def _record(scope: Scope, path: str, body: bytes, size: int) -> None:
    route = scope.get("route")
    template = getattr(route, "path", None) or path
    if not template.startswith("/admin/"):  # the route as its router declared it
        template = "/admin" + template
    context = scope["app"].state.ocpi
    action = f"{scope['method']} {template}"
    obj = path.removeprefix("/admin/")
    try:
        await audit.record_alone(
            context.storage, context.clock, audit.ADMIN, action, obj, after=_after(body, size)
        )
    except Exception:  # the change is made and answered: say loudly that its trace is missing
        log.exception("audit entry for %s %s could not be written", scope["method"], path)
