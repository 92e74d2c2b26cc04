"""A write that PostgreSQL aborts as a deadlock victim runs again (services.retrying), on a real
server: two transactions lock two objects in opposite orders at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ocpi_cpo.services import retrying
from ocpi_cpo.storage.protocols import UnitOfWork
from ocpi_cpo.storage.sql.engine import SqlStorage, SqlUnitOfWork

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]


Work = Callable[[UnitOfWork], Awaitable[str]]


def _crossed(both_hold_one: asyncio.Barrier, runs: list[str]) -> tuple[Work, Work]:
    """Two works: each locks one key, waits until the other holds its key, then wants it."""

    def work(first: int, second: int, name: str) -> Work:
        async def run(uow: UnitOfWork) -> str:
            assert isinstance(uow, SqlUnitOfWork)
            connection = uow.connection
            runs.append(name)
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({first})"))
            if runs.count(name) == 1:  # the first try meets the other in a ring
                await both_hold_one.wait()
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({second})"))
            return name

        return run

    return work(71_001, 71_002, "a"), work(71_002, 71_001, "b")


async def test_a_deadlock_victim_runs_again(storage: SqlStorage) -> None:
    runs: list[str] = []
    a, b = _crossed(asyncio.Barrier(2), runs)
    done = await asyncio.gather(
        retrying.write(storage, a, what="a"),
        retrying.write(storage, b, what="b"),
    )
    assert sorted(done) == ["a", "b"]
    assert len(runs) == 3, runs  # one of them was the victim and ran a second time


async def test_without_a_second_try_the_victim_fails(storage: SqlStorage) -> None:
    runs: list[str] = []
    a, b = _crossed(asyncio.Barrier(2), runs)
    done = await asyncio.gather(
        retrying.write(storage, a, attempts=1),
        retrying.write(storage, b, attempts=1),
        return_exceptions=True,
    )
    failures = [d for d in done if isinstance(d, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], DBAPIError), done
    assert storage.is_transient(failures[0])


async def test_other_failures_are_not_tried_again(storage: SqlStorage) -> None:
    runs: list[int] = []

    async def broken(uow: UnitOfWork) -> None:
        runs.append(1)
        assert isinstance(uow, SqlUnitOfWork)
        await uow.connection.execute(text("SELECT no_such_column FROM partners"))

    with pytest.raises(DBAPIError):
        await retrying.write(storage, broken)
    assert runs == [1]
