"""serve pings every station's websocket at ``[ocpp] ping_interval`` and closes one whose pong
does not come within ``ping_timeout`` (a half-open link). A real ``serve``; the station is a raw
socket that speaks the handshake itself, so that it can see the pings and leave them unanswered
(a websocket library answers them by itself)."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from pathlib import Path

import pytest

from ocpi_cpo.cli.serve import websocket_pings
from ocpi_cpo.config import OcppSettings
from tests.support import stations_e2e as net
from tests.support.processes import free_port, running

pytestmark = pytest.mark.e2e

PING, CLOSE = 0x9, 0x8


async def _open(port: int, station: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /ocpp/{station} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def _frame(reader: asyncio.StreamReader, timeout: float) -> int | None:
    """The opcode of the next frame from the server (unmasked), None when the socket closed."""
    try:
        first, second = await asyncio.wait_for(reader.readexactly(2), timeout)
    except (asyncio.IncompleteReadError, ConnectionResetError):
        return None
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    await reader.readexactly(length)
    return first & 0x0F


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pings_at_the_interval_and_a_silent_link_is_closed(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    config = net.config(tmp_path, port, database_url, "ping_interval = 0.5\nping_timeout = 1.0\n")
    base = f"http://127.0.0.1:{port}"

    async def scenario() -> tuple[list[int | None], float]:
        await net.network(base, config, 1)
        reader, writer = await _open(port, "S1")
        opened = time.monotonic()
        seen: list[int | None] = []
        try:
            while not seen or seen[-1] not in (None, CLOSE):
                seen.append(await _frame(reader, 10))
        finally:
            writer.close()
        return seen, time.monotonic() - opened

    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{base}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        seen, closed_after = asyncio.run(scenario())
    assert seen[0] == PING  # pinged at the interval
    assert seen[-1] in (None, CLOSE)  # and, the pong never coming, closed
    assert closed_after < 10


def test_no_pings_when_the_interval_is_zero() -> None:
    assert websocket_pings(OcppSettings(ping_interval=0)) == {
        "ws_ping_interval": None,
        "ws_ping_timeout": 20.0,
    }
    assert websocket_pings(OcppSettings())["ws_ping_interval"] == 60.0
