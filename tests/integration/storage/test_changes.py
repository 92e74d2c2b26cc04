"""Cache versions follow every process's commits; a lost NOTIFY or a dropped listener is caught.

issue 18, point 3 and "Bad input and faults": the PostgreSQL listener is checked every
``CHECK_EVERY`` seconds; while it is down nothing cached is trusted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text

from ocpi_cpo.storage.sql import changes
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine


@pytest.fixture
async def other(database_url: str) -> AsyncIterator[SqlStorage]:
    storage = SqlStorage(create_engine(database_url))
    yield storage
    await storage.close()


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


async def test_a_credentials_change_elsewhere_moves_the_version(
    storage: SqlStorage, other: SqlStorage
) -> None:
    await storage.watch()
    assert storage.watching
    before = storage.credentials_version
    assert storage.credentials_version == before  # nothing changed: the cache may be used
    async with other.transaction() as uow:
        await uow.tokens.revoke_all(12345)  # nothing to revoke: still announced
    if storage.is_sqlite:
        assert storage.credentials_version != before  # at the very next look
    else:
        await eventually(lambda: storage.credentials_version != before)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_lost_notify_is_caught_by_the_periodic_check(
    storage: SqlStorage, other: SqlStorage
) -> None:
    await storage.watch()
    before = storage.credentials_version
    async with other.engine.begin() as connection:  # a change whose NOTIFY never came
        await connection.execute(
            text("UPDATE change_versions SET version = version + 1 WHERE name = 'credentials'")
        )
    await eventually(lambda: storage.credentials_version != before, changes.CHECK_EVERY * 5)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_dropped_listener_means_nothing_is_trusted_until_it_is_back(
    storage: SqlStorage, other: SqlStorage
) -> None:
    await storage.watch()
    assert storage.watching
    async with other.engine.begin() as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE 'SELECT name, version FROM change_versions%'"
                " AND pid <> pg_backend_pid()"
            )
        )
    await eventually(lambda: not storage.watching)
    assert storage.credentials_version != storage.credentials_version  # never the same twice
    await eventually(lambda: storage.watching, changes.CHECK_EVERY * 10)  # reconnected
    assert storage.credentials_version == storage.credentials_version
