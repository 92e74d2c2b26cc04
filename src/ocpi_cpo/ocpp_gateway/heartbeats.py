"""Heartbeats written together, off the answer path (issue 21: thousands of stations).

A Heartbeat used to cost its own transaction before its answer (at 1,000 stations on SQLite, a
Heartbeat p99 of 16 s: each waited for the one writer behind every other write). Now its answer
goes at once; the station's time is noted here and a flusher writes every station noted
meanwhile in one transaction (one UPDATE with many parameter sets), then the next batch. The
write names the connection's epoch: a heartbeat of a connection replaced since changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from ocpi_cpo.services.stations import record_heartbeats
from ocpi_cpo.storage.protocols import Storage

LOG = logging.getLogger(__name__)


class Heartbeats:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._noted: dict[str, tuple[datetime, int | None]] = {}
        self._flusher: asyncio.Task[None] | None = None
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

    async def close(self) -> None:
        """Write what is noted (at shutdown, before storage goes away)."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
