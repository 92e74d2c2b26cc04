"""SQLite: this process's writers take turns in arrival order (no busy-handler sleeps), and one
held too long fails the others as SQLite itself would: database is locked."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.storage.sql import engine as engine_module
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from ocpi_cpo.storage.sql.migrate import upgrade
from ocpi_cpo.storage.sql.one_shot import SQLITE_IN_LOOP_POOL

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
async def sqlite(tmp_path: Path) -> SqlStorage:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await upgrade(engine)
    return SqlStorage(engine)


async def test_writers_take_turns_in_arrival_order(sqlite: SqlStorage) -> None:
    order: list[int] = []

    async def write(n: int) -> None:
        async with sqlite.transaction() as uow:
            order.append(n)
            await uow.partners.create(f"p{n}", "ocpi-2.2.1", PartnerState.INVITED, NOW)
            await asyncio.sleep(0)  # others queue meanwhile

    try:
        await asyncio.gather(*(write(n) for n in range(40)))
        async with sqlite.read() as uow:
            names = [p.name for p in await uow.partners.all()]
    finally:
        await sqlite.close()
    assert order == list(range(40))
    assert sorted(names) == sorted(f"p{n}" for n in range(40))


async def test_a_writer_held_too_long_fails_the_next_as_locked(
    sqlite: SqlStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_TIMEOUT", 0.2)
    release = asyncio.Event()

    async def hold() -> None:
        async with sqlite.transaction() as uow:
            await uow.partners.create("holder", "ocpi-2.2.1", PartnerState.INVITED, NOW)
            await release.wait()

    holder = asyncio.create_task(hold())
    try:
        await asyncio.sleep(0.05)
        with pytest.raises(OperationalError, match="database is locked"):
            async with sqlite.transaction():
                pass
        release.set()
        await holder
        async with sqlite.transaction() as uow:  # the lock is free again
            await uow.partners.create("next", "ocpi-2.2.1", PartnerState.INVITED, NOW)
    finally:
        release.set()
        await sqlite.close()


async def test_busy_rounds_reuse_the_pools_connections(sqlite: SqlStorage) -> None:
    """Reads beyond SQLAlchemy's default pool of 5 no longer open (a connection and its PRAGMAs)
    and close a connection each time: once the pool has made its connections, more rounds of as
    many concurrent reads open none."""
    opened: list[object] = []
    engine = sqlite.transactions_engine
    event.listen(engine, "connect", lambda *_: opened.append(1))
    started = asyncio.Event()

    async def read() -> None:
        async with sqlite.read() as uow:
            await uow.partners.all()
            await started.wait()

    async def round_of(n: int) -> None:
        started.clear()
        readers = [asyncio.create_task(read()) for _ in range(n)]
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        # every reader holds its connection (a fixed sleep may end before a busy machine does)
        async with asyncio.timeout(30):
            while pool.checkedout() < n:
                await asyncio.sleep(0.01)
        started.set()
        await asyncio.gather(*readers)

    try:
        await round_of(SQLITE_IN_LOOP_POOL)
        first = len(opened)
        for _ in range(3):
            await round_of(SQLITE_IN_LOOP_POOL)
    finally:
        await sqlite.close()
    assert 0 < first <= SQLITE_IN_LOOP_POOL
    assert len(opened) == first


async def _ticking(ticks: list[int]) -> None:
    while True:
        ticks.append(1)
        await asyncio.sleep(0.01)


async def test_another_connections_write_lock_is_waited_for_without_stopping_the_loop(
    sqlite: SqlStorage, tmp_path: Path
) -> None:
    """The loop's own SQLite connections never sleep in SQLite's busy handler: while another
    process (a CLI command, ``ocpi-cpo worker``) holds the write lock, a transaction's BEGIN is
    tried again after an ``asyncio.sleep`` (the loop goes on meanwhile), and it runs once the
    lock is free (storage.sql.one_shot.in_loop_sqlite_engine)."""
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    ticks: list[int] = []
    ticker = asyncio.create_task(_ticking(ticks))

    async def write() -> None:
        async with sqlite.transaction() as uow:
            await uow.partners.create("after", "ocpi-2.2.1", PartnerState.INVITED, NOW)

    writer = asyncio.create_task(write())
    try:
        await asyncio.sleep(0.3)
        assert not writer.done()
        assert len(ticks) >= 10  # the loop ran while the writer waited
        other.execute("COMMIT")
        await asyncio.wait_for(writer, 10)
        async with sqlite.read() as uow:
            assert [p.name for p in await uow.partners.all()] == ["after"]
    finally:
        ticker.cancel()
        writer.cancel()
        other.close()
        await sqlite.close()


async def test_another_connections_lock_held_too_long_fails_as_locked(
    sqlite: SqlStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As SQLite's busy handler would: a lock held beyond the timeout fails the transaction
    with "database is locked", and nothing of it is written."""
    await sqlite.close()
    monkeypatch.setattr(engine_module, "SQLITE_TIMEOUT", 0.2)
    impatient = SqlStorage(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"))
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            async with impatient.transaction() as uow:
                await uow.partners.create("never", "ocpi-2.2.1", PartnerState.INVITED, NOW)
        other.execute("COMMIT")
        async with impatient.read() as uow:
            assert await uow.partners.all() == []
    finally:
        other.close()
        await impatient.close()


def _names_in_database_file(database: Path, copy: Path) -> list[str]:
    """The partners the database file itself holds, without its write-ahead log: a copy of the
    file alone, opened on its own, shows what checkpoints have copied into it."""
    shutil.copyfile(database, copy)
    connection = sqlite3.connect(copy)
    try:
        return [row[0] for row in connection.execute("SELECT name FROM partners ORDER BY name")]
    finally:
        connection.close()


async def test_commits_reach_the_database_file_through_the_checkpoint(
    sqlite: SqlStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's connections leave the write-ahead log to ``SqlStorage._checkpoint`` (they do not
    checkpoint themselves: ``wal_autocheckpoint`` 0): after a commit the log is copied into the
    database file, at most once per ``CHECKPOINT_EVERY``."""
    monkeypatch.setattr(engine_module, "CHECKPOINT_EVERY", 0.0)
    try:
        async with sqlite.transaction() as uow:
            await uow.partners.create("first", "ocpi-2.2.1", PartnerState.INVITED, NOW)
        assert sqlite._checkpointing is not None
        await sqlite._checkpointing
        assert _names_in_database_file(tmp_path / "w.db", tmp_path / "a.db") == ["first"]

        # within CHECKPOINT_EVERY of the last one: the commit stays in the log for now
        monkeypatch.setattr(engine_module, "CHECKPOINT_EVERY", 3600.0)
        async with sqlite.transaction() as uow:
            await uow.partners.create("second", "ocpi-2.2.1", PartnerState.INVITED, NOW)
        await sqlite._checkpointing
        assert _names_in_database_file(tmp_path / "w.db", tmp_path / "b.db") == ["first"]
        async with sqlite.read() as uow:  # committed all the same
            assert sorted(p.name for p in await uow.partners.all()) == ["first", "second"]
    finally:
        await sqlite.close()


async def test_the_loop_engines_own_begin_waits_for_the_lock_too(
    sqlite: SqlStorage, tmp_path: Path
) -> None:
    """``engine.begin()`` of the loop's engine (not only ``connection.begin()``, which
    ``transaction`` uses) tries a refused BEGIN IMMEDIATE again instead of failing at once."""
    assert sqlite._loop_engine is not None
    engine = sqlite._loop_engine.execution_options(sqlite_begin="IMMEDIATE")
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE later (n INTEGER)")

    writer = asyncio.create_task(write())
    try:
        await asyncio.sleep(0.2)
        assert not writer.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writer, 10)
        tables = other.execute("SELECT name FROM sqlite_master WHERE name = 'later'").fetchall()
        assert tables == [("later",)]
    finally:
        writer.cancel()
        other.close()
        await sqlite.close()


async def test_the_log_file_shrinks_back_once_it_starts_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst grows the write-ahead log file; once a checkpoint has copied it all and the log
    starts over, the file is cut back to ``SQLITE_WAL_LIMIT`` (without the limit it kept its
    largest size for good: hundreds of MB after a 10,000-station run)."""
    limit = 256 * 1024
    monkeypatch.setattr(engine_module, "SQLITE_WAL_LIMIT", limit)
    monkeypatch.setattr(engine_module, "CHECKPOINT_EVERY", 3600.0)  # none until asked, below
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'l.db'}")
    await upgrade(engine)
    storage = SqlStorage(engine)
    wal = tmp_path / "l.db-wal"
    try:
        for n in range(40):  # a burst: about 40 pages of 4 kB each, and the indexes
            async with storage.transaction() as uow:
                await uow.partners.create(
                    f"p{n:03d}" + "x" * 3000, "ocpi-2.2.1", PartnerState.INVITED, NOW
                )
        grown = wal.stat().st_size
        assert grown > limit
        monkeypatch.setattr(engine_module, "CHECKPOINT_EVERY", 0.0)
        async with storage.transaction() as uow:  # a commit, then its checkpoint: all copied
            await uow.partners.create("after", "ocpi-2.2.1", PartnerState.INVITED, NOW)
        assert storage._checkpointing is not None
        await storage._checkpointing
        async with storage.transaction() as uow:  # the next writer starts the log over
            await uow.partners.create("restart", "ocpi-2.2.1", PartnerState.INVITED, NOW)
        assert wal.stat().st_size <= limit < grown
    finally:
        await storage.close()
