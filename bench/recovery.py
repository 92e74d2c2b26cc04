"""Recovery: a partner back after an outage gets its backlog at once (issue 16 item 1).

For an outage of 1 minute, 10 minutes and 1 hour (the worker's clock is moved on, so the run
takes seconds), 1,000 changes on 100 objects are queued while the partner answers 503; the
figure is the wall time from the partner's recovery until the last of them is delivered. The
baseline, in the same run, is the time the same worker takes to deliver the same 1,000 changes to
a partner that never went down. Target: under 10 s. The receiver checks order per object and
that none arrives twice; any fault fails the benchmark. SQLite, and PostgreSQL when it answers.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from aiohttp import web

from bench.report import Figure, limit_figure
from ocpi_cpo.cli.demo import free_port
from ocpi_cpo.config import load_settings
from ocpi_cpo.domain.delivery import NewMessage, Routing
from ocpi_cpo.domain.partners import Direction, Endpoint, PartnerState, PartyRole
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.outbound.worker import OutboxWorker
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade

CHANGES, OBJECTS, STEPS = 1000, 100, 20
ROUTING = Routing("FR", "AB1", "FR", "107")
_OK = orjson.dumps({"status_code": 1000, "timestamp": "2026-12-03T00:00:00Z"})


class MovedClock:
    """Real time plus an offset the benchmark moves on (an hour of outage in a second)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Partner:
    """A receiver on 127.0.0.1 that answers 503 while ``down``, and checks what it gets."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/ocpi/2.2.1/locations"
        self.down = False
        self.seen: set[int] = set()
        self.last: dict[str, int] = {}
        self.faults: list[str] = []
        self.delivered = 0
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        if self.down:
            return web.Response(status=503, text="down")
        seq, key = body["seq"], body["key"]
        if seq in self.seen:
            self.faults.append(f"{seq} twice")
        if self.last.get(key, -1) > seq:
            self.faults.append(f"{key}: {seq} after {self.last[key]}")
        self.seen.add(seq)
        self.last[key] = seq
        self.delivered += 1
        return web.Response(body=_OK, content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def _registered(storage: SqlStorage, url: str) -> int:
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        partner = await uow.partners.create(
            f"recovery-{time.time_ns()}", "gireve-preprod", PartnerState.REGISTERED, now
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


async def _queue(
    storage: SqlStorage, partner_id: int, start: int, count: int, at: datetime
) -> None:
    messages = []
    for seq in range(start, start + count):
        key = f"LOC{seq % OBJECTS}"
        body = orjson.dumps({"status": "AVAILABLE", "key": key, "seq": seq})
        messages.append(
            NewMessage(
                partner_id, "locations", key, "PATCH", f"/FR/AB1/{key}", body, routing=ROUTING
            )
        )
    async with storage.transaction() as uow:
        await uow.outbox.add_many(messages, at)


async def once(database_url: str, outage_seconds: float) -> float:
    """Seconds from the partner's recovery (or from the start, with no outage) until the last
    of the 1,000 changes is delivered."""
    storage = SqlStorage(create_engine(database_url))
    await upgrade(storage.engine)
    partner = Partner()
    await partner.start()
    transport = AiohttpTransport()
    clock = MovedClock()
    settings = load_settings(database_url=database_url, public_url="http://127.0.0.1:1")
    worker = OutboxWorker(storage, transport, settings, clock)
    stop = asyncio.Event()
    partner_id = await _registered(storage, partner.url)
    try:
        if outage_seconds:
            partner.down = True
            running = asyncio.create_task(worker.run(stop))
            for step in range(STEPS):
                per_step = CHANGES // STEPS
                await _queue(storage, partner_id, step * per_step, per_step, clock.now())
                await asyncio.sleep(0.05)  # the worker probes
                clock.offset += timedelta(seconds=outage_seconds / STEPS)
            await asyncio.sleep(0.2)
        else:
            await _queue(storage, partner_id, 0, CHANGES, clock.now())
            running = asyncio.create_task(worker.run(stop))
        started = time.perf_counter()
        partner.down = False
        while partner.delivered < CHANGES:
            if time.perf_counter() - started > 120:
                raise RuntimeError(f"only {partner.delivered} of {CHANGES} delivered in 120 s")
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        stop.set()
        await running
    finally:
        await transport.close()
        await partner.stop()
        await storage.close()
    if partner.faults or len(partner.seen) != CHANGES:
        raise RuntimeError(f"recovery: {len(partner.seen)} of {CHANGES}, {partner.faults[:3]}")
    return elapsed


async def run(database_url: str, label: str) -> list[Figure]:
    figures = []
    for minutes in (1, 10, 60):
        baseline = await once(database_url, 0)
        seconds = await once(database_url, minutes * 60)
        figures.append(
            limit_figure(
                f"recovery: 1,000 queued changes after a {minutes} min outage ({label})",
                seconds,
                "s",
                "same 1,000, no outage (s)",
                baseline,
                10.0,
                "wall time from the partner's recovery to the last delivered",
            )
        )
    return figures


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        figures += await run(f"sqlite+aiosqlite:///{Path(folder) / 'recovery.db'}", "SQLite")
    if postgres_url:
        figures += await run(postgres_url, "PostgreSQL")
    return figures


if __name__ == "__main__":
    from bench.report import print_table

    print_table(asyncio.run(run_all()))
