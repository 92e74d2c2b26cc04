"""Group commit: changes that arrive together share one transaction (docs/performance.md, push).

A hundred stations reporting at once would otherwise cost a hundred commits, each a round trip to
SQLite's thread or a WAL flush on PostgreSQL. Here the first change starts a transaction at once
(no timer, so a lone change waits for nothing); changes arriving while it runs are queued and go
together in the next one. Each caller gets its own result once *its* transaction has committed.

Order: one flusher, changes applied in arrival order, transactions one after the other: what one
object's changes queue (outbox PATCHes) keeps their order.

Isolation: when a change fails, the whole transaction is rolled back and every change ends
exactly as it would have alone (the failing one with its own exception, the others committed):
* a change refused by a rule (a ``ServiceError``: an unknown EVSE, say) would be refused alone
  too, since it saw what the changes before it wrote, as it would after their commits: it fails
  with that error and the others are applied again together, without it;
* any other failure (the database's, or a bug) may be the shared transaction's: the changes are
  applied again, each in its own transaction, which is tried again when the database says so
  (a PostgreSQL deadlock with another instance or the outbox worker: ``services.retrying``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ocpi_cpo.services import retrying
from ocpi_cpo.services.errors import ServiceError
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

R = TypeVar("R")
Work = Callable[[UnitOfWork], Awaitable[Any]]
Item = tuple[Work, "asyncio.Future[Any]"]


class _Refused(Exception):
    """The change at ``index`` of the batch was refused by a rule (its transaction rolled back)."""

    def __init__(self, index: int, error: ServiceError) -> None:
        super().__init__(str(error))
        self.index = index
        self.error = error


class GroupCommit:
    def __init__(self, storage: Storage, max_batch: int = 200) -> None:
        self._storage = storage
        self._max_batch = max_batch
        self._queue: list[Item] = []
        self._flusher: asyncio.Task[None] | None = None
        #: transactions committed and changes in them (for metrics and tests)
        self.transactions = 0
        self.changes = 0
        #: changes refused by a rule, and shared transactions redone without them
        self.refused = 0

    async def run(self, work: Callable[[UnitOfWork], Awaitable[R]]) -> R:
        """Apply ``work`` in a transaction shared with changes arriving meanwhile; its result
        once committed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        batch: list[Item] = []
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                await self._apply(batch)
        except BaseException:
            # Cancelled (shutdown): nobody may wait for ever on a change that was not applied.
            for _, future in batch + self._queue:
                if not future.done():
                    future.set_exception(RuntimeError("group commit stopped"))
            self._queue.clear()
            raise

    async def _apply(self, batch: list[Item]) -> None:
        while batch:
            try:
                await self._together(batch)
            except _Refused as refused:
                _, future = batch.pop(refused.index)
                self.refused += 1
                if not future.done():
                    future.set_exception(refused.error)
                continue
            except Exception:
                for item in batch:
                    await self._alone(item)
            return

    async def _together(self, batch: list[Item]) -> None:
        results = []
        async with self._storage.transaction() as uow:
            for index, (work, _) in enumerate(batch):
                try:
                    results.append(await work(uow))
                except ServiceError as exc:
                    raise _Refused(index, exc) from exc
        self.transactions += 1
        self.changes += len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _alone(self, item: Item) -> None:
        work, future = item
        try:
            # alone, a deadlock victim (PostgreSQL) runs again instead of failing its station
            result = await retrying.write(self._storage, work, what="station write")
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        self.transactions += 1
        self.changes += 1
        if not future.done():
            future.set_result(result)
