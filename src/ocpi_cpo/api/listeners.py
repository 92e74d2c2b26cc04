"""What ``ocpi-cpo serve`` listens on: the application, and the stations' TLS listener.

uvicorn gives an ASGI application neither the TCP peer once X-Forwarded-For has been applied nor
the client certificate of a TLS connection (no ASGI TLS extension). The OCPP gateway needs both
for security profile 3 (``ocpp_gateway.certificates``), so serve runs uvicorn with the websocket
protocol of :func:`websocket_protocol`: the same as uvicorn's, recording the TCP peer and, on the
stations' listener, the verified client certificate under ``scope["extensions"][PEER]``.

The stations' listener (``[ocpp.tls] cert_file``) serves :func:`stations_only`: OCPP websockets
and nothing else, so OCPI never bypasses the partners' TLS settings through it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ocpi_cpo.ocpp_gateway.certificates import PEER

ASGIApp = Any


def peer_extension(transport: asyncio.BaseTransport, station_tls: bool) -> dict[str, Any]:
    """The TCP peer's address; the TLS version; on the stations' listener, the client
    certificate OpenSSL verified (``getpeercert()`` form, None without one)."""
    peername = transport.get_extra_info("peername")
    address = peername[0] if isinstance(peername, tuple) and peername else None
    ssl_object = transport.get_extra_info("ssl_object")
    tls_version = ssl_object.version() if ssl_object is not None else None
    client_cert = ssl_object.getpeercert() if ssl_object is not None and station_tls else None
    return {
        "address": address,
        "tls_version": tls_version,
        "station_tls": station_tls,
        "client_cert": client_cert or None,
    }


def websocket_protocol(*, station_tls: bool) -> type[asyncio.Protocol]:
    """uvicorn's websocket protocol, recording :func:`peer_extension` in each scope."""
    base: Any
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol as base,
        )
    except ImportError:  # uvicorn before the sans-I/O implementation
        from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol as base

    class PeerRecordingProtocol(base):  # type: ignore[misc]
        async def run_asgi(self) -> None:
            self.scope.setdefault("extensions", {})[PEER] = peer_extension(
                self.transport, station_tls
            )
            await super().run_asgi()

    PeerRecordingProtocol.__name__ = (
        "StationTlsWebSocketProtocol" if station_tls else "PeerRecordingWebSocketProtocol"
    )
    protocol: type[asyncio.Protocol] = PeerRecordingProtocol
    return protocol


def stations_only(app: ASGIApp) -> ASGIApp:
    """``app`` for OCPP websockets (``/ocpp/...``) only: HTTP 404 and closed websockets else."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "websocket" and path.startswith("/ocpp/"):
            await app(scope, receive, send)
        elif scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
        elif scope["type"] == "http":
            body = b"only OCPP websockets (/ocpp/{station_id}) on this port\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": body})

    return asgi
