"""Heartbeats written together, off the answer path (issue 21: thousands of stations).

A Heartbeat used to cost its own transaction before its answer (at 1,000 stations on SQLite, a
Heartbeat p99 of 16 s: each waited for the one writer behind every other write). Now its answer
goes at once; the station's time is noted here and a flusher writes every station noted
meanwhile in one transaction (one UPDATE with many parameter sets), then, :data:`SPACING` later,
the next batch. The write names the connection's epoch: a heartbeat of a connection replaced
since changes nothing.

Why the spacing: written as fast as they came, 10,000 stations' heartbeats took 34 transactions a
second on SQLite's one writer (a tenth of its time, which station changes waited for), to record
a time that the supervision reads in minutes (docs/performance.md, "10,000 stations on a quiet
machine"). A lone heartbeat is still written at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from ocpi_cpo.services.stations import record_heartbeats
from ocpi_cpo.storage.protocols import Storage

LOG = logging.getLogger(__name__)

#: the least time between two writes of heartbeats (seconds)
SPACING = 1.0


class Heartbeats:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._noted: dict[str, tuple[datetime, int | None]] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()
        #: transactions written and heartbeats in them (for tests and measurements)
        self.transactions = 0
        self.written = 0

    def note(self, station_id: str, at: datetime, epoch: int | None) -> None:
        self._noted[station_id] = (at, epoch)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="ocpp-heartbeats")

    async def _flush(self) -> None:
        while self._noted:
            batch, self._noted = self._noted, {}
            try:
                async with self._storage.transaction() as uow:
                    await record_heartbeats(uow, batch)
            except Exception:
                LOG.exception("heartbeats of %d stations not recorded", len(batch))
            else:
                self.transactions += 1
                self.written += len(batch)
            if not self._closing.is_set():
                # what arrives meanwhile waits for the next write (the task ends when none did)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), SPACING)

    async def close(self) -> None:
        """Write what is noted (at shutdown, before storage goes away)."""
        self._closing.set()
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
