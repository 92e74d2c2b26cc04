"""Leases and leadership on a real database: one leader at a time, taken over when it dies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ocpi_cpo.services.leadership import Leadership
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine

#: short leases so a takeover happens within the test (the product uses 15 s, renewed every 5)
LEASE = 2.0
RENEW = 0.2


@pytest.fixture
async def two(database_url: str) -> AsyncIterator[tuple[SqlStorage, SqlStorage]]:
    """Two storages on one database, as two instances have."""
    a, b = SqlStorage(create_engine(database_url)), SqlStorage(create_engine(database_url))
    yield a, b
    await a.close()
    await b.close()


def leadership(storage: SqlStorage, holder: str) -> Leadership:
    return Leadership(storage, holder, lease=LEASE, renew_every=RENEW)


async def test_leases_are_taken_renewed_forced_and_released(storage: SqlStorage) -> None:
    async with storage.transaction() as uow:
        assert await uow.leases.take("station/CP_1", "a", 30)
        assert await uow.leases.take("station/CP_1", "a", 30)  # ours: renewed
        assert not await uow.leases.take("station/CP_1", "b", 30)  # not expired: refused
        since = (await uow.leases.get("station/CP_1")).since  # type: ignore[union-attr]
        assert await uow.leases.take("station/CP_1", "b", 30, force=True)  # moves at once
        moved = await uow.leases.get("station/CP_1")
        assert moved is not None and moved.holder == "b" and moved.since >= since
        assert await uow.leases.take("station/CPX1", "a", -1)  # already expired
        assert [x.name for x in await uow.leases.held("station/CP_")] == ["station/CP_1"]
        assert [x.name for x in await uow.leases.expired("station/")] == ["station/CPX1"]
        assert await uow.leases.renew("a", 30) == 0  # a's only lease had expired
        assert await uow.leases.renew("b", 30, "other/") == 0
        before = (await uow.leases.get("station/CP_1")).expires  # type: ignore[union-attr]
        assert await uow.leases.renew("b", 60, "station/") == 1
        after = (await uow.leases.get("station/CP_1")).expires  # type: ignore[union-attr]
        assert after > before
        dropped = await uow.leases.drop_expired("station/")
        assert [(x.name, x.holder) for x in dropped] == [("station/CPX1", "a")]
        assert await uow.leases.drop_expired("station/") == []
        assert await uow.leases.get("station/CPX1") is None
        assert not await uow.leases.release("station/CP_1", "a")
        assert await uow.leases.release("station/CP_1", "b")
        assert await uow.leases.get("station/CP_1") is None


async def test_one_leader_and_a_takeover_when_it_dies(two: tuple[SqlStorage, SqlStorage]) -> None:
    first, second = leadership(two[0], "first"), leadership(two[1], "second")
    assert await first.try_lead()
    assert not await second.try_lead()
    assert (first.leader, second.leader) == (True, False)
    # first dies: it renews no more. second takes over once the lease expires, not before.
    assert not await second.try_lead()
    tries = 1
    while not await second.try_lead():
        tries += 1
        await asyncio.sleep(RENEW)
    assert tries > 2  # it waited for the lease to run out
    assert second.leader
    assert not await first.try_lead()  # back from the dead: it follows
    assert not first.leader


async def test_a_clean_stop_hands_over_at_once(two: tuple[SqlStorage, SqlStorage]) -> None:
    first, second = leadership(two[0], "first"), leadership(two[1], "second")
    assert await first.try_lead()
    await first.close()
    assert not first.leader
    assert await second.try_lead()


async def test_jobs_run_in_the_leader_only(two: tuple[SqlStorage, SqlStorage]) -> None:
    runs = {"first": 0, "second": 0}
    instances = [leadership(two[0], "first"), leadership(two[1], "second")]
    for instance in instances:

        async def job(holder: str = instance.holder) -> None:
            runs[holder] += 1

        instance.every(0.05, job, name="count")
    instances[0].start()
    await instances[0].wait_leader()
    instances[1].start()
    await asyncio.sleep(0.5)
    assert runs["first"] > 0 and runs["second"] == 0
    await instances[0].close()  # hands over: the other leads at its next try
    await asyncio.wait_for(instances[1].wait_leader(), LEASE * 5)
    await asyncio.sleep(0.3)
    assert runs["second"] > 0
    await instances[1].close()


async def test_many_leases_are_taken_by_force_and_released_at_once(storage: SqlStorage) -> None:
    """A reconnect storm: the stations that connected since the last look are taken in one
    statement (by force: one held elsewhere moves here), those that left released in one."""
    async with storage.transaction() as uow:
        assert await uow.leases.take("station/CP_2", "b", 30)
        await uow.leases.take_all([f"station/CP_{n}" for n in range(1, 4)], "a", 30)
        held = {x.name: x.holder for x in await uow.leases.held("station/")}
        assert held == {f"station/CP_{n}": "a" for n in range(1, 4)}
        assert await uow.leases.renew("a", 60, "station/") == 3
        await uow.leases.release_all(["station/CP_1", "station/CP_3"], "a")
        await uow.leases.release_all(["station/CP_2"], "b")  # not b's any more: kept
        assert [x.name for x in await uow.leases.held("station/")] == ["station/CP_2"]
        await uow.leases.take_all([], "a", 30)  # nobody new, nobody gone: nothing sent
        await uow.leases.release_all([], "a")
        assert {x.name: x.holder for x in await uow.leases.held("station/")} == {
            "station/CP_2": "a"
        }
