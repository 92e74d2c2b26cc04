"""A transaction leaves no reference cycles behind: what it made is freed when it ends.

At 10,000 stations serve runs thousands of transactions a second. Each one that left a cycle
(its unit of work held by a callback it handed to its own repositories) left the connection
and everything the transaction touched, about 50 objects, to Python's cyclic collector: young
collections ran many times a second, promoted what was in flight, and a full collection of
1.4-2.0 s followed every 100 s or so, holding every station's answer (docs/performance.md,
"Garbage").
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.locations import EvseRow
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
RUNS = 50


async def cyclic_garbage(operation: Callable[[int], Awaitable[object]]) -> Counter[str]:
    """The objects found only in reference cycles after ``RUNS`` runs of ``operation``, by
    type. Runs a few first, so that what is made once (caches, compiled statements) is made."""
    for n in range(5):
        await operation(n)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for n in range(5, 5 + RUNS):
            await operation(n)
        gc.collect()
        found = Counter(type(item).__qualname__ for item in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


async def test_a_write_transaction_leaves_no_cycles(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        partner = (await uow.partners.create("hub", "ocpi-2.2.1", PartnerState.INVITED, NOW)).id

    async def write(n: int) -> None:
        async with storage.transaction() as uow:
            # each of the unit of work's callbacks: credentials, locations, the outbox's signal
            await uow.partners.set_state(partner, PartnerState.REGISTERED)
            evse = EvseRow(f"E{n}", None, "AVAILABLE", NOW)
            await uow.locations.set_evse(-1, NOW, b"{}", evse)
            await uow.outbox.add(
                NewMessage(partner, "locations", f"L{n}", "PATCH", "/", b"{}"), NOW
            )

    found = await cyclic_garbage(write)
    assert sum(found.values()) < RUNS, f"cycles left per {RUNS} write transactions: {found}"


async def test_a_read_transaction_leaves_no_cycles(storage: SqlStorage) -> None:
    async def read(_n: int) -> None:
        async with storage.read() as uow:
            await uow.partners.all()
        async with storage.read(snapshot=False) as uow:
            await uow.partners.all()

    found = await cyclic_garbage(read)
    assert sum(found.values()) < RUNS, f"cycles left per {RUNS} reads: {found}"


async def test_changes_grouped_into_shared_transactions_leave_no_cycles(
    storage: SqlStorage,
) -> None:
    async with storage.transaction() as uow:
        partner = (await uow.partners.create("hub", "ocpi-2.2.1", PartnerState.INVITED, NOW)).id
    group = GroupCommit(storage)

    async def queue(n: int) -> int:
        async def add(uow: UnitOfWork) -> int:
            message = NewMessage(partner, "locations", f"L{n}", "PATCH", "/", b"{}")
            return await uow.outbox.add(message, NOW)

        return await group.run(add)

    found = await cyclic_garbage(queue)
    assert sum(found.values()) < RUNS, f"cycles left per {RUNS} grouped changes: {found}"
