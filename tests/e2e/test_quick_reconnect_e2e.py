"""A station back within a second keeps its statuses (issue 21, found by the reconnect storm).

A real ``serve`` on SQLite and on PostgreSQL, stations over real websockets (half OCPP 1.6J, half
2.0.1): each boots and reports its EVSEs Available, then all drop at once (the TCP connection
cut, no close handshake) and each opens a new connection at once, boots again and reports its
EVSEs Unavailable. The old connection's close must not leave the station offline nor its EVSEs
UNKNOWN once the new connection has spoken: every EVSE ends INOPERATIVE and every station online.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection

from ocpi_cpo.storage.sql.engine import create_engine
from ocpi_cpo.storage.sql.tables.stations import stations
from tests.support import stations_e2e as net
from tests.support.processes import free_port, running

pytestmark = pytest.mark.e2e

STATIONS = 30


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
    config = net.config(tmp_path, port, database_url)
    base, url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ocpp"

    async def storm() -> list[ClientConnection]:
        first = await asyncio.gather(*(net.open_station(url, n) for n in range(1, STATIONS + 1)))
        await asyncio.gather(*(net.say(ws, n, "Available") for n, ws in enumerate(first, 1)))

        async def again(n: int, old: ClientConnection) -> ClientConnection:
            old.transport.abort()  # the carrier drops it: no close frame
            new = await net.open_station(url, n)
            await net.say(new, n, "Unavailable")
            return new

        return await asyncio.gather(*(again(n, ws) for n, ws in enumerate(first, 1)))

    async def statuses() -> dict[str, dict[str, int]]:
        async with aiohttp.ClientSession() as session:
            found = await net.admin(session, "GET", f"{base}/admin/locations?limit=1000")
        return {loc["id"]: loc["statuses"] for loc in found}

    with running(
        ["--config", str(config), "serve"],
        ready_url=f"{base}/ocpi/versions",
        log=tmp_path / "serve.log",
    ):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(net.network(base, config, STATIONS))
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
