"""Push: durable status changes delivered per second, against a plain aiohttp loop in the same run.

Figures (issue #11 "Performance" 3 and 8; "Delivery" benchmark):
* durable, one connection: 50 stations report changes at once, each committed to the outbox
  (through group commit) before the station goes on, while the worker delivers, until every
  message is recorded as delivered; ratio to the aiohttp loop >= 0.5;
* durable, 16 connections per partner, order kept per object (500 objects): ratio >= 1.5;
* both with the worker inside the producing process (as ``ocpi-cpo serve`` runs it by default)
  and with the worker as its own process (``ocpi-cpo worker``, ``outbox.worker_in_serve = false``),
  so that producer and sender each get a core;
* scale out (figure 8): two and three ``ocpi-cpo worker`` processes draining a prefilled outbox,
  against one worker process draining the same load in the same run; the ratios are reported.
The receiver runs in its own process and checks that each object's messages arrive in order
(``seq`` increasing per ``key``); any message out of order fails the benchmark. The baseline sends
the same PATCH requests one after the other on one connection, with no durability.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.report import Figure, ratio_figure
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.config import load_settings
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
#: objects of the "order per object" figures (several messages each, in order)
OBJECTS = 500


def body(seq: int, key: str) -> bytes:
    return orjson.dumps(
        {
            "status": "CHARGING" if seq % 2 else "AVAILABLE",
            "last_updated": "2026-11-24T08:00:00Z",
            "key": key,
            "seq": seq,
        }
    )


def message(partner_id: int, run: str, seq: int, keys: int) -> NewMessage:
    key = f"{run}-LOC{seq % keys}"
    return NewMessage(
        partner_id, "locations", key, "PATCH", f"/FR/AB1/{key}/1", body(seq, key), routing=ROUTING
    )


def _adder(queued: NewMessage) -> Callable[[UnitOfWork], Awaitable[None]]:
    async def add(uow: UnitOfWork) -> None:
        await uow.outbox.add_many([queued], datetime.now(UTC))

    return add


class Receiver:
    """``bench.receiver`` in its own process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/ocpi/2.2.1/locations"
        self._process = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(self.port)])

    async def ready(self) -> None:
        for _ in range(200):
            try:
                await baseline(self.url, 1)
                await self._stats()  # the probe does not count
                return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        raise RuntimeError("bench.receiver did not start")

    async def checked(self, expected: int, what: str) -> None:
        """Fail loudly unless every message arrived, each object's in order; then reset."""
        stats = await self._stats()
        if stats["out_of_order"]:
            raise RuntimeError(
                f"{what}: {stats['out_of_order']} messages out of order per object,"
                f" e.g. {'; '.join(stats['examples'])}"
            )
        if stats["received"] < expected:
            raise RuntimeError(f"{what}: {stats['received']} of {expected} messages received")

    async def _stats(self) -> dict[str, Any]:
        """What arrived since the last call."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{self.port}/_bench/stats?reset=1") as response,
        ):
            stats: dict[str, Any] = orjson.loads(await response.read())
        return stats

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait()


async def baseline(url: str, count: int) -> float:
    """Plain aiohttp, one connection, requests one after the other: pushes per second."""
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        for seq in range(count):
            async with session.patch(
                f"{url}/FR/AB1/LOC{seq % 500}/1",
                data=body(seq, "baseline"),
                headers={"Content-Type": "application/json"},
            ) as response:
                await response.read()
        return count / (time.perf_counter() - started)


async def _partner(storage: SqlStorage, url: str) -> int:
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
    return partner.id


async def _drained(
    storage: SqlStorage, partner_id: int, limit: float, workers: list[asyncio.subprocess.Process]
) -> None:
    deadline = time.monotonic() + limit
    while True:
        # Every 50 ms, one statement: this look runs in the producing process, beside the worker
        # it measures (polled every 10 ms in a transaction, it took a fifth of a core there).
        async with storage.read(snapshot=False) as uow:
            left = await uow.outbox.count(
                QueueFilter(partner_id=partner_id, state=MessageState.PENDING)
            )
        if left == 0:
            return
        if any(w.returncode is not None for w in workers):
            raise RuntimeError("an ocpi-cpo worker process stopped before the outbox was drained")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{left} messages still pending after {limit:g} s")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def worker_processes(
    count: int, database_url: str, concurrency: int
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """``count`` ``ocpi-cpo worker`` processes on the database, started and listening."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OCPI_CPO_")},
        "OCPI_CPO_DATABASE_URL": database_url,
        "OCPI_CPO_OUTBOX__CONCURRENCY_PER_PARTNER": str(concurrency),
        "OCPI_CPO_LOG_LEVEL": "WARNING",
    }
    processes: list[asyncio.subprocess.Process] = []
    readers: list[asyncio.Task[None]] = []
    with tempfile.TemporaryDirectory() as folder:  # no ./ocpi-cpo.toml of ours is read
        try:
            for _ in range(count):
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "ocpi_cpo",
                    "worker",
                    cwd=folder,
                    env=environment,
                    stderr=asyncio.subprocess.PIPE,
                )
                processes.append(process)
                started = asyncio.get_running_loop().create_future()
                readers.append(asyncio.create_task(_read(process, started)))
                await asyncio.wait_for(started, 30)
            await asyncio.sleep(0.2)  # LISTEN is set up after the "started" line
            yield processes
        finally:
            for process in processes:
                if process.returncode is None:
                    process.terminate()
            for process in processes:
                await process.wait()
            await asyncio.gather(*readers, return_exceptions=True)


