"""SQLite for a one-shot command, without the async stack (docs/architecture.md, "A fast CLI").

A CLI command opens the database, runs one or two transactions and exits. Through
``create_async_engine`` and aiosqlite it first imports SQLAlchemy's asyncio extension (which
loads the ORM), aiosqlite and greenlet: about 150 ms of CPU here, a third of the 0.5 s an
everyday command may take, to run statements in a thread the command then waits for.

:class:`OneShotEngine` is SQLAlchemy's synchronous engine on the standard ``sqlite3`` driver,
wrapped in the part of the ``AsyncEngine`` / ``AsyncConnection`` interface that
:class:`~ocpi_cpo.storage.sql.engine.SqlStorage`, the repositories, the schema check and
Alembic's upgrade use (``connect``, ``begin``, ``execute``, ``exec_driver_sql``,
``execution_options``, ``run_sync``, ``get_raw_connection``, ``dispose``). Statements run in
the calling thread; everything else is SQLAlchemy's: the same statements, type processing and
error translation, the same connection set-up and explicit ``BEGIN`` (``engine._configure_sqlite``),
so a command writes exactly as ``serve`` does. PostgreSQL commands keep asyncpg.

``serve`` runs its SQLite transactions on the same engine, in the event loop's thread
(:func:`in_loop_sqlite_engine`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

if TYPE_CHECKING:
    from sqlalchemy import URL, CursorResult, Dialect, Executable
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")

#: connections the loop's engine keeps (transactions in flight at once, each task its own), all
#: kept open once made: SQLAlchemy's default (5 kept, more closed again when given back) opened
#: and closed a connection (and its PRAGMAs) 354 times while 3,000 sessions started at 10,000
#: stations, against 19 in a whole run with 15 (docs/performance.md, "10,000 stations on the AMD VM")
SQLITE_IN_LOOP_POOL = 15


class _Driver:
    """The raw connection's driver as ``storage.sql.driver`` reads it (aiosqlite's one call)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        cursor = self._connection.execute(sql, tuple(parameters))
        try:
            return cursor.fetchall()
        finally:
            cursor.close()


class _RawConnection:
    def __init__(self, driver_connection: sqlite3.Connection) -> None:
        self.driver_connection = _Driver(driver_connection)


