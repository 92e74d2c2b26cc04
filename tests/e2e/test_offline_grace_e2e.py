"""A dropped station is reported offline only when it is not back within ``[ocpp]
offline_grace``, and a station whose last connection never recorded its end is asked for every
status (a real ``serve``, real websockets, SQLite and PostgreSQL).

* Back within the grace: its EVSEs keep their statuses (no UNKNOWN, so no PATCH for a status
  that did not change), and it is asked nothing: what it said last is stored.
* Not back: its EVSEs become UNKNOWN once the grace is over, reported by the leader.
* ``serve`` killed (SIGKILL) while the station is connected, then started again: the station's
  last connection never recorded its end, so a StatusNotification answered just before the kill
  may not be stored; when the station comes back (without BootNotification) it is asked for the
  status of every EVSE, and on SQLite the restarted serve reports it offline until then.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import ClientConnection

from tests.support import stations_e2e as net
from tests.support.processes import free_port, running

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True),
]

GRACE = 3.0


async def _statuses(session: aiohttp.ClientSession, base: str) -> dict[str, int]:
    found = await net.admin(session, "GET", f"{base}/admin/locations?limit=10")
    return {loc["id"]: loc["statuses"] for loc in found}["LOC1"]  # type: ignore[no-any-return]


async def _triggers(ws: ClientConnection, rounds: int, *, until_asked: bool = False) -> list[Any]:
    """Heartbeats for ``rounds`` rounds of 0.1 s (``until_asked``: until a TriggerMessage came,
    then 5 more rounds); the TriggerMessages received meanwhile."""
    calls: list[list[Any]] = []
    more = 5
    for _ in range(rounds):
        await net.call(ws, "Heartbeat", {}, calls)
        await asyncio.sleep(0.1)
        if until_asked and calls:
            more -= 1
            if not more:
                break
    assert all(c[2] == "TriggerMessage" for c in calls), calls
    return [c[3] for c in calls]


def _setup(tmp_path: Path, database_url: str) -> tuple[Path, str, str]:
    port = free_port()
    config = net.config(
        tmp_path, port, database_url, f"status_trigger_delay = 0.3\noffline_grace = {GRACE}\n"
    )
    return config, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ocpp"


def test_a_station_back_within_the_grace_keeps_its_statuses(
    tmp_path: Path, database_url: str
) -> None:
    config, base, url = _setup(tmp_path, database_url)
    log = tmp_path / "serve.log"

    async def scenario() -> dict[str, Any]:
        await net.network(base, config, 1)
        seen: dict[str, Any] = {}
        async with aiohttp.ClientSession() as session:
            first = await net.open_station(url, 1)
            await net.say(first, 1, "Available")
            first.transport.abort()  # dropped, no close frame
            await asyncio.sleep(GRACE / 3)
            seen["during"] = await _statuses(session, base)
            back = await net.open_station(url, 1)
            seen["asked"] = await _triggers(back, 10)
            await asyncio.sleep(GRACE + 2.0)  # past the grace and the leader's next look
            seen["after"] = await _statuses(session, base)
            # dropped again, not back this time: UNKNOWN once the grace is over
            back.transport.abort()
            dropped = time.monotonic()
            seen["soon"] = await _statuses(session, base)
            for _ in range(200):
                if await _statuses(session, base) == {"UNKNOWN": 2}:
                    break
                await asyncio.sleep(0.1)
            seen["unknown_after"] = time.monotonic() - dropped
            seen["end"] = await _statuses(session, base)
        return seen

    with running(["--config", str(config), "serve"], ready_url=f"{base}/ocpi/versions", log=log):
        seen = asyncio.run(scenario())
    assert seen["during"] == {"AVAILABLE": 2}
    assert seen["asked"] == []  # its statuses are known: nothing asked
    assert "station S1 back: its statuses are known, none asked" in log.read_text()
    assert seen["after"] == {"AVAILABLE": 2}  # never UNKNOWN: it came back in time
    assert seen["soon"] == {"AVAILABLE": 2}
    assert seen["end"] == {"UNKNOWN": 2}
    assert seen["unknown_after"] >= GRACE - 0.5  # not before the grace (clock granularity)


def test_a_station_whose_serve_was_killed_is_asked_for_every_status(
    tmp_path: Path, database_url: str
) -> None:
    config, base, url = _setup(tmp_path, database_url)

    async def before() -> ClientConnection:
        await net.network(base, config, 1)
        ws = await net.open_station(url, 1)
        await net.say(ws, 1, "Available")
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # stored: nothing is UNKNOWN any more
                if await _statuses(session, base) == {"AVAILABLE": 2}:
                    break
                await asyncio.sleep(0.1)
            assert await _statuses(session, base) == {"AVAILABLE": 2}
        # a change answered just before the kill: stored or not, the restart cannot tell
        await net.call(ws, "StatusNotification", net.status_payload(1, 1, "Charging"))
        return ws

    async def after(ws: ClientConnection) -> dict[str, Any]:
        ws.transport.abort()  # the old socket is dead with its serve
        back = await net.open_station(url, 1)
        asked = await _triggers(back, 200, until_asked=True)
        await back.close()
        return {"asked": asked}

    first_log, second_log = tmp_path / "serve-1.log", tmp_path / "serve-2.log"
    loop = asyncio.new_event_loop()
    try:
        with running(
            ["--config", str(config), "serve"], ready_url=f"{base}/ocpi/versions", log=first_log
        ) as process:
            ws = loop.run_until_complete(before())
            process.send_signal(signal.SIGKILL)
            process.wait()
        with running(
            ["--config", str(config), "serve"], ready_url=f"{base}/ocpi/versions", log=second_log
        ):
            seen = loop.run_until_complete(after(ws))
    finally:
        loop.close()
    # 1.6: one TriggerMessage for every connector, or one per connector (both EVSEs UNKNOWN)
    asked = seen["asked"]
    assert asked == [{"requestedMessage": "StatusNotification"}] or sorted(
        a.get("connectorId", 0) for a in asked
    ) == [1, 2], asked
