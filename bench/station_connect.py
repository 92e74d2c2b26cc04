"""CPU per connecting station, in process (issue 21: a reconnect storm is serve's connect path).

The whole application (``create_app``: gateway, services, storage; no worker sending) on a fresh
SQLite database under uvicorn on 127.0.0.1, in this process's event loop; the stations are
``bench.scale_load``'s (real websockets, half OCPP 1.6J, half 2.0.1) in a thread of their own with
its own event loop. A station's connection is what a storm makes of it: the websocket handshake
and admission (the station's row, its password if any), BootNotification, the StatusNotification
of each of its two EVSEs, each answered. The network is ``bench.station_cpu``'s (a hub
registered for Locations: each status change queues a PATCH). Phases, each counted alone:

* ``first connect``: every station connects, in rounds of ``--together`` at once;
* ``reconnect``: every station dropped (and its close handled, not counted), then back, in the
  same rounds, as after a storm (connected within the offline grace: no offline report).

Figures per station: CPU microseconds of serve's event loop thread (``time.thread_time`` in the
loop: the part that holds the GIL, what saturates a core first) and of serve's other threads
(SQLite's, the password thread; the process minus the loop and the stations' thread), statements
SQLite ran (its trace callback: every statement, BEGIN and COMMIT included) and hops to SQLite's
thread. ``python -m bench.station_connect [--stations N] [--repeat N]``; repeat
runs and take the lowest CPU figure of each phase (a shared machine: the lowest is the least
disturbed).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import gc
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import uvicorn
from sqlalchemy import event

from bench import station_cpu
from bench.scale_load import Load
from bench.scale_load import parser as load_parser
from ocpi_cpo.api.app import create_app
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.config import load_settings
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpp_gateway import OcppDriver
from ocpi_cpo.sim import demo_data
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade

T = TypeVar("T")

#: per station: loop thread us, other serve threads us, statements, hops
Figures = tuple[float, float, float, float]


class _Counted:
    """Every statement SQLite ran (BEGIN and COMMIT too) and every hop to its thread."""

    statements = 0
    hops = 0
    #: ``--statements``: each statement's text, counted
    texts: Counter[str] | None = None

    @classmethod
    def install(cls, storage: SqlStorage) -> None:
        def seen(sql: str) -> None:
            cls.statements += 1
            if cls.texts is not None:
                cls.texts[" ".join(sql.split())[:70]] += 1

        def connected(dbapi_connection: Any, _: Any) -> None:
            # SQLAlchemy's adapter -> aiosqlite.Connection -> sqlite3.Connection (SQLite's thread
            # runs the callback; an int's += is enough here), or sqlite3's own connection (the
            # loop thread's writer)
            adapted = getattr(dbapi_connection, "_connection", None)
            raw = adapted._conn if adapted is not None else dbapi_connection
            raw.set_trace_callback(seen)

        for engine in storage.sync_engines:
            event.listen(engine, "connect", connected)
        if getattr(aiosqlite.Connection, "_counted_connect", False):
            return
        handing: Any = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                cls.hops += 1
            return await handing(self, fn, *args, **kwargs)

        aiosqlite.Connection._execute = counted  # type: ignore[method-assign]
        aiosqlite.Connection._counted_connect = True  # type: ignore[attr-defined]


class _Stations:
    """The simulated stations, on their own thread and event loop."""

    def __init__(self, url: str, stations: int) -> None:
        options = load_parser().parse_args(
            ["--url", url, "--stations", str(stations), "--timeout", "60"]
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.load = self.run(self._make(options))
        self.cpu = 0.0

    async def _make(self, options: argparse.Namespace) -> Load:
        return Load(options)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result()

    async def later(self, work: Coroutine[Any, Any, T]) -> T:
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(work, self.loop)
        return await asyncio.wrap_future(future)

    async def _timed(self, work: Callable[[], Awaitable[T]]) -> T:
        started = time.thread_time()
        try:
            return await work()
        finally:
            self.cpu += time.thread_time() - started

    async def bring_up(self, first: int, last: int) -> int:
        async def all_of() -> int:
            done = await asyncio.gather(
                *(self.load.bring_up(s) for s in self.load.stations[first:last])
            )
            return sum(done)

        return await self.later(self._timed(all_of))

    async def drop(self) -> None:
        async def all_of() -> None:
            await asyncio.gather(*(self.load.close(s) for s in self.load.stations))

        await self.later(all_of())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def _measured(
    name: str,
    stations: _Stations,
    count: int,
    together: int,
    figures: dict[str, Figures],
) -> None:
    gc.collect()
    if _Counted.texts is not None:
        _Counted.texts.clear()
    statements, hops, client = _Counted.statements, _Counted.hops, stations.cpu
    process, thread = time.process_time(), time.thread_time()
    connected = 0
    for first in range(0, count, together):
        connected += await stations.bring_up(first, min(first + together, count))
    process, thread = time.process_time() - process, time.thread_time() - thread
    if connected != count:
        raise RuntimeError(f"{name}: {count - connected} stations did not come up")
    others = process - thread - (stations.cpu - client)
    if _Counted.texts is not None:
        print(f"-- {name}: statements per station")
        for text, seen in _Counted.texts.most_common(20):
            print(f"{seen / count:6.2f}  {text}")
    figures[name] = (
        thread / count * 1e6,
        others / count * 1e6,
        (_Counted.statements - statements) / count,
        (_Counted.hops - hops) / count,
    )


async def _quiet(driver: OcppDriver, connected: int) -> None:
    """Until ``connected`` stations are attached and their writes done (half a second without
    a hop to SQLite's thread, or 5 s after: serve's own timers hop now and then)."""
    deadline = time.monotonic() + 120
    while len(driver._links) != connected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(driver._links)} stations attached, not {connected}")
        await asyncio.sleep(0.1)
    settled = time.monotonic() + 5
    while time.monotonic() < settled:
        hops = _Counted.hops
        await asyncio.sleep(0.5)
        if _Counted.hops == hops:
            return


async def run(stations: int, together: int) -> dict[str, Figures]:
    import tempfile

    figures: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'station_connect.db'}"
        engine = create_engine(url)
        await upgrade(engine)
        storage = SqlStorage(engine)
        settings = load_settings(
            database_url=url,
            public_url="http://cpo.bench",
            admin_token="admin-token-0123456789abcdef",
            business_details={"name": "Bench CPO"},
            operations=[
                {"operator_id": operator, "name": operator, "network_group": "g"}
                for operator in demo_data.OPERATIONS
            ],
            reconcile={"enabled": False},
            outbox={"worker_in_serve": False},
            ocpp={
                "connection_burst_per_address": 100000,
                "connections_per_minute_per_address": 600000,
            },
        )
        app = create_app(
            settings,
            clock=SystemClock(),
            storage=storage,
            transport=station_cpu._NoTransport(),
        )
        context: OcpiContext = app.state.ocpi
        driver: OcppDriver = app.state.ocpp_driver
        await station_cpu._network(storage, context, stations + 20)
        await storage.engine.dispose()  # new connections, each counted
        _Counted.install(storage)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        # the warm-up's stations are the last 20: modules imported on first use, first compiles
        warm = _Stations(f"ws://127.0.0.1:{port}/ocpp", stations + 20)
        crowd = _Stations(f"ws://127.0.0.1:{port}/ocpp", stations)
        try:
            warm.load.stations = warm.load.stations[stations:]
            await warm.bring_up(0, 20)
            await warm.drop()
            await _quiet(driver, 0)
            await _measured("first connect", crowd, stations, together, figures)
            await _quiet(driver, stations)
            await crowd.drop()
            await _quiet(driver, 0)
            await _measured("reconnect", crowd, stations, together, figures)
            await _quiet(driver, stations)
            await crowd.drop()
            await _quiet(driver, 0)
        finally:
            warm.stop()
            crowd.stop()
            await driver.close()
            server.should_exit = True
            await task
            await storage.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stations", type=int, default=400)
    parser.add_argument("--together", type=int, default=50, help="stations connecting at once")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--statements", action="store_true", help="print them, per phase")
    options = parser.parse_args()
    if options.statements:
        _Counted.texts = Counter()
    best = station_cpu.best_of(
        asyncio.run(run(options.stations, options.together)) for _ in range(options.repeat)
    )
    print(
        f"{'phase':<16} {'loop thread us/station':>23} {'other threads us':>17}"
        f" {'statements':>11} {'hops':>6}"
    )
    for name, (thread, others, statements, hops) in best.items():
        print(f"{name:<16} {thread:>23,.0f} {others:>17,.0f} {statements:>11.2f} {hops:>6.1f}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
