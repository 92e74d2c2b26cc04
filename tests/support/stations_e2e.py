"""A network of OCPP stations against a real ``serve``, for end-to-end tests: the settings (the
per-address door opened wide, every station connecting from 127.0.0.1), the network set up through
the admin API and the CLI (tariffs, one Location with two EVSEs per station, stations ``S1``..),
and a minimal station speaking OCPP-J over a real websocket (odd numbers 1.6, even 2.0.1)."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from ocpi_cpo.sim import demo_data
from tests.support.processes import cli, write_config

ADMIN = {"Authorization": "Bearer admin-token-0123456789abcdef"}
IDS = itertools.count()


def config(folder: Path, port: int, database_url: str, ocpp: str = "") -> Path:
    """serve's settings for a station test; ``ocpp``: more lines of its ``[ocpp]`` table."""
    path = write_config(folder / "ocpi-cpo.toml", port=port, database_url=database_url)
    with path.open("a") as settings:
        settings.write(
            "\n[ocpp]\nconnection_burst_per_address = 10000\n"
            "connections_per_minute_per_address = 100000\n" + ocpp
        )
    return path


async def admin(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else orjson.dumps(body)
    headers = {**ADMIN, "Content-Type": "application/json"}
    async with session.request(method, url, data=data, headers=headers) as response:
        assert response.status == 200, await response.text()
        answer = orjson.loads(await response.read())
        assert answer.get("status_code") == 1000, answer
        return answer.get("data")


async def network(base: str, config: Path, stations: int) -> None:
    """Tariffs and Locations through the admin API of the running serve, then the stations."""
    async with aiohttp.ClientSession() as session:
        await admin(session, "PUT", f"{base}/admin/tariffs", demo_data.tariffs())
        await admin(session, "POST", f"{base}/admin/locations", demo_data.locations(stations))
    listed = config.parent / "stations.json"
    listed.write_bytes(
        orjson.dumps(
            [
                {
                    "station_id": f"S{n}",
                    "location": f"LOC{n}",
                    "evses": {"1": f"E{n}-1", "2": f"E{n}-2"},
                }
                for n in range(1, stations + 1)
            ]
        )
    )
    done = await asyncio.to_thread(cli, "stations", "import", str(listed), config=config)
    assert done.returncode == 0, done.stderr


def version(n: int) -> str:
    return "1.6" if n % 2 else "2.0.1"


async def open_station(url: str, n: int) -> ClientConnection:
    subprotocol = "ocpp1.6" if version(n) == "1.6" else "ocpp2.0.1"
    return await connect(f"{url}/S{n}", subprotocols=[Subprotocol(subprotocol)], ping_interval=None)


async def call_frame(
    ws: ClientConnection,
    action: str,
    payload: dict[str, Any],
    calls: list[list[Any]] | None = None,
) -> list[Any]:
    """Send a CALL; the CALLRESULT or CALLERROR answering it (CALLs from the central system
    meanwhile are accepted, and appended to ``calls``)."""
    message_id = str(next(IDS))
    await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
    while True:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame[0] == 2:  # a TriggerMessage or the like: accept it
            if calls is not None:
                calls.append(frame)
            await ws.send(orjson.dumps([3, frame[1], {"status": "Accepted"}]).decode())
            continue
        if frame[1] == message_id:
            return list(frame)


async def call(
    ws: ClientConnection,
    action: str,
    payload: dict[str, Any],
    calls: list[list[Any]] | None = None,
) -> Any:
    frame = await call_frame(ws, action, payload, calls)
    assert frame[0] == 3, frame
    return frame[2]


def boot_payload(n: int) -> dict[str, Any]:
    if version(n) == "1.6":
        return {"chargePointVendor": "t", "chargePointModel": "t"}
    return {"chargingStation": {"vendorName": "t", "model": "t"}, "reason": "PowerUp"}


def status_payload(n: int, evse: int, word: str) -> dict[str, Any]:
    if version(n) == "1.6":
        return {"connectorId": evse, "status": word, "errorCode": "NoError"}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"timestamp": stamp, "connectorStatus": word, "evseId": evse, "connectorId": 1}


async def say(ws: ClientConnection, n: int, word: str) -> None:
    """Boot, then both EVSEs' statuses."""
    boot = await call(ws, "BootNotification", boot_payload(n))
    assert boot["status"] == "Accepted"
    for evse in (1, 2):
        await call(ws, "StatusNotification", status_payload(n, evse, word))
