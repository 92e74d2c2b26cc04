"""The seam for calls to partners. Implemented once, in ``ocpi_cpo.outbound.transport``.

Everything that varies per call is an argument; auth, tracing and routing headers, envelope
decoding and error mapping happen inside the implementation, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ocpi_cpo.domain.delivery import Routing

__all__ = ["OcpiReply", "Routing", "Transport", "TransportError", "routing_headers"]


def routing_headers(routing: Routing) -> dict[str, str]:
    """OCPI-from-* / OCPI-to-*: functional modules only, never configuration modules."""
    return {
        "OCPI-from-country-code": routing.from_country_code,
        "OCPI-from-party-id": routing.from_party_id,
        "OCPI-to-country-code": routing.to_country_code,
        "OCPI-to-party-id": routing.to_party_id,
    }


@dataclass(frozen=True, slots=True)
class OcpiReply:
    """What a partner answered. ``ocpi_status`` is None when the body was no OCPI envelope.

    ``headers`` has lower-case names.
    """

    http_status: int
    ocpi_status: int | None
    message: str | None
    data: Any
    headers: Mapping[str, str]
    latency_ms: float
    excerpt: str
    request_id: str
    correlation_id: str
    extra: Mapping[str, str] = field(default_factory=dict)
    #: why a redirect (HTTP 3xx) was not followed; None for any other answer
    redirect_refused: str | None = None

    @property
    def ok(self) -> bool:
        """HTTP 2xx with OCPI 1xxx."""
        return (
            200 <= self.http_status < 300
            and self.ocpi_status is not None
            and 1000 <= self.ocpi_status < 2000
        )

    def problem(self) -> str:
        """A one-line description of a failed answer, for errors shown to operators."""
        if 300 <= self.http_status < 400:
            where = self.headers.get("location", "nowhere")
            why = self.redirect_refused or "not followed"
            return f"HTTP {self.http_status} redirect to {where!r} not followed: {why}"
        if self.ocpi_status is None:
            return f"HTTP {self.http_status} without an OCPI envelope: {self.excerpt[:120]!r}"
        text = f"HTTP {self.http_status}, OCPI {self.ocpi_status}"
        return f"{text}: {self.message}" if self.message else text


class TransportError(Exception):
    """No HTTP answer at all: connection refused, DNS, TLS, or timeout. ``kind`` says which."""

    def __init__(self, kind: str, message: str, latency_ms: float = 0.0) -> None:
        super().__init__(message)
        self.kind = kind
        self.latency_ms = latency_ms


class Transport(Protocol):
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
        """Send one OCPI request; raise TransportError when no HTTP answer came back."""
        ...

    async def close(self) -> None: ...