def _locked(error: OperationalError) -> bool:
    """SQLite said another connection holds the write lock (SQLITE_BUSY)."""
    return getattr(error.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


class _Transaction:
    """``async with connection.begin():`` over a synchronous transaction.

    ``busy_wait``: seconds for which a BEGIN refused because another process holds SQLite's
    write lock is tried again, after an ``asyncio.sleep`` (1 ms, doubling up to 50 ms), so
    that the event loop goes on meanwhile (:func:`in_loop_sqlite_engine`); 0: the refusal is
    raised at once."""

    def __init__(self, begin: Callable[[], Any], busy_wait: float = 0.0) -> None:
        self._begin = begin
        self._busy_wait = busy_wait
        self._transaction: Any = None

    async def __aenter__(self) -> _Transaction:
        delay, deadline = 0.001, None
        while True:
            try:
                self._transaction = self._begin()
                break
            except OperationalError as error:
                if not self._busy_wait or not _locked(error):
                    raise
                now = asyncio.get_running_loop().time()
                deadline = deadline or now + self._busy_wait
                if now >= deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
        self._transaction.__enter__()
        return self

    async def __aexit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self._transaction.__exit__(kind, value, traceback)


class OneShotConnection:
    """An ``AsyncConnection`` look-alike over a synchronous SQLAlchemy connection."""

    def __init__(self, connection: Connection, busy_wait: float = 0.0) -> None:
        self.sync_connection = connection
        self.dialect: Dialect = connection.dialect
        self._busy_wait = busy_wait

    async def execute(
        self, statement: Executable, parameters: Any = None, **kw: Any
    ) -> CursorResult[Any]:
        return self.sync_connection.execute(statement, parameters, **kw)

    async def scalar(self, statement: Executable, parameters: Any = None, **kw: Any) -> Any:
        return self.sync_connection.scalar(statement, parameters, **kw)

    async def exec_driver_sql(
        self, statement: str, parameters: Any = None, **kw: Any
    ) -> CursorResult[Any]:
        return self.sync_connection.exec_driver_sql(statement, parameters, **kw)

    async def execution_options(self, **options: Any) -> OneShotConnection:
        self.sync_connection.execution_options(**options)
        return self

    def get_execution_options(self) -> Any:
        return self.sync_connection.get_execution_options()

    def begin(self) -> _Transaction:
        return _Transaction(self.sync_connection.begin, self._busy_wait)

    def begin_nested(self) -> _Transaction:
        return _Transaction(self.sync_connection.begin_nested)

    def in_transaction(self) -> bool:
        return self.sync_connection.in_transaction()

    async def commit(self) -> None:
        self.sync_connection.commit()

    async def rollback(self) -> None:
        self.sync_connection.rollback()

    async def run_sync(self, function: Callable[..., T], *args: Any, **kw: Any) -> T:
        return function(self.sync_connection, *args, **kw)

    async def get_raw_connection(self) -> _RawConnection:
        driver: Any = self.sync_connection.connection.driver_connection
        return _RawConnection(driver)

    async def close(self) -> None:
        self.sync_connection.close()


class OneShotEngine:
    """An ``AsyncEngine`` look-alike over SQLAlchemy's synchronous SQLite engine.

    ``shared``: the engine of the whole command (:func:`command_sqlite_engine`), whose
    ``dispose`` leaves its connection open for the command's next transaction;
    :func:`close_command_engines` closes it when the command ends."""

    def __init__(self, engine: Engine, *, shared: bool = False, busy_wait: float = 0.0) -> None:
        self.sync_engine = engine
        self.dialect: Dialect = engine.dialect
        self.url: URL = engine.url
        self.shared = shared
        self.busy_wait = busy_wait

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[OneShotConnection]:
        with self.sync_engine.connect() as connection:
            yield OneShotConnection(connection, self.busy_wait)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[OneShotConnection]:
        """A connection in a transaction, committed when the block ends (rolled back on an
        exception); its BEGIN waits for another process's write lock as ``connect``'s does."""
        async with self.connect() as connection, connection.begin():
            yield connection

    def execution_options(self, **options: Any) -> OneShotEngine:
        return OneShotEngine(
            self.sync_engine.execution_options(**options),
            shared=self.shared,
            busy_wait=self.busy_wait,
        )

    async def dispose(self) -> None:
        if not self.shared:
            self.sync_engine.dispose()


def one_shot_sqlite_engine(database_url: str, configure: Callable[[Engine], None]) -> AsyncEngine:
    """The SQLite database of ``database_url`` (``sqlite+aiosqlite:///...`` as in the settings)
    through ``sqlite3`` in this thread; ``configure`` installs the connection and BEGIN hooks.
    Typed as the ``AsyncEngine`` it stands in for (the subset above)."""
    wrapped: Any = OneShotEngine(_sqlite_engine(database_url, configure))
    return wrapped  # type: ignore[no-any-return]


def in_loop_sqlite_engine(
    database_url: str, configure: Callable[[Engine, float], None], busy_wait: float
) -> AsyncEngine:
    """``serve``'s SQLite transactions, read and write, run in the event loop's thread
    (``SqlStorage.transaction`` and ``read``; docs/performance.md, "SQLite in the loop's
    thread"). Reads of one statement (the Sender's page) keep aiosqlite's threads.

    Through aiosqlite each statement was a hop to the connection's thread and back: the loop
    handed it over, the thread waited for the GIL, and the result waited for a turn of a loop
    busy with thousands of websockets, several milliseconds a statement at 10,000 stations,
    while the transaction held SQLite's one writer. Here a statement costs what SQLite takes
    (tens of microseconds for the writes of a station message). The loop never sleeps in
    SQLite's busy handler: the connections do not wait for a lock (``busy_timeout`` 0), and a
    BEGIN refused because another process (a CLI command, ``ocpi-cpo worker``) holds the write
    lock is tried again after an ``asyncio.sleep``, for up to ``busy_wait`` seconds, as SQLite
    would have waited. In WAL mode nothing else of a transaction that began waits for a lock.

    ``SQLITE_IN_LOOP_POOL`` connections are kept: read transactions run side by side, each
    task on its own, write transactions take turns (``SqlStorage._one_writer``)."""
    url = make_url(database_url).set(drivername="sqlite+pysqlite")
    engine = create_engine(
        url,
        connect_args={"timeout": 0},
        pool_reset_on_return=None,
        poolclass=QueuePool,
        pool_size=SQLITE_IN_LOOP_POOL,
        max_overflow=-1,  # never a wait in the loop's thread for a connection
    )
    configure(engine, 0.0)
    wrapped: Any = OneShotEngine(engine, busy_wait=busy_wait)
    return wrapped  # type: ignore[no-any-return]


def _sqlite_engine(database_url: str, configure: Callable[[Engine], None]) -> Engine:
    url = make_url(database_url).set(drivername="sqlite+pysqlite")
    # Every transaction ends in an explicit COMMIT or ROLLBACK (as the async engine).
    engine = create_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)
    configure(engine)
    return engine


#: the engine of the command running, by database URL (:func:`command_sqlite_engine`)
_command_engines: dict[str, OneShotEngine] = {}


def command_sqlite_engine(database_url: str, configure: Callable[[Engine], None]) -> AsyncEngine:
    """As :func:`one_shot_sqlite_engine`, one for the whole command: its schema check, its
    transactions and its audit entry run on one ``sqlite3`` connection. Each connection closed
    last checkpoints SQLite's write-ahead log into the database and removes it, with two
    fsyncs, and the next write creates the log again with two more: per connection, not per
    command. The command's ``dispose`` calls leave it open; :func:`close_command_engines` (run
    when the command ends, ``cli/main.LazyGroup.invoke``) closes it."""
    engine = _command_engines.get(database_url)
    if engine is None:
        engine = OneShotEngine(_sqlite_engine(database_url, configure), shared=True)
        _command_engines[database_url] = engine
    wrapped: Any = engine
    return wrapped  # type: ignore[no-any-return]


def close_command_engines() -> None:
    """Close the engines :func:`command_sqlite_engine` opened (the command has ended)."""
    while _command_engines:
        _url, engine = _command_engines.popitem()
        engine.sync_engine.dispose()
