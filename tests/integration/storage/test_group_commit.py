"""GroupCommit: changes arriving together share a transaction, keep their order, stay isolated."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from ocpi_cpo.domain.delivery import NewMessage, QueueFilter
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.services.errors import NotFoundError
from ocpi_cpo.services.group_commit import GroupCommit
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def partner_id(storage: SqlStorage) -> int:
    async with storage.transaction() as uow:
        return (await uow.partners.create("hub", "gireve-preprod", PartnerState.REGISTERED, NOW)).id


def adder(partner: int, key: str, seq: int) -> Callable[[UnitOfWork], Awaitable[int]]:
    async def add(uow: UnitOfWork) -> int:
        message = NewMessage(partner, "locations", key, "PATCH", f"/{key}", str(seq).encode())
        return await uow.outbox.add(message, NOW)

    return add


async def test_concurrent_changes_share_transactions_in_arrival_order(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    group = GroupCommit(storage)

    async def station(n: int) -> list[int]:
        return [await group.run(adder(partner, f"LOC{n}", seq)) for seq in range(5)]

    ids = await asyncio.gather(*(station(n) for n in range(20)))
    assert group.changes == 100
    assert group.transactions < 100  # grouped: far fewer commits than changes
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner), limit=1000)
    assert len(messages) == 100
    for n, station_ids in enumerate(ids):
        assert station_ids == sorted(station_ids)  # each station's changes in its order
        bodies = [m.body for m in sorted(messages, key=lambda m: m.id) if m.object_key == f"LOC{n}"]
        assert bodies == [str(seq).encode() for seq in range(5)]


async def test_a_lone_change_is_committed_when_its_caller_resumes(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    group = GroupCommit(storage)
    message_id = await group.run(adder(partner, "LOC1", 1))
    async with storage.read() as uow:
        assert await uow.outbox.get(message_id) is not None
    assert group.transactions == 1


async def test_a_failing_change_fails_alone(storage: SqlStorage) -> None:
    partner = await partner_id(storage)
    group = GroupCommit(storage)

    async def broken(uow: UnitOfWork) -> int:
        await uow.outbox.add(NewMessage(partner, "locations", "BAD", "PATCH", "/BAD", b"x"), NOW)
        raise ValueError("this change cannot be applied")

    results = await asyncio.gather(
        group.run(adder(partner, "LOC1", 1)),
        group.run(broken),
        group.run(adder(partner, "LOC2", 2)),
        return_exceptions=True,
    )
    assert isinstance(results[1], ValueError)
    assert all(isinstance(r, int) for r in (results[0], results[2]))
    async with storage.read() as uow:
        keys = [
            m.object_key for m in await uow.outbox.find(QueueFilter(partner_id=partner), limit=100)
        ]
    assert sorted(keys) == ["LOC1", "LOC2"]  # the broken change's own write is rolled back


@pytest.mark.parametrize("size", [1, 3])
async def test_batches_are_bounded(storage: SqlStorage, size: int) -> None:
    partner = await partner_id(storage)
    group = GroupCommit(storage, max_batch=size)
    await asyncio.gather(*(group.run(adder(partner, f"L{n}", n)) for n in range(6)))
    assert group.changes == 6
    assert group.transactions >= 6 // size


async def test_a_change_refused_by_a_rule_fails_and_the_others_still_share_a_commit(
    storage: SqlStorage,
) -> None:
    partner = await partner_id(storage)
    group = GroupCommit(storage)

    async def refused(uow: UnitOfWork) -> int:
        await uow.outbox.add(NewMessage(partner, "locations", "BAD", "PATCH", "/BAD", b"x"), NOW)
        raise NotFoundError("no EVSE with uid 'BAD'")

    results = await asyncio.gather(
        group.run(adder(partner, "LOC1", 1)),
        group.run(refused),
        group.run(adder(partner, "LOC2", 2)),
        group.run(refused),
        group.run(adder(partner, "LOC3", 3)),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [int, NotFoundError, int, NotFoundError, int]
    assert (group.transactions, group.changes, group.refused) == (1, 3, 2)  # no one alone
    async with storage.read() as uow:
        messages = await uow.outbox.find(QueueFilter(partner_id=partner), limit=100)
    ordered = [m.object_key for m in sorted(messages, key=lambda m: m.id)]
    assert ordered == ["LOC1", "LOC2", "LOC3"]  # in arrival order, the refused ones' writes gone
