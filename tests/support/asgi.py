"""In-process HTTP between apps: a Transport that routes by host to ASGI apps (the network edge)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ocpi_cpo.ocpi.tracing import new_id
from ocpi_cpo.ocpi.transport import OcpiReply, Routing, TransportError, routing_headers
from ocpi_cpo.outbound.transport import authorization_header, decode_reply


class AsgiTransport:
    """Implements the Transport Protocol over ``httpx.ASGITransport``, one app per host:port."""

    def __init__(self, apps: Mapping[str, Any] | None = None) -> None:
        self.apps: dict[str, Any] = dict(apps or {})
        self.sent: list[dict[str, Any]] = []

    async def send(
        self,
        method: str,
        url: str,
        *,
        token: str,
        token_base64: bool = True,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        routing: Routing | None = None,
        correlation_id: str | None = None,
        timeout: float = 10.0,
    ) -> OcpiReply:
        host = urlsplit(url).netloc
        app = self.apps.get(host)
        if app is None:
            raise TransportError("connect", f"{method} {url}: cannot connect (no app at {host})")
        request_id, correlation_id = new_id(), correlation_id or new_id()
        headers = {
            "Authorization": authorization_header(token, base64_encoded=token_base64),
            "X-Request-ID": request_id,
            "X-Correlation-ID": correlation_id,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if routing is not None:
            headers.update(routing_headers(routing))
        self.sent.append({"method": method, "url": url, "headers": headers, "body": body})
        started = time.perf_counter()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}"
        ) as client:
            response = await client.request(
                method, url, content=body, headers=headers, params=params
            )
        return decode_reply(
            response.status_code,
            response.content,
            dict(response.headers),
            (time.perf_counter() - started) * 1000,
            request_id,
            correlation_id,
        )

    async def close(self) -> None:
        return None
