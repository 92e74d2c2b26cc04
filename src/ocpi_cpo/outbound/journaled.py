"""A Transport that notes each OCPI request we send in the journal (ids, status, latency; never
the token, the query or the body), then returns what the wrapped transport got."""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from ocpi_cpo.journal import Entry, Journal, elapsed_ms, now
from ocpi_cpo.ocpi.transport import OcpiReply, Routing, Transport, TransportError


class JournaledTransport:
    def __init__(self, inner: Transport, journal: Journal) -> None:
        self.inner = inner
        self.journal = journal

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
        started = time.perf_counter()
        target = urlsplit(url)
        summary = f"{method} {target.netloc}{target.path}"
        try:
            reply = await self.inner.send(
                method, url, token=token, token_base64=token_base64, body=body, params=params,
                routing=routing, correlation_id=correlation_id, timeout=timeout,
            )  # fmt: skip
        except TransportError as exc:
            self.journal.add(
                Entry(now(), "OCPI out", summary, f"no answer: {exc.kind}",
                      correlation_id=correlation_id or "", latency_ms=elapsed_ms(started),
                      detail=str(exc)[:300])
            )  # fmt: skip
            raise
        status = f"HTTP {reply.http_status}" + (
            f", OCPI {reply.ocpi_status}" if reply.ocpi_status is not None else ""
        )
        self.journal.add(
            Entry(now(), "OCPI out", summary, status, request_id=reply.request_id,
                  correlation_id=reply.correlation_id, latency_ms=reply.latency_ms,
                  detail=reply.message or "")
        )  # fmt: skip
        return reply

    async def close(self) -> None:
        await self.inner.close()
