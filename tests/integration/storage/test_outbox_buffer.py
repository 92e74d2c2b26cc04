"""``outbox.add_many`` buffers rows until the commit: nothing is lost, reordered or unseen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpi_cpo.domain.delivery import MessageState, NewMessage, QueueFilter
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.storage.sql.engine import SqlStorage

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def patch(partner: int, key: str, seq: int, *, full: bool = False) -> NewMessage:
    method = "PUT" if full else "PATCH"
    return NewMessage(
        partner, "locations", key, method, f"/{key}", str(seq).encode(), full_replace=full
    )


async def partner_id(storage: SqlStorage) -> int:
    async with storage.transaction() as uow:
        return (await uow.partners.create("hub", "gireve-preprod", PartnerState.REGISTERED, NOW)).id


async def test_buffered_rows_are_committed_with_the_transaction(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        for seq in range(5):
            await uow.outbox.add_many([patch(partner, f"L{seq % 2}", seq)], NOW)
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner))
    assert [m.body for m in messages] == [str(seq).encode() for seq in range(5)]


async def test_buffered_rows_are_seen_by_the_same_transaction(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, "L", 1), patch(partner, "L", 2)], NOW)
        assert await uow.outbox.count(QueueFilter(partner_id=partner)) == 2
        # An id-returning add keeps its place after what was buffered before it.
        last = await uow.outbox.add(patch(partner, "L", 3), NOW)
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner))
    assert [m.body for m in messages] == [b"1", b"2", b"3"]
    assert messages[-1].id == last


async def test_a_full_put_supersedes_only_older_buffered_rows(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    async with storage.transaction() as uow:
        await uow.outbox.add_many(
            [patch(partner, "L", 1), patch(partner, "L", 2, full=True), patch(partner, "L", 3)],
            NOW,
        )
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner))
    assert [(m.body, m.state) for m in messages] == [
        (b"1", MessageState.SUPERSEDED),
        (b"2", MessageState.PENDING),
        (b"3", MessageState.PENDING),
    ]


async def test_a_failed_transaction_writes_nothing_it_buffered(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    with pytest.raises(RuntimeError):
        async with storage.transaction() as uow:
            await uow.outbox.add_many([patch(partner, "L", 1)], NOW)
            raise RuntimeError("the change failed")
    async with storage.read() as uow:
        assert await uow.outbox.count(QueueFilter(partner_id=partner)) == 0


async def test_a_commit_that_queued_wakes_the_worker(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    await storage.outbox_signal.wait(0)  # clear
    async with storage.transaction() as uow:
        await uow.outbox.add_many([patch(partner, "L", 1)], NOW)
    assert await storage.outbox_signal.wait(0.01)
