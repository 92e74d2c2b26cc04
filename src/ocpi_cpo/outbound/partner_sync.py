"""The driver of partner syncs (services.partner_sync): queues each sync's next batch when the
partner has taken most of the previous one.

Pacing (issue 16 item 3: bounded batches so live traffic is not starved): the worker claims in
queue order, so a sync's next batch is queued only when fewer than half a batch of it is still
pending; a change committed meanwhile is behind at most one batch. A sync moves to its next module
(tariffs, then Locations) only when nothing of it is pending: a Location arrives after the
tariffs it names. Runs beside the outbox worker (``serve``, ``ocpi-cpo worker``) and in
``ocpi-cpo partners sync``; syncs are stored, so one cut short by a restart resumes, and two
drivers never queue the same batch (compare-and-set on the sync's cursor).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.domain.sync import PartnerSync, SyncProgress
from ocpi_cpo.ocpi.publishing import publisher as every_version
from ocpi_cpo.services import partner_sync, retrying
from ocpi_cpo.services.errors import ConflictError
from ocpi_cpo.services.publishing import Publisher
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

log = logging.getLogger("ocpi_cpo.sync")


def ready(progress: SyncProgress, batch: int) -> bool:
    """Whether the sync's next batch may be queued now."""
    sync = progress.sync
    if sync.phase is None:
        return False
    if sync.cursor == 0 and sync.phase != sync.modules[0]:
        return progress.pending == 0  # a new module: the previous one has landed
    return progress.pending <= batch // 2


class SyncDriver:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        batch: int,
        poll_seconds: float = 1.0,
        publisher: Publisher | None = None,
    ):
        self.storage = storage
        # What no longer fits a partner's wire is logged and left out, not a stuck sync.
        self.publisher = (publisher or every_version()).tolerant()
        self.clock = clock
        self.batch = batch
        self.poll_seconds = poll_seconds

    async def progress(self, sync_id: int) -> SyncProgress | None:
        async with self.storage.read(snapshot=False) as uow:
            return await partner_sync.get_progress(uow, sync_id)

    async def advance(self, sync: PartnerSync) -> SyncProgress:
        """Queue the next batch of ``sync`` if it is ready; its progress afterwards."""
        found = await self.progress(sync.id)
        assert found is not None
        progress = found
        current = progress.sync
        if ready(progress, self.batch):

            async def step(uow: UnitOfWork) -> int:
                return await partner_sync.step(
                    uow, self.publisher, current, self.batch, self.clock.now()
                )

            try:
                # The batch holds its Locations' rows (PostgreSQL): a deadlock with the station
                # writes' shared transaction, which locks Locations in arrival order, is run
                # again rather than logged as a failed round.
                queued = await retrying.write(self.storage, step, what="partner sync batch")
                log.info("sync %d: queued %d more (%s)", sync.id, queued, current.phase)
            except ConflictError:
                pass  # another driver queued it
            found = await self.progress(sync.id)
            assert found is not None
            progress = found
        return progress

    async def run(self, stop: asyncio.Event) -> None:
        """Advance every unfinished sync until ``stop``; survives database outages."""
        while not stop.is_set():
            try:
                async with self.storage.read(snapshot=False) as uow:
                    syncs = await partner_sync.unfinished(uow)
                for sync in syncs:
                    await self.advance(sync)
            except Exception:
                log.exception("partner sync round failed; retrying shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)

    async def drive(
        self,
        sync: PartnerSync,
        report: Callable[[SyncProgress], None],
        idle_seconds: float,
    ) -> SyncProgress:
        """Advance ``sync`` until all it queued is delivered or parked, reporting each change;
        gives up waiting after ``idle_seconds`` without progress (the sync stays stored)."""
        last: SyncProgress | None = None
        idle = 0.0
        while True:
            progress = await self.advance(sync)
            if progress != last:
                report(progress)
                last, idle = progress, 0.0
            if progress.settled or idle >= idle_seconds:
                return progress
            await asyncio.sleep(0.2)
            idle += 0.2


def start_driver(driver: SyncDriver) -> tuple[asyncio.Task[None], Callable[[], None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(driver.run(stop), name="partner-sync driver")
    return task, stop.set
