"""Limits at the door of a real gateway (ocpp_gateway.door): connection attempts per station id
and per address, unknown ids per address, and a station flooding messages is closed while
another station is answered."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from ocpi_cpo.ocpp_gateway.door import Buckets
from ocpi_cpo.sim.station import SimStation
from tests.integration.ocpp.conftest import RecordingEvents, serve_gateway


async def _status(url: str) -> tuple[int, str | None]:
    """The HTTP status of a refused handshake (101 when it was accepted) and its Retry-After."""
    try:
        async with connect(url, subprotocols=[Subprotocol("ocpp1.6")]):
            return 101, None
    except InvalidStatus as refused:
        response = refused.response
        return response.status_code, response.headers.get("Retry-After")


def test_buckets_let_a_burst_through_then_a_rate() -> None:
    now = [0.0]
    buckets = Buckets(rate=0.5, burst=3, monotonic=lambda: now[0])
    assert [buckets.take("a") for _ in range(4)] == [0, 0, 0, 2]
    assert buckets.take("b") == 0  # keys are apart
    now[0] = 2.0
    assert buckets.take("a") == 0 and buckets.take("a") == 2


async def test_attempts_per_station_id_are_limited(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "ocpi_cpo.ocpp_gateway")
    limits = {"connection_burst_per_station": 3, "connections_per_minute_per_station": 1}
    async with serve_gateway(tmp_path, RecordingEvents(), **limits) as gateway:
        await gateway.add_station("CP1")
        await gateway.add_station("CP2")
        answers = [await _status(f"{gateway.url}/CP1") for _ in range(4)]
        assert [a[0] for a in answers] == [101, 101, 101, 429]
        assert answers[3][1] is not None and int(answers[3][1]) > 0
        assert (await _status(f"{gateway.url}/CP2"))[0] == 101  # another station is let in
    refusal = [r.getMessage() for r in caplog.records if "(429)" in r.getMessage()]
    assert refusal and "'CP1'" in refusal[0] and "127.0.0.1" in refusal[0]


async def test_a_scan_of_unknown_ids_is_limited(tmp_path: Path) -> None:
    limits = {"unknown_id_burst_per_address": 3, "unknown_ids_per_minute_per_address": 1}
    async with serve_gateway(tmp_path, RecordingEvents(), **limits) as gateway:
        await gateway.add_station("CP1")
        scan = [(await _status(f"{gateway.url}/GUESS{n}"))[0] for n in range(5)]
        assert scan == [404, 404, 404, 429, 429]
        assert (await _status(f"{gateway.url}/CP1"))[0] == 429  # the scanning address waits


async def test_attempts_per_address_are_limited(tmp_path: Path) -> None:
    limits = {"connection_burst_per_address": 4, "connections_per_minute_per_address": 1}
    async with serve_gateway(tmp_path, RecordingEvents(), **limits) as gateway:
        for n in range(5):
            await gateway.add_station(f"CP{n}")
        answers = [(await _status(f"{gateway.url}/CP{n}"))[0] for n in range(5)]
        assert answers == [101, 101, 101, 101, 429]


async def test_a_flooding_station_is_closed_and_the_others_answered(
    tmp_path: Path, version: str
) -> None:
    limits = {"message_burst": 5, "messages_per_second": 0.2}
    async with serve_gateway(tmp_path, RecordingEvents(), **limits) as gateway:
        await gateway.add_station("FLOOD")
        await gateway.add_station("CALM")
        async with SimStation(gateway.url, "CALM", version) as calm:
            assert await calm.boot() == "Accepted"  # still answered
