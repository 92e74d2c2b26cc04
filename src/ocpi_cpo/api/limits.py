"""Request limits: body size (413) and how long a client may take to send its body (408).

Pure ASGI, before routing, so an oversized or stalled upload never reaches a handler or the
database. Admin routes (location imports) have their own, larger size limit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from ocpi_cpo.config import LimitSettings
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.ocpi.envelope import encode_envelope
from ocpi_cpo.ocpi.tracing import ASGIApp, Message, Receive, Scope, Send


async def _answer(send: Send, http_status: int, message: str, now: datetime) -> None:
    body = encode_envelope(status_code=2000, status_message=message, timestamp=now)
    await send(
        {
            "type": "http.response.start",
            "status": http_status,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: LimitSettings, clock: Clock) -> None:
        self.app = app
        self.limits = limits
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admin = str(scope.get("path", "")).startswith("/admin")
        limit = self.limits.admin_max_body_bytes if admin else self.limits.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(
                send, 413, f"request body of {declared} bytes exceeds {limit}", self.clock.now()
            )
            return
        state: dict[str, Any] = {"received": 0, "done": False, "started": False, "refused": False}

        async def refuse(http_status: int, message: str) -> Message:
            # Answer ourselves and tell the app the client left: whatever it does next is dropped.
            if not state["started"]:
                state["started"] = True
                await _answer(send, http_status, message, self.clock.now())
            state["refused"] = True
            return {"type": "http.disconnect"}

        async def limited_receive() -> Message:
            if state["done"]:
                return await receive()
            if state["refused"]:
                return {"type": "http.disconnect"}
            try:
                message = await asyncio.wait_for(receive(), self.limits.body_timeout_seconds)
            except TimeoutError:
                return await refuse(408, "the request body did not arrive in time")
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    return await refuse(413, f"request body exceeds {limit} bytes")
                state["done"] = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            if state["refused"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
