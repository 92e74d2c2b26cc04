"""Push: durable status changes delivered per second, against a plain aiohttp loop in the same run.

Figures (issue "Performance" 3; "Delivery" benchmark):
* durable, one connection: each change committed to the outbox in its own transaction while the
  worker delivers, until the receiver has them all; ratio to the aiohttp loop >= 0.5;
* durable, several connections per partner, order kept per object: ratio >= 1.5.
The receiver runs in its own process; the baseline sends the same PATCH requests one after the
other on one connection, with no durability.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson

from bench.report import Figure, ratio_figure
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.config import Settings, load_settings
from ocpi_cpo.domain.clock import SystemClock
from ocpi_cpo.domain.delivery import MessageState, NewMessage, QueueFilter, Routing
from ocpi_cpo.domain.partners import Direction, Endpoint, PartnerState, PartyRole
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade

ROUTING = Routing("FR", "AB1", "FR", "107")
#: stations reporting at the same time (each waits for its change to be committed)
STATIONS = 50


def _adder(message: NewMessage) -> Callable[[UnitOfWork], Awaitable[None]]:
    async def add(uow: UnitOfWork) -> None:
        await uow.outbox.add_many([message], datetime.now(UTC))

    return add


def body(seq: int, key: str) -> bytes:
    return orjson.dumps(
        {
            "status": "CHARGING" if seq % 2 else "AVAILABLE",
            "last_updated": "2026-11-24T08:00:00Z",
            "key": key,
        }
    )


async def baseline(url: str, count: int) -> float:
    """Plain aiohttp, one connection, requests one after the other: pushes per second."""
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        for seq in range(count):
            async with session.patch(
                f"{url}/FR/AB1/LOC{seq % 500}/1",
                data=body(seq, "k"),
                headers={"Content-Type": "application/json"},
            ) as response:
                await response.read()
        return count / (time.perf_counter() - started)


async def durable(settings: Settings, url: str, count: int, keys: int) -> float:
    storage = SqlStorage(create_engine(settings.database_url))
    await upgrade(storage.engine)
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        partner = await uow.partners.create(
            f"bench-{time.time_ns()}", "gireve-preprod", PartnerState.REGISTERED, now
        )
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.REGISTERED,
            direction=Direction.FROM_PARTNER,
            versions_url=url,
            version="2.2.1",
            endpoints=[Endpoint("locations", "RECEIVER", url)],
            roles=[PartyRole("HUB", "FR", "107")],
            outbound_token="t",
            registered_at=now,
        )
    transport = AiohttpTransport(connections_per_host=settings.outbox.concurrency_per_partner)
    worker = OutboxWorker(storage, transport, settings, SystemClock())
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    group = GroupCommit(storage)

    async def station(first: int) -> None:
        # One station's changes one after the other, each committed before the next is made.
        for seq in range(first, count, STATIONS):
            key = f"LOC{seq % keys}"
            message = NewMessage(
                partner.id,
                "locations",
                key,
                "PATCH",
                f"/FR/AB1/{key}/1",
                body(seq, key),
                routing=ROUTING,
            )
            await group.run(_adder(message))

    started = time.perf_counter()
    await asyncio.gather(*(station(n) for n in range(STATIONS)))
    while True:
        async with storage.read() as uow:
            left = await uow.outbox.count(
                QueueFilter(partner_id=partner.id, state=MessageState.PENDING)
            )
        if left == 0:
            break
        await asyncio.sleep(0.01)
    rate = count / (time.perf_counter() - started)
    stop.set()
    await running
    await transport.close()
    await storage.close()
    return rate


async def run(database_url: str, label: str, count: int) -> list[Figure]:
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port)])
    url = f"http://127.0.0.1:{port}/ocpi/2.2.1/locations"
    try:
        for _ in range(100):
            try:
                await baseline(url, 1)
                break
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        base = await baseline(url, count)
        one = load_settings(database_url=database_url, outbox={"concurrency_per_partner": 1})
        many = load_settings(database_url=database_url, outbox={"concurrency_per_partner": 16})
        single = await durable(one, url, count, keys=count)
        several = await durable(many, url, count, keys=500)
    finally:
        receiver.terminate()
        receiver.wait()
    return [
        ratio_figure(
            f"push, durable, 1 connection ({label})", single, "/s", "aiohttp loop /s", base, 0.5
        ),
        ratio_figure(
            f"push, durable, 16 connections, order per object ({label})",
            several,
            "/s",
            "aiohttp loop /s",
            base,
            1.5,
        ),
    ]


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    count = 1000 if quick else 5000
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite+aiosqlite:///{Path(folder) / 'push.db'}"
        figures += await run(sqlite, "SQLite", count)
    if postgres_url:
        figures += await run(postgres_url, "PostgreSQL", count)
    return figures


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(run_all(quick="--quick" in sys.argv)))
