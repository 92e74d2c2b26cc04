"""Prometheus metrics of the OCPP gateway and the OCPI API (issue 21 item 4), read the way
Prometheus reads them: ``GET /metrics`` of a real ``serve`` with the admin token, while real
stations speak over websockets and OCPI requests arrive. Each figure must move by what was done."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from tests.support import stations_e2e as net
from tests.support.processes import free_port, running

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _scrape(session: aiohttp.ClientSession, base: str) -> Samples:
    async with session.get(f"{base}/metrics", headers=net.ADMIN) as response:
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_gateway_and_api_metrics_move_with_the_traffic(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    config = net.config(tmp_path, port, database_url)
    base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ocpp"

    async def scenario() -> tuple[Samples, Samples, Samples]:
        await net.network(base, config, 2)
        async with aiohttp.ClientSession() as session:
            before = await _scrape(session, base)
            # OCPI without a token: the versions list, a module, a path we do not serve
            for path in ("/ocpi/versions", "/ocpi/2.2.1/locations", "/ocpi/2.2.1/made-up/1"):
                async with session.get(f"{base}{path}") as response:
                    await response.read()
            one = await net.open_station(url, 1)  # OCPP 1.6
            two = await net.open_station(url, 2)  # OCPP 2.0.1
            # a BootNotification the library refuses (no model): a CALLERROR, counted as error
            refused = await net.call_frame(
                two,
                "BootNotification",
                {"chargingStation": {"vendorName": "t"}, "reason": "PowerUp"},
            )
            assert refused[0] == 4, refused
            await net.say(one, 1, "Available")
            await net.say(two, 2, "Available")
            await net.call(one, "Heartbeat", {})
            with pytest.raises(InvalidStatus):  # an unknown station: 404 at the handshake
                await connect(f"{url}/NOBODY", subprotocols=[Subprotocol("ocpp1.6")])
            during = await _scrape(session, base)
            await one.close()
            for _ in range(100):  # the close reaches serve
                after = await _scrape(session, base)
                if after.get(("ocpi_cpo_ocpp_stations_connected", (("version", "1.6"),))) == 0:
                    break
                await asyncio.sleep(0.1)
            await two.close()
            return before, during, after

    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{base}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        before, during, after = asyncio.run(scenario())

    gauge = "ocpi_cpo_ocpp_stations_connected"
    assert during[(gauge, (("version", "1.6"),))] == 1
    assert during[(gauge, (("version", "2.0.1"),))] == 1
    assert after[(gauge, (("version", "1.6"),))] == 0
    messages = "ocpi_cpo_ocpp_messages_total"
    # each station: BootNotification and two StatusNotifications in, as many results out
    for action, calls in (("BootNotification", 3), ("StatusNotification", 4), ("Heartbeat", 1)):
        assert _moved(before, during, messages, direction="in", action=action, kind="call") == calls
    assert (
        _moved(before, during, messages, direction="out", action="BootNotification", kind="result")
        == 2
    )
    assert (
        _moved(before, during, messages, direction="out", action="BootNotification", kind="error")
        == 1
    )
    assert (
        _moved(
            before, during, messages, direction="out", action="StatusNotification", kind="result"
        )
        == 4
    )
    latency = "ocpi_cpo_ocpp_answer_seconds_count"
    assert _moved(before, during, latency, action="StatusNotification") == 4
    assert _moved(before, during, latency, action="Heartbeat") == 1
    boots = "ocpi_cpo_ocpp_boots_total"
    assert _moved(before, during, boots, status="Accepted") == 2
    assert _moved(before, during, boots, status="error") == 1
    assert _moved(before, during, "ocpi_cpo_ocpp_connections_refused_total", status="404") == 1
    requests = "ocpi_cpo_ocpi_requests_total"
    assert _moved(before, during, requests, version="", module="versions", status="401") == 1
    assert _moved(before, during, requests, version="2.2.1", module="locations", status="401") == 1
    assert _moved(before, during, requests, version="2.2.1", module="other", status="404") == 1
