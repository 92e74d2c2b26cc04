"""A station back within a second keeps its statuses (issue 21, found by the reconnect storm).

A real ``serve`` on SQLite and on PostgreSQL, stations over real websockets (half OCPP 1.6J, half
2.0.1): each boots and reports its EVSEs Available, then all drop at once (the TCP connection
cut, no close handshake) and each opens a new connection at once, boots again and reports its
EVSEs Unavailable. The old connection's close must not leave the station offline nor its EVSEs
UNKNOWN once the new connection has spoken: every EVSE ends INOPERATIVE and every station online.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocpi_cpo.sim import demo_data
from ocpi_cpo.storage.sql.engine import create_engine
from ocpi_cpo.storage.sql.tables.stations import stations
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e

STATIONS = 30
IDS = itertools.count()


def _version(n: int) -> str:
    return "1.6" if n % 2 else "2.0.1"


async def _call(ws: ClientConnection, action: str, payload: dict[str, Any]) -> Any:
    message_id = str(next(IDS))
    await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
    while True:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame[0] == 2:  # a TriggerMessage or the like: accept it
            await ws.send(orjson.dumps([3, frame[1], {"status": "Accepted"}]).decode())
            continue
        if frame[1] == message_id:
            assert frame[0] == 3, frame
            return frame[2]


async def _open(url: str, n: int) -> ClientConnection:
    subprotocol = "ocpp1.6" if _version(n) == "1.6" else "ocpp2.0.1"
    return await connect(f"{url}/S{n}", subprotocols=[Subprotocol(subprotocol)], ping_interval=None)


async def _say(ws: ClientConnection, n: int, word: str) -> None:
    """Boot, then both EVSEs' statuses."""
    if _version(n) == "1.6":
        boot = await _call(
            ws, "BootNotification", {"chargePointVendor": "t", "chargePointModel": "t"}
        )
        assert boot["status"] == "Accepted"
        for connector in (1, 2):
            await _call(
                ws,
                "StatusNotification",
                {"connectorId": connector, "status": word, "errorCode": "NoError"},
            )
        return
    boot = await _call(
        ws,
        "BootNotification",
        {"chargingStation": {"vendorName": "t", "model": "t"}, "reason": "PowerUp"},
    )
    assert boot["status"] == "Accepted"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for evse in (1, 2):
        await _call(
            ws,
            "StatusNotification",
            {"timestamp": stamp, "connectorStatus": word, "evseId": evse, "connectorId": 1},
        )


ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}


async def _admin(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else orjson.dumps(body)
    async with session.request(method, url, data=data, headers=ADMIN) as response:
        assert response.status == 200, await response.text()
        return orjson.loads(await response.read())["data"]


async def _online(database_url: str) -> dict[str, bool]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(stations.c.station_id, stations.c.online))
            return {row.station_id: bool(row.online) for row in rows}
    finally:
        await engine.dispose()


def test_a_station_back_at_once_is_online_with_its_new_statuses(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    config = write_config(tmp_path / "ocpi-cpo.toml", port=port, database_url=database_url)
    # every station connects from 127.0.0.1: the per-address door opened wide
    with config.open("a") as settings:
        settings.write(
            "\n[ocpp]\nconnection_burst_per_address = 10000\n"
            "connections_per_minute_per_address = 100000\n"
        )
    (tmp_path / "stations.json").write_bytes(
        orjson.dumps(
            [
                {
                    "station_id": f"S{n}",
                    "location": f"LOC{n}",
                    "evses": {"1": f"E{n}-1", "2": f"E{n}-2"},
                }
                for n in range(1, STATIONS + 1)
            ]
        )
    )
    base = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/ocpp"

    async def storm() -> list[ClientConnection]:
        first = await asyncio.gather(*(_open(url, n) for n in range(1, STATIONS + 1)))
        await asyncio.gather(*(_say(ws, n, "Available") for n, ws in enumerate(first, 1)))

        async def again(n: int, old: ClientConnection) -> ClientConnection:
            old.transport.abort()  # the carrier drops it: no close frame
            new = await _open(url, n)
            await _say(new, n, "Unavailable")
            return new

        return await asyncio.gather(*(again(n, ws) for n, ws in enumerate(first, 1)))

    async def set_up() -> None:
        async with aiohttp.ClientSession() as session:
            await _admin(session, "PUT", f"{base}/admin/tariffs", demo_data.tariffs())
            await _admin(session, "POST", f"{base}/admin/locations", demo_data.locations(STATIONS))
        done = await asyncio.to_thread(
            cli, "stations", "import", str(tmp_path / "stations.json"), config=config
        )
        assert done.returncode == 0, done.stderr

    async def statuses() -> dict[str, dict[str, int]]:
        async with aiohttp.ClientSession() as session:
            found = await _admin(session, "GET", f"{base}/admin/locations?limit=1000")
        return {loc["id"]: loc["statuses"] for loc in found}

    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{base}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(set_up())
            connections = loop.run_until_complete(storm())
            # the old connections' close handling has had time to land (it is a few writes)
            loop.run_until_complete(asyncio.sleep(3.0))
            counts = loop.run_until_complete(statuses())
            online = loop.run_until_complete(_online(database_url))
        finally:
            for ws in locals().get("connections", []):
                loop.run_until_complete(ws.close())
            loop.close()
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert online == {f"S{n}": True for n in range(1, STATIONS + 1)}
    wrong = {loc: evses for loc, evses in counts.items() if evses != {"INOPERATIVE": 2}}
    assert wrong == {}
