"""100 simulated stations at once: StatusNotification -> ``StationEvents.evse_status`` latency.

Baseline, same run, same server: a websocket echo round trip from as many concurrent clients.
Everything runs in one process on 127.0.0.1 (uvicorn + the gateway + the simulators), so the
figures include the simulators' own work; the ratio to the echo is what to watch.

    python -m bench.ocpp_status [--stations 100] [--rounds 20] [--ocpp 1.6|2.0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from fastapi import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect

from ocpi_cpo.api.app import create_app
from ocpi_cpo.config import load_settings
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.stations import (
    AuthorizationDecision,
    AuthorizationOutcome,
    EvseStatus,
)
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.sim.station import SimStation
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade


class TimingEvents:
    """StationEvents that stamps the moment each evse_status arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.signal: dict[str, asyncio.Event] = {}

    async def evse_status(self, evse_uid: str, status: EvseStatus, at: datetime) -> None:
        self.arrived[evse_uid] = time.perf_counter()
        self.signal.setdefault(evse_uid, asyncio.Event()).set()

    async def authorize(self, request: Any) -> AuthorizationDecision:
        return AuthorizationDecision(AuthorizationOutcome.ALLOWED)

    async def transaction_started(self, event: Any) -> AuthorizationDecision:
        return AuthorizationDecision(AuthorizationOutcome.ALLOWED)

    async def station_online(self, *_: Any) -> None: ...
    async def station_offline(self, *_: Any) -> None: ...
    async def meter_values(self, *_: Any) -> None: ...
    async def charging_state(self, *_: Any) -> None: ...
    async def transaction_stopped(self, *_: Any) -> None: ...


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "n": len(ordered),
    }


async def status_latencies(
    url: str, events: TimingEvents, stations: list[SimStation], rounds: int
) -> list[float]:
    latencies: list[float] = []

    async def one(station: SimStation) -> None:
        uid = f"{station.station_id}*1"
        signal = events.signal.setdefault(uid, asyncio.Event())
        for n in range(rounds):
            signal.clear()
            sent = time.perf_counter()
            await station.status(1, "Unavailable" if n % 2 == 0 else "Available")
            await signal.wait()
            latencies.append(events.arrived[uid] - sent)

    await asyncio.gather(*(one(s) for s in stations))
    return latencies


async def echo_latencies(url: str, clients: int, rounds: int) -> list[float]:
    latencies: list[float] = []

    async def one() -> None:
        async with connect(url) as ws:
            for _ in range(rounds):
                sent = time.perf_counter()
                await ws.send('[2,"x","Heartbeat",{}]')
                await ws.recv()
                latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(one() for _ in range(clients)))
    return latencies


async def run(count: int, rounds: int, version: str) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="ocpp-bench-"))
    database = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    engine = create_engine(database)
    await upgrade(engine)
    storage = SqlStorage(engine)
    settings = load_settings(database_url=database, ocpp={"heartbeat_interval": 300})
    events = TimingEvents()
    app = create_app(settings, clock=SystemClock(), storage=storage, station_events=events)
    driver = app.state.ocpp_driver

    @app.websocket("/echo")
    async def echo_route(websocket: WebSocket) -> None:
        await websocket.accept()
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.send_text(await websocket.receive_text())

    async with storage.transaction() as uow:
        for n in range(count):
            await station_service.add_station(
                uow, f"B{n}", "LOC", {1: f"B{n}*1"}, None, SystemClock().now()
            )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # it failed to start: say why
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"ws://127.0.0.1:{port}"
    try:
        stations = [SimStation(f"{base}/ocpp", f"B{n}", version) for n in range(count)]
        started = time.perf_counter()
        await asyncio.gather(*(s.connect() for s in stations))
        await asyncio.gather(*(s.boot() for s in stations))
        connect_s = time.perf_counter() - started
        status = percentiles(await status_latencies(base, events, stations, rounds))
        echo = percentiles(await echo_latencies(f"{base}/echo", count, rounds))
        await asyncio.gather(*(s.disconnect() for s in stations))
    finally:
        await driver.close()
        server.should_exit = True
        await task
        await storage.close()
    return {
        "benchmark": "ocpp_status_to_evse_status",
        "ocpp": version,
        "stations": count,
        "rounds": rounds,
        "connect_and_boot_s": round(connect_s, 3),
        "status_to_evse_status": status,
        "baseline_ws_echo_round_trip": echo,
        "ratio_p50": round(status["p50_ms"] / echo["p50_ms"], 2),
        "ratio_p99": round(status["p99_ms"] / echo["p99_ms"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--ocpp", choices=["1.6", "2.0.1"], default="1.6")
    args = parser.parse_args()
    logging.getLogger("ocpi_cpo").setLevel(logging.ERROR)  # 100 "offline" lines at the end
    result = asyncio.run(run(args.stations, args.rounds, args.ocpp))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
