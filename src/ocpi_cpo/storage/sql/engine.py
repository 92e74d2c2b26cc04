"""Engine creation and the unit of work over one connection."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from ocpi_cpo.storage.sql.changes import CREDENTIALS, LOCATIONS, Changes, announce
from ocpi_cpo.storage.sql.repositories.outbox import SqlOutboxRepository
from ocpi_cpo.storage.sql.repositories.page_totals import PageTotals
from ocpi_cpo.storage.sql.repositories.partners import SqlPartnerRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

    from ocpi_cpo.storage.sql.repositories.audit import SqlAuditRepository
    from ocpi_cpo.storage.sql.repositories.client_info import SqlHubClientInfoRepository
    from ocpi_cpo.storage.sql.repositories.commands import SqlCommandRepository
    from ocpi_cpo.storage.sql.repositories.console_sessions import SqlConsoleSessionRepository
    from ocpi_cpo.storage.sql.repositories.console_users import SqlConsoleUserRepository
    from ocpi_cpo.storage.sql.repositories.emsp_tokens import SqlEmspTokenRepository
    from ocpi_cpo.storage.sql.repositories.leases import SqlLeaseRepository
    from ocpi_cpo.storage.sql.repositories.locations import SqlLocationRepository
    from ocpi_cpo.storage.sql.repositories.partner_delivery import SqlPartnerDeliveryRepository
    from ocpi_cpo.storage.sql.repositories.sessions import SqlCdrRepository, SqlSessionRepository
    from ocpi_cpo.storage.sql.repositories.sign_in_failures import SqlSignInFailureRepository
    from ocpi_cpo.storage.sql.repositories.station_calls import SqlStationCallRepository
    from ocpi_cpo.storage.sql.repositories.stations import SqlStationRepository
    from ocpi_cpo.storage.sql.repositories.syncs import SqlSyncRepository
    from ocpi_cpo.storage.sql.repositories.tariffs import SqlTariffRepository
    from ocpi_cpo.storage.sql.repositories.tokens import SqlTokenRepository

LOG = logging.getLogger(__name__)

#: seconds a SQLite writer waits for the lock before "database is locked" (as connect's timeout)
SQLITE_TIMEOUT = 30.0
#: PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be run again
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})

#: SQLite connections (threads) of the main aiosqlite engine, kept open once made. Behind a
#: ``SqlStorage`` it answers only ``problems()`` (GET /ready, the doctor): transactions and reads
#: run on the loop's engine (``one_shot.SQLITE_IN_LOOP_POOL``), reads of one statement on their
#: own; migrations (``ocpi-cpo db upgrade``) use it directly.
SQLITE_POOL = 15
#: seconds between checkpoints of SQLite's write-ahead log (SqlStorage._checkpoint_soon)
CHECKPOINT_EVERY = 1.0
#: bytes SQLite cuts its write-ahead log file back to when it starts the log over (``PRAGMA
#: journal_size_limit``). Without it the file keeps the size of the longest stretch without a
#: complete checkpoint for good: 400-580 MB after 10,000 stations' load (docs/performance.md).
SQLITE_WAL_LIMIT = 64 * 1024 * 1024
#: SQLite connections (threads) for reads of one statement (``Storage.read(snapshot=False)``)
SINGLE_READS_POOL = 4


def create_engine(database_url: str, *, pool_size: int = 20) -> AsyncEngine:
    """An engine tuned per backend: SQLite in WAL mode with explicit BEGIN, asyncpg pooled.

    PostgreSQL: ``pool_size`` connections kept open, none beyond (no overflow). An overflow
    connection is closed when it is checked in while the pool is full, so under steady load
    (32 concurrent page requests) nearly every request opened a new connection: TCP, the SSL
    attempt of ``sslmode=prefer``, authentication, asyncpg's set-up and its prepared statements
    made anew; that was most of a page's time (docs/performance.md). A request beyond the pool
    waits for a connection instead.

    JIT compilation is off on our connections: our statements are short, and a plan whose
    estimate runs high (the claim's, which expects one candidate and so prices a walk of every
    head) was compiled at each run, 230 ms of a 250 ms claim at 100,000 pending."""
    if database_url.startswith("sqlite"):
        if _in_memory(make_url(database_url)):
            return _sqlite_engine(database_url)  # one connection, SQLAlchemy's own pool
        return _sqlite_engine(database_url, pool_size=SQLITE_POOL, max_overflow=0)
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=0)
    event.listen(engine.sync_engine, "connect", _configure_postgres)
    return engine


def _configure_postgres(connection: Any, _record: Any) -> None:
    """Each new PostgreSQL connection: JIT off, by a SET once the session is open (a startup
    parameter would be refused by PgBouncer: "unsupported startup parameter")."""
    connection.run_async(lambda raw: raw.execute("SET jit = off"))


def one_shot_engine(database_url: str) -> AsyncEngine:
    """The engine of a one-shot command (the CLI): SQLite through ``sqlite3`` in the calling
    thread, without SQLAlchemy's asyncio extension and aiosqlite (``one_shot``); PostgreSQL as
    :func:`create_engine`, with two connections."""
    if database_url.startswith("sqlite"):
        from ocpi_cpo.storage.sql.one_shot import one_shot_sqlite_engine

        return one_shot_sqlite_engine(database_url, _configure_sqlite)
    return create_engine(database_url, pool_size=2)


def command_engine(database_url: str) -> AsyncEngine:
    """As :func:`one_shot_engine`, but on SQLite the one engine (and connection) of the command
    running, kept until the command ends (``one_shot.command_sqlite_engine``); on PostgreSQL a
    new engine, which the caller disposes."""
    if database_url.startswith("sqlite"):
        from ocpi_cpo.storage.sql.one_shot import command_sqlite_engine

        return command_sqlite_engine(database_url, _configure_sqlite)
    return create_engine(database_url, pool_size=2)


def _sqlite_engine(database_url: str | URL, **pool: Any) -> AsyncEngine:
    from sqlalchemy.ext.asyncio import create_async_engine

    # Every transaction ends in an explicit COMMIT or ROLLBACK, so the pool's own rollback
    # on check-in is a wasted round trip to the SQLite thread.
    engine = create_async_engine(
        database_url, connect_args={"timeout": 30}, pool_reset_on_return=None, **pool
    )
    _configure_sqlite(engine.sync_engine)
    return engine


def _single_reads_engine(engine: AsyncEngine) -> AsyncEngine | None:
    """SQLite reads of one statement (callers, the Sender's page) get a few connections of their
    own. Each aiosqlite connection is a thread: 32 concurrent page requests spread over the main
    pool's 15 threads spent more CPU contending for the GIL than reading (measured in-process at
    32 concurrent requests: 0.9-1.5 ms of CPU per page against 0.35-0.45 with 4 connections).
    None for an in-memory database (it is one connection's own): the main engine serves these."""
    if _in_memory(engine.url):
        return None
    if engine.url.get_driver_name() == "pysqlite":  # a one-shot command's: one connection
        return None
    return _sqlite_engine(engine.url, pool_size=SINGLE_READS_POOL, max_overflow=0)


def _in_loop_engine(engine: AsyncEngine) -> AsyncEngine | None:
    """SQLite in a file: an engine whose connections run in the loop's thread, for read and
    write transactions. None for an in-memory database (one connection's own) and for a
    one-shot command's engine (already in the calling thread)."""
    if _in_memory(engine.url) or engine.url.get_driver_name() == "pysqlite":
        return None
    from ocpi_cpo.storage.sql.one_shot import in_loop_sqlite_engine

    return in_loop_sqlite_engine(
        engine.url.render_as_string(hide_password=False), _configure_sqlite, SQLITE_TIMEOUT
    )


def _in_memory(url: URL) -> bool:
    database = url.database
    return not database or database == ":memory:" or "mode=memory" in str(url)


def _configure_sqlite(engine: Engine, busy_timeout: float = SQLITE_TIMEOUT) -> None:
    """Each connection in WAL mode with explicit BEGIN; ``busy_timeout``: seconds SQLite's busy
    handler waits for another connection's write lock. 0 for the loop's own connections
    (``one_shot.in_loop_sqlite_engine``), which also leave the write-ahead log's checkpoints to
    :meth:`SqlStorage._checkpoint` in a thread: a commit that passes 1,000 pages of log copies
    them into the database and syncs it, tens to hundreds of milliseconds that the loop must
    not spend."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves, so writers take the lock up front (BEGIN IMMEDIATE) and
        # never fail half-way on a lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute(f"PRAGMA journal_size_limit={int(SQLITE_WAL_LIMIT)}")
        if not busy_timeout:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode is None:  # a read of one statement: SQLite's autocommit is its snapshot
            return
        connection.exec_driver_sql(f"BEGIN {mode}")


class Signal:
    """Wakes the in-process outbox worker when a transaction that queued messages commits."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self._event.clear()
        return True


def _add_once(callbacks: list[Callable[[], None]], callback: Callable[[], None]) -> None:
    if callback not in callbacks:
        callbacks.append(callback)


class SqlUnitOfWork:
    """One transaction's repositories. Partners and the outbox are made at once (nearly every
    unit of work uses them); the others on first use, importing their module then, so a CLI
    command loads only the repositories it uses (docs/architecture.md, "A fast CLI")."""

    def __init__(
        self,
        connection: AsyncConnection,
        signal: Signal | None = None,
        changes: Changes | None = None,
        totals: PageTotals | None = None,
    ) -> None:
        """``signal`` and ``changes`` for a write transaction: what it changes is announced."""
        self.connection = connection
        self._after_commit: list[Callable[[], None]] = []
        #: kinds of cached data this transaction changed (storage.sql.changes)
        self._changed: set[str] = set()
        self._credentials = self._announcer(changes, CREDENTIALS) if changes is not None else None
        self.partners = SqlPartnerRepository(connection, self._credentials)
        self._on_locations = self._announcer(changes, LOCATIONS) if changes is not None else None
        self._totals = totals
        # holds the list, not the unit of work (see _announcer)
        on_queue = None if signal is None else partial(_add_once, self._after_commit, signal.set)
        self.outbox = SqlOutboxRepository(connection, on_queue)

    @cached_property
    def locations(self) -> SqlLocationRepository:
        from ocpi_cpo.storage.sql.repositories.locations import SqlLocationRepository

        return SqlLocationRepository(self.connection, self._totals, self._on_locations)

    @cached_property
    def tokens(self) -> SqlTokenRepository:
        from ocpi_cpo.storage.sql.repositories.tokens import SqlTokenRepository

        return SqlTokenRepository(self.connection, self._credentials)

    @cached_property
    def client_info(self) -> SqlHubClientInfoRepository:
        from ocpi_cpo.storage.sql.repositories.client_info import SqlHubClientInfoRepository

        return SqlHubClientInfoRepository(self.connection)

    @cached_property
    def stations(self) -> SqlStationRepository:
        from ocpi_cpo.storage.sql.repositories.stations import SqlStationRepository

        return SqlStationRepository(self.connection)

    @cached_property
    def tariffs(self) -> SqlTariffRepository:
        from ocpi_cpo.storage.sql.repositories.tariffs import SqlTariffRepository

        return SqlTariffRepository(self.connection)

    @cached_property
    def partner_delivery(self) -> SqlPartnerDeliveryRepository:
        from ocpi_cpo.storage.sql.repositories.partner_delivery import SqlPartnerDeliveryRepository

        return SqlPartnerDeliveryRepository(self.connection)

    @cached_property
    def emsp_tokens(self) -> SqlEmspTokenRepository:
        from ocpi_cpo.storage.sql.repositories.emsp_tokens import SqlEmspTokenRepository

        return SqlEmspTokenRepository(self.connection)

    @cached_property
    def commands(self) -> SqlCommandRepository:
        from ocpi_cpo.storage.sql.repositories.commands import SqlCommandRepository

        return SqlCommandRepository(self.connection)

    @cached_property
    def sessions(self) -> SqlSessionRepository:
        from ocpi_cpo.storage.sql.repositories.sessions import SqlSessionRepository

        return SqlSessionRepository(self.connection)

    @cached_property
    def cdrs(self) -> SqlCdrRepository:
        from ocpi_cpo.storage.sql.repositories.sessions import SqlCdrRepository

        return SqlCdrRepository(self.connection)

    @cached_property
    def audit(self) -> SqlAuditRepository:
        from ocpi_cpo.storage.sql.repositories.audit import SqlAuditRepository

        return SqlAuditRepository(self.connection)

    @cached_property
    def leases(self) -> SqlLeaseRepository:
        from ocpi_cpo.storage.sql.repositories.leases import SqlLeaseRepository

        return SqlLeaseRepository(self.connection)

    @cached_property
    def station_calls(self) -> SqlStationCallRepository:
        from ocpi_cpo.storage.sql.repositories.station_calls import SqlStationCallRepository

        return SqlStationCallRepository(self.connection)

    @cached_property
    def console_users(self) -> SqlConsoleUserRepository:
        from ocpi_cpo.storage.sql.repositories.console_users import SqlConsoleUserRepository

        return SqlConsoleUserRepository(self.connection)

    @cached_property
    def console_sessions(self) -> SqlConsoleSessionRepository:
        from ocpi_cpo.storage.sql.repositories.console_sessions import (
            SqlConsoleSessionRepository,
        )

        return SqlConsoleSessionRepository(self.connection)

    @cached_property
    def sign_in_failures(self) -> SqlSignInFailureRepository:
        from ocpi_cpo.storage.sql.repositories.sign_in_failures import (
            SqlSignInFailureRepository,
        )

        return SqlSignInFailureRepository(self.connection)

    @cached_property
    def syncs(self) -> SqlSyncRepository:
        from ocpi_cpo.storage.sql.repositories.syncs import SqlSyncRepository

        return SqlSyncRepository(self.connection)

    def _announcer(self, changes: Changes, topic: str) -> Callable[[], None]:
        """The callback a repository calls when it changed ``topic``'s data. It holds this unit
        of work's set and list, not the unit of work: a callback held by a repository that
        held the unit of work would be a reference cycle, left for the garbage collector with
        the connection and everything else the transaction touched (about 50 objects a write,
        thousands a second at 10,000 stations; docs/performance.md, "Garbage")."""
        changed_topics, after_commit = self._changed, self._after_commit

        def changed() -> None:
            if topic not in changed_topics:
                changed_topics.add(topic)
                after_commit.append(lambda: changes.changed(topic))

        return changed

    def after_commit(self, callback: Callable[[], None]) -> None:
        _add_once(self._after_commit, callback)

    async def flush(self) -> None:
        """Write what repositories buffered (the outbox rows of ``add_many``) and announce the
        changes to cached data; before commit."""
        await self.outbox.flush()
        if self._changed:
            await announce(self.connection, self._changed)


_HEADS: list[frozenset[str]] = []


async def _applied(connection: AsyncConnection) -> frozenset[str]:
    """The migrations applied to the database (none when it was never migrated)."""
    await connection.exec_driver_sql("SELECT 1")
    try:
        async with connection.begin_nested() if connection.in_transaction() else connection.begin():
            rows = await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return frozenset(str(row[0]) for row in rows)
    except ProgrammingError:  # PostgreSQL: no such table
        return frozenset()
    except OperationalError as exc:  # SQLite: no such table; anything else is an outage
        if "no such table" in str(exc):
            return frozenset()
        raise


def _heads(read: Callable[[], frozenset[str]]) -> frozenset[str]:
    """This code's migration heads, read from the scripts once per process."""
    if not _HEADS:
        _HEADS.append(read())
    return _HEADS[0]


class SqlStorage:
    """The Storage Protocol on SQLAlchemy Core."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.outbox_signal = Signal()
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        #: SQLite in a file: transactions in the loop's thread (one_shot.in_loop_sqlite_engine)
        self._loop_engine = _in_loop_engine(engine) if self.is_sqlite else None
        #: what runs transaction() and read()
        self._transactions = self._loop_engine or engine
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpointed_at = 0.0
        #: SQLite: the task in a write transaction now (what a writer waits for, in diagnostics)
        self._writer: asyncio.Task[Any] | None = None
        # Reads without BEGIN/COMMIT: two fewer hops to SQLite's thread (docs/performance.md).
        self._reads_engine = _single_reads_engine(engine) if self.is_sqlite else None
        reads = self._reads_engine or engine
        # PostgreSQL: the same in autocommit, no BEGIN and COMMIT round trips around the read.
        self._single_reads = (
            reads.execution_options(sqlite_begin=None)
            if self.is_sqlite
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        #: versions of cached data, moved by commits here and anywhere (storage.sql.changes)
        self.changes = Changes(engine.url)
        #: the Locations Sender's page totals, kept a few seconds (repositories.locations)
        self.page_totals = PageTotals(version=lambda: self.changes.version(LOCATIONS))
        self.changes.on_change(LOCATIONS, lambda: self.page_totals.changed())

    @property
    def transactions_engine(self) -> Engine:
        """The synchronous core of the engine whose connections run :meth:`transaction` and
        :meth:`read` (SQLite in a file: the loop thread's own)."""
        return self._transactions.sync_engine

    @property
    def sync_engines(self) -> list[Engine]:
        """The synchronous core of each engine this storage runs statements on (the main one,
        SQLite's loop-thread engine and its single reads): what an instrument listens to for
        SQLAlchemy's events (statement counters in tests and benches)."""
        engines = [self.engine, self._loop_engine, self._reads_engine]
        return [found.sync_engine for found in engines if found is not None]

    @property
    def credentials_version(self) -> int:
        """Moves after each commit anywhere that changed tokens or partners (Storage protocol)."""
        return self.changes.version(CREDENTIALS)

    def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """PostgreSQL: call ``callback(payload)`` for each NOTIFY on ``channel`` (from
        :meth:`watch` on). SQLite has no notifications: callers also look periodically."""
        self.changes.listen(channel, callback)

    async def watch(self) -> None:
        """Follow other processes' changes (PostgreSQL: LISTEN, checked every second); a
        server calls it once at start. SQLite needs nothing: it looks per use."""
        await self.changes.start()

    async def problems(self, timeout: float = 2.0) -> dict[str, str]:
        """What keeps this storage from serving now, by check (empty: ready): the database
        answers within ``timeout``, its schema is at this code's migrations, other processes'
        changes are followed (GET /ready)."""
        from ocpi_cpo.storage.sql.migrate import head_revisions  # alembic: only when asked

        heads = _heads(head_revisions)
        found: dict[str, str] = {}
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                applied = await _applied(connection)
        except Exception as exc:
            found["database"] = f"not reachable ({type(exc).__name__})"
            return found
        if applied != heads:
            shown = "+".join(sorted(applied)) or "none"
            found["migrations"] = (
                f"database at {shown}, this version needs {'+'.join(sorted(heads))}"
            )
        if not self.watching:
            found["changes"] = "other instances' changes not followed (listener down)"
        return found

    @property
    def watching(self) -> bool:
        """Other processes' changes are followed (False while PostgreSQL's listener is down)."""
        return self.changes.healthy

    def is_transient(self, error: BaseException) -> bool:
        found: BaseException | None = error
        while found is not None:
            if isinstance(found, DBAPIError):
                code = getattr(found.orig, "sqlstate", None)
                if code in TRANSIENT_SQLSTATES:
                    return True
                if self.is_sqlite and "database is locked" in str(found.orig):
                    return True
            found = found.__cause__
        return False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlUnitOfWork]:
        async with self._one_writer(), self._transactions.connect() as connection:
            if self.is_sqlite:
                await connection.execution_options(sqlite_begin="IMMEDIATE")
            async with connection.begin():
                uow = SqlUnitOfWork(connection, self.outbox_signal, self.changes, self.page_totals)
                yield uow
                await uow.flush()
        if self._loop_engine is not None:
            self._checkpoint_soon()
        for callback in uow._after_commit:
            callback()

    def _checkpoint_soon(self) -> None:
        """After a commit of the loop's writer: SQLite's write-ahead log checkpointed (copied
        into the database) in a connection's thread, at most one at a time and one a second
        (``CHECKPOINT_EVERY``): the log's pages reach the database, and SQLite starts the log
        over once no reader still needs it (with readers always open, as at 10,000 stations,
        that is rare and the file stays large: docs/performance.md)."""
        if self._checkpointing is not None and not self._checkpointing.done():
            return
        now = time.monotonic()
        if now - self._checkpointed_at < CHECKPOINT_EVERY:
            return
        self._checkpointed_at = now
        self._checkpointing = asyncio.create_task(self._checkpoint(), name="sqlite checkpoint")

    async def _checkpoint(self) -> None:
        try:
            # on an autocommit connection of the single reads: no BEGIN around the checkpoint
            async with self._single_reads.connect() as connection:
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # the next commit tries again; a log line, not a failed change
            LOG.warning("SQLite checkpoint failed", exc_info=True)

    @asynccontextmanager
    async def _one_writer(self) -> AsyncIterator[None]:
        """SQLite: this process's write transactions take turns here, in arrival order.

        SQLite admits one writer; a second BEGIN IMMEDIATE from another connection waits in
        SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries: with
        statuses, the outbox worker's claims and its records in parallel, changes spent tens of
        milliseconds asleep (measured: p50 33 ms from a status to its PATCH being sent). Other
        processes (a CLI command, ``ocpi-cpo worker``) still meet the busy handler. Waiting longer
        than SQLite would (``timeout``) fails the same way: database is locked."""
        if self._write_lock is None:
            yield
            return
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for runs the acquire as its own
            # task and can swallow a cancellation that arrives as the lock is handed over.
            async with asyncio.timeout(SQLITE_TIMEOUT):
                await self._write_lock.acquire()
        except TimeoutError as exc:
            raise OperationalError(
                "BEGIN IMMEDIATE",
                None,
                sqlite3.OperationalError(f"database is locked; {self.write_holder()}"),
            ) from exc
        self._writer = asyncio.current_task()
        try:
            yield
        finally:
            self._writer = None
            self._write_lock.release()

    def write_holder(self) -> str:
        """SQLite: which task of this process is in a write transaction, and where it waits
        (for a log line when a writer waited too long); empty on PostgreSQL."""
        writer = self._writer
        if writer is None:
            return "no write transaction in this process" if self.is_sqlite else ""
        frames = writer.get_stack()
        where = " <- ".join(
            f"{f.f_code.co_name} ({f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_lineno})"
            for f in reversed(frames)
        )
        return f"write transaction held by task {writer.get_name()!r} at {where}"

    @asynccontextmanager
    async def read(self, *, snapshot: bool = True) -> AsyncIterator[SqlUnitOfWork]:
        if not snapshot and self._single_reads is not None:
            async with self._single_reads.connect() as connection:
                uow = SqlUnitOfWork(connection, totals=self.page_totals)
                yield uow
                await uow.flush()
            return
        async with self._transactions.connect() as connection, connection.begin():
            uow = SqlUnitOfWork(connection, totals=self.page_totals)
            yield uow
            await uow.flush()

    async def close(self) -> None:
        if self._checkpointing is not None:
            await self._checkpointing
        await self.changes.close()
        if self._reads_engine is not None:
            await self._reads_engine.dispose()
        if self._loop_engine is not None:
            await self._loop_engine.dispose()
        await self.engine.dispose()
