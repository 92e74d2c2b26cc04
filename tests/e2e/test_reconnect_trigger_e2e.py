"""After a reconnection without BootNotification, a station is asked (TriggerMessage) for the
statuses we do not know, and only those (issue 21 item 3): a real ``serve``, real websockets, a
1.6 and a 2.0.1 station. A connection replaced by a new one leaves the statuses known: only an
EVSE set UNKNOWN meanwhile is asked for; a station whose statuses are all known is asked nothing;
a dropped connection not back within the grace marks its EVSEs UNKNOWN, and the station back
is asked for all of them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import ClientConnection

from tests.support import stations_e2e as net
from tests.support.processes import free_port, running

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


async def _asked(ws: ClientConnection, wanted: int) -> list[dict[str, Any]]:
    """Heartbeats until ``wanted`` TriggerMessages came, then one more round trip; their payloads."""
    calls: list[list[Any]] = []
    for _ in range(100):
        await net.call(ws, "Heartbeat", {}, calls)
        if len(calls) >= wanted:
            break
        await asyncio.sleep(0.1)
    await net.call(ws, "Heartbeat", {}, calls)
    assert all(c[2] == "TriggerMessage" for c in calls), calls
    return [c[3] for c in calls]


def test_a_station_back_is_asked_only_for_the_statuses_we_do_not_know(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    config = net.config(
        tmp_path, port, database_url, "status_trigger_delay = 0.5\noffline_grace = 0.5\n"
    )
    base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ocpp"
    log = tmp_path / "serve.log"

    async def statuses(session: aiohttp.ClientSession) -> dict[str, dict[str, int]]:
        found = await net.admin(session, "GET", f"{base}/admin/locations?limit=10")
        return {loc["id"]: loc["statuses"] for loc in found}

    async def scenario() -> dict[str, Any]:
        await net.network(base, config, 2)
        seen: dict[str, Any] = {}
        async with aiohttp.ClientSession() as session:
            first = {n: await net.open_station(url, n) for n in (1, 2)}
            for n, ws in first.items():
                await net.say(ws, n, "Available")
            # one EVSE of each station set UNKNOWN meanwhile (S1's connector 2, S2's EVSE 1)
            for uid in ("E1-2", "E2-1"):
                await net.admin(
                    session, "PUT", f"{base}/admin/evses/{uid}/status", {"status": "UNKNOWN"}
                )
            # each station connects again before its first connection is seen closed: replaced
            second = {n: await net.open_station(url, n) for n in (1, 2)}
            seen["replaced"] = {n: await _asked(ws, 1) for n, ws in second.items()}
            for evse, n in ((2, 1), (1, 2)):  # they answer the trigger
                await net.call(
                    second[n], "StatusNotification", net.status_payload(n, evse, "Available")
                )
            # all known now: a third connection of S1 is asked nothing
            third = await net.open_station(url, 1)
            for _ in range(100):
                await net.call(third, "Heartbeat", {})
                if "station S1 back: its statuses are known, none asked" in log.read_text():
                    break
                await asyncio.sleep(0.1)
            seen["known"] = await _asked(third, 0)
            # dropped (no close frame): its EVSEs UNKNOWN; back, it is asked for all of them
            third.transport.abort()
            for _ in range(100):
                if (await statuses(session))["LOC1"] == {"UNKNOWN": 2}:
                    break
                await asyncio.sleep(0.1)
            fourth = await net.open_station(url, 1)
            seen["dropped"] = await _asked(fourth, 1)
            for ws in (*first.values(), *second.values(), fourth):
                await ws.close()
        return seen

    with running(["--config", str(config), "serve"], ready_url=f"{base}/ocpi/versions", log=log):
        seen = asyncio.run(scenario())
    assert seen["replaced"] == {
        1: [{"requestedMessage": "StatusNotification", "connectorId": 2}],
        2: [{"requestedMessage": "StatusNotification", "evse": {"id": 1}}],
    }
    assert seen["known"] == []
    assert seen["dropped"] == [{"requestedMessage": "StatusNotification"}]  # 1.6: every connector
