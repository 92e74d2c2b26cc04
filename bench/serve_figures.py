"""Figures around ``ocpi-cpo serve`` as a whole (performance issue 7, 8; 4 and 5 are in
bench.hub_latency).

* memory: the serve process with 10,000 Locations and 100 stations connected, resident set from
  /proc (Linux), beside the same process idle with an empty database;
* scale out: the Locations page on PostgreSQL from two and three serve processes against one
  (the load generator spreads its connections over them).

Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bench import locations as loc
from bench.report import Figure, limit_figure
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.services import stations as station_service
from ocpi_cpo.sim.station import SimStation

STATIONS = 100


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _serve(folder: Path, database_url: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    config = loc._config(folder, port, database_url)
    # Its log goes to a file: 100 stations' lines would fill a pipe nobody reads and stall it.
    with (folder / f"serve-{port}.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "serve"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            try:
                async with session.get(f"http://127.0.0.1:{port}/ocpi/versions") as response:
                    await response.read()
                    return server, port
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    loc._stop(server)
    raise RuntimeError(f"serve did not start: see {folder / f'serve-{port}.log'}")


async def memory_figure(folder: Path) -> Figure:
    idle_url = f"sqlite+aiosqlite:///{folder / 'idle.db'}"
    storage = await loc._database(idle_url)
    await storage.close()
    server, _ = await _serve(folder, idle_url)
    try:
        await asyncio.sleep(1.0)
        idle = rss_mb(server.pid)
    finally:
        loc._stop(server)

    url = f"sqlite+aiosqlite:///{folder / 'memory.db'}"
    storage = await loc._database(url)
    try:
        await loc.bulk_rows(storage, 10_000, 0)
        async with storage.transaction() as uow:
            for n in range(STATIONS):
                await station_service.add_station(
                    uow, f"M{n}", f"LOC{n}", {1: f"E{n}-1"}, None, datetime.now(UTC)
                )
    finally:
        await storage.close()
    server, port = await _serve(folder, url)
    stations = [
        SimStation(f"ws://127.0.0.1:{port}/ocpp", f"M{n}", "1.6", say=lambda _: None)
        for n in range(STATIONS)
    ]
    connected = 0
    try:
        for station in stations:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(station.connect(), 5)
                connected += 1
                await asyncio.wait_for(station.boot(), 5)
                await asyncio.wait_for(station.status(1, "Available"), 5)
        # A full page and a few pulls, so that the caches and the page path are warm.
        await loc.requests_per_second(
            f"http://127.0.0.1:{port}/ocpi/2.2.1/locations?limit=50", loc._auth(), 1.0
        )
        await asyncio.sleep(0.5)
        resident = rss_mb(server.pid)
    finally:
        for station in stations:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(station.disconnect(), 2)
        loc._stop(server)
    return limit_figure(
        f"memory: serve, 10,000 Locations, {connected} stations connected",
        resident,
        "MB",
        "MB idle serve, empty database",
        idle,
        300.0,
        "resident set (VmRSS) after the stations booted and a page was pulled",
    )


async def scale_figures(folder: Path, postgres_url: str, quick: bool) -> list[Figure]:
    """The page of 50 from 1, 2 and 3 serve processes on one PostgreSQL database, the load
    generator's connections spread evenly over them; each beside one process, same run."""
    seconds = 3.0 if quick else 6.0
    from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine

    existing = SqlStorage(create_engine(postgres_url))
    try:
        async with existing.read() as uow:
            ready = await uow.locations.count() >= 10_000 and await uow.tokens.find(loc.TOKEN)
    except Exception:
        ready = False  # not migrated yet
    finally:
        await existing.close()
    if not ready:  # the locations suite did not run before: the same 10,000 Locations
        storage = await loc._database(postgres_url)
        try:
            await loc.bulk_rows(storage, 10_000, 0)
        finally:
            await storage.close()
    path = "/ocpi/2.2.1/locations?limit=50"
    servers: list[tuple[subprocess.Popen[bytes], int]] = []
    rates: dict[int, float] = {}
    try:
        for count in (1, 2, 3):
            while len(servers) < count:
                servers.append(await _serve(folder, postgres_url))
            shares = await asyncio.gather(
                *(
                    _rps_with(f"http://127.0.0.1:{port}{path}", seconds, loc.CONNECTIONS // count)
                    for _, port in servers
                )
            )
            rates[count] = sum(shares)
    finally:
        for server, _ in servers:
            loc._stop(server)
    return [
        Figure(
            f"scale out: page of 50 (PostgreSQL), {count} serve processes",
            rates[count],
            "r/s",
            "r/s one serve process",
            rates[1],
            "report",
            True,
            f"{loc.CONNECTIONS} connections spread over the processes; 2 cores shared with the"
            " load generator and the database: the ratio is the figure (no target)",
        )
        for count in (2, 3)
    ]


async def _rps_with(url: str, seconds: float, connections: int) -> float:
    saved = loc.CONNECTIONS
    loc.CONNECTIONS = connections
    try:
        return await loc.requests_per_second(url, loc._auth(), seconds)
    finally:
        loc.CONNECTIONS = saved


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        figures.append(await memory_figure(folder))
        if postgres_url:
            figures += await scale_figures(folder, postgres_url, quick)
    return figures


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(run_all(quick="--quick" in sys.argv)))
