"""A flooding station waits alone (issue 21 item 3): a real ``serve`` whose message rate limit is
opened wide, one station sending StatusNotifications back to back without waiting for answers,
another booting and sending heartbeats meanwhile. The flooding station's events are bounded by
``[ocpp] events_per_station`` (its frames are left unread while they wait: the pause is counted
in ``/metrics``), the other station is answered throughout, and nothing of the flood is lost: every
StatusNotification is answered and the last status is the one the EVSE ends with."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import orjson
import pytest

from tests.support import stations_e2e as net
from tests.support.processes import free_port, running

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

FLOOD = 400
WORDS = ("Unavailable", "Available")


async def _paused(session: aiohttp.ClientSession, base: str) -> float:
    async with session.get(f"{base}/metrics", headers=net.ADMIN) as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith("ocpi_cpo_ocpp_reads_paused_total "):
            return float(line.split()[1])
    return 0.0


def test_a_flooding_station_waits_alone_and_loses_nothing(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    config = net.config(
        tmp_path,
        port,
        database_url,
        "message_burst = 100000\nmessages_per_second = 100000\nevents_per_station = 10\n",
    )
    base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ocpp"

    async def scenario() -> tuple[int, int, float, dict[str, int]]:
        await net.network(base, config, 2)
        async with aiohttp.ClientSession() as session:
            paused_before = await _paused(session, base)
            flood = await net.open_station(url, 1)  # OCPP 1.6
            calm = await net.open_station(url, 2)  # OCPP 2.0.1
            assert (await net.call(flood, "BootNotification", net.boot_payload(1)))[
                "status"
            ] == "Accepted"
            answered = 0

            async def read_flood() -> None:
                nonlocal answered
                while answered < FLOOD:
                    frame = orjson.loads(await asyncio.wait_for(flood.recv(), 60))
                    if frame[0] == 3 and str(frame[1]).startswith("f"):
                        answered += 1

            reader = asyncio.create_task(read_flood())
            for k in range(FLOOD):
                payload = net.status_payload(1, 1, WORDS[k % 2])
                await flood.send(orjson.dumps([2, f"f{k}", "StatusNotification", payload]).decode())
            boot = await net.call(calm, "BootNotification", net.boot_payload(2))
            assert boot["status"] == "Accepted"
            beats = [await net.call(calm, "Heartbeat", {}) for _ in range(10)]
            await reader
            paused = await _paused(session, base) - paused_before
            for _ in range(200):  # answered before applied: the last events reach the Location
                locations = await net.admin(session, "GET", f"{base}/admin/locations?limit=10")
                statuses = next(loc["statuses"] for loc in locations if loc["id"] == "LOC1")
                if statuses.get("AVAILABLE") == 1:
                    break
                await asyncio.sleep(0.1)
            await flood.close()
            await calm.close()
        return len(beats), answered, paused, statuses

    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{base}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        beats, answered, paused, statuses = asyncio.run(scenario())
    assert beats == 10  # the calm station was answered
    assert answered == FLOOD  # every StatusNotification of the flood too
    assert paused > 0  # the flood filled its queue: its frames waited in its socket
    # the flood's last word (Available, k = FLOOD - 1 odd) on EVSE 1; EVSE 2 never reported
    assert statuses == {"AVAILABLE": 1, "UNKNOWN": 1}
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