async def _read(process: asyncio.subprocess.Process, started: asyncio.Future[None]) -> None:
    """The worker's stderr: its "started" line resolves ``started``; the rest is drained."""
    assert process.stderr is not None
    lines: list[bytes] = []
    while line := await process.stderr.readline():
        if not started.done() and b"outbox worker" in line:
            started.set_result(None)
        lines = [*lines[-4:], line]
    if not started.done():
        said = b"".join(lines).decode(errors="replace")
        started.set_exception(RuntimeError(f"ocpi-cpo worker did not start: {said}"))


async def durable(
    database_url: str,
    receiver: Receiver,
    count: int,
    keys: int,
    *,
    concurrency: int,
    separate_worker: bool,
) -> float:
    """Changes committed (50 stations, group commit) and delivered per second."""
    storage = SqlStorage(create_engine(database_url))
    await upgrade(storage.engine)
    partner_id = await _partner(storage, receiver.url)
    run = f"r{time.time_ns()}"
    group = GroupCommit(storage)

    async def station(first: int) -> None:
        # One station's changes one after the other, each committed before the next is made.
        for seq in range(first, count, STATIONS):
            await group.run(_adder(message(partner_id, run, seq, keys)))

    async def produce(workers: list[asyncio.subprocess.Process]) -> float:
        started = time.perf_counter()
        await asyncio.gather(*(station(n) for n in range(STATIONS)))
        await _drained(storage, partner_id, 60 + count / 50, workers)
        return count / (time.perf_counter() - started)

    try:
        if separate_worker:
            async with worker_processes(1, database_url, concurrency) as workers:
                rate = await produce(workers)
        else:
            settings = load_settings(
                database_url=database_url, outbox={"concurrency_per_partner": concurrency}
            )
            transport = AiohttpTransport(connections_per_host=concurrency)
            worker = OutboxWorker(storage, transport, settings, SystemClock())
            stop = asyncio.Event()
            running = asyncio.create_task(worker.run(stop))
            try:
                rate = await produce([])
            finally:
                stop.set()
                await running
                await transport.close()
    finally:
        await storage.close()
    await receiver.checked(count, f"durable push ({concurrency} connections)")
    return rate


async def drain(database_url: str, receiver: Receiver, count: int, workers: int) -> float:
    """Figure 8: ``workers`` worker processes drain ``count`` messages queued in one commit
    (``OBJECTS`` objects, order per object checked); messages per second."""
    storage = SqlStorage(create_engine(database_url))
    await upgrade(storage.engine)
    partner_id = await _partner(storage, receiver.url)
    run = f"r{time.time_ns()}"
    try:
        async with worker_processes(workers, database_url, 16) as processes:
            started = time.perf_counter()
            async with storage.transaction() as uow:
                await uow.outbox.add_many(
                    [message(partner_id, run, seq, OBJECTS) for seq in range(count)],
                    datetime.now(UTC),
                )
            await _drained(storage, partner_id, 60 + count / 50, processes)
            rate = count / (time.perf_counter() - started)
    finally:
        await storage.close()
    await receiver.checked(count, f"drain by {workers} worker processes")
    return rate


async def run(database_url: str, label: str, count: int, *, scale_out: bool) -> list[Figure]:
    receiver = Receiver()
    try:
        await receiver.ready()
        base = await baseline(receiver.url, count)
        await receiver.checked(count, "baseline")
        rates = {
            (concurrency, separate): await durable(
                database_url,
                receiver,
                count,
                keys=count if concurrency == 1 else OBJECTS,
                concurrency=concurrency,
                separate_worker=separate,
            )
            for separate in (False, True)
            for concurrency in (1, 16)
        }
        drained = {}
        if scale_out:
            for workers in (1, 2, 3):
                drained[workers] = await drain(database_url, receiver, count * 2, workers=workers)
    finally:
        receiver.stop()
    figures = []
    for separate, where in ((False, "worker in process"), (True, "worker process")):
        figures += [
            ratio_figure(
                f"push, durable, 1 connection, {where} ({label})",
                rates[(1, separate)],
                "/s",
                "aiohttp loop /s",
                base,
                0.5,
            ),
            ratio_figure(
                f"push, durable, 16 connections, order per object, {where} ({label})",
                rates[(16, separate)],
                "/s",
                "aiohttp loop /s",
                base,
                1.5,
            ),
        ]
    figures += [
        Figure(
            f"scale out: push, {workers} worker processes ({label})",
            drained[workers],
            "/s",
            "/s one worker process",
            drained[1],
            "report",
            True,
            f"prefilled outbox of {count * 2:,} messages, {OBJECTS} objects, order per object"
            " checked; 2 cores shared with the receiver and the database",
        )
        for workers in (2, 3)
        if drained
    ]
    return figures


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    count = 1000 if quick else 5000
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite+aiosqlite:///{Path(folder) / 'push.db'}"
        figures += await run(sqlite, "SQLite", count, scale_out=True)
    if postgres_url:
        figures += await run(postgres_url, "PostgreSQL", count, scale_out=True)
    return figures


async def _own_postgres() -> str | None:
    """``python -m bench.push`` alone: a fresh ``ocpi_cpo_bench_push`` database of its own (the
    suite's ``ocpi_cpo_bench`` may be in use by another run)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    url = os.environ.get(
        "OCPI_CPO_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    name = "ocpi_cpo_bench_push"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 3})
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL figures skipped: {url} not usable ({type(exc).__name__})")
        return None
    finally:
        await admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


async def _main(quick: bool) -> list[Figure]:
    return await run_all(quick, await _own_postgres())


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(_main(quick="--quick" in sys.argv)))
