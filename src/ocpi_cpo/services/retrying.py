"""A write transaction run again when the database says trying again may clear its failure.

On PostgreSQL two transactions that lock the same objects in different orders (advisory locks
taken as objects come, a row lock, the outbox heads' lock taken exclusive by a large batch) can
deadlock: PostgreSQL aborts one after ``deadlock_timeout``. Aborted, that one's work is lost
unless it runs again; the outbox worker's record of a round, lost, means the round is sent a
second time after its lease. ``write`` runs ``work`` in a fresh transaction up to ``attempts``
times when the failure is transient (``Storage.is_transient``), and raises anything else at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ocpi_cpo.storage.protocols import Storage, UnitOfWork

R = TypeVar("R")
log = logging.getLogger("ocpi_cpo.storage")

#: tries in all, and the first pause between two (doubled each time)
ATTEMPTS = 4
FIRST_PAUSE = 0.02


async def write(
    storage: Storage,
    work: Callable[[UnitOfWork], Awaitable[R]],
    *,
    what: str = "write",
    attempts: int = ATTEMPTS,
) -> R:
    """``work`` in a write transaction, committed; run again after a transient failure."""
    for attempt in range(1, attempts + 1):
        try:
            async with storage.transaction() as uow:
                return await work(uow)
        except Exception as exc:
            if attempt == attempts or not storage.is_transient(exc):
                raise
            log.warning(
                "%s: transient database failure (%s), trying again (%d of %d)",
                what,
                type(exc).__name__,
                attempt + 1,
                attempts,
            )
            await asyncio.sleep(FIRST_PAUSE * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # pragma: no cover
