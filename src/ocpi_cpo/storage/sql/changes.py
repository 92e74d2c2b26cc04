"""Caches that commits anywhere invalidate: no cache outlives a revocation (issue 18, point 3).

Two kinds of data are cached in a running server: callers by token (``credentials``:
ocpi.callers) and the Sender's page totals (``locations``: repositories.locations). A commit that
changes one of them bumps its counter in ``change_versions`` in the same transaction (PostgreSQL
also sends ``NOTIFY ocpi_cpo_changes, '<kind>'``; it leaves the hot ``locations`` row alone and
only notifies, so concurrent status changes do not queue on one row). Every process then sees
the change before it trusts its cache again:

* SQLite: before each use of a cache, ``PRAGMA data_version`` on a connection of our own tells
  whether anyone committed since the last look (a few microseconds, no thread hop); only then
  are the counters read. A CLI command's revocation is refused from the server's next request.
* PostgreSQL: a connection of our own LISTENs; a notification drops the cache at once. Every
  ``CHECK_EVERY`` seconds (1 s) that connection reads the counters, which catches a notification
  lost, and proves the connection alive. While it is down (dropped, database away) nothing is
  trusted: every request reads credentials from the database (and fails with it: 503), and it
  is reconnected every ``CHECK_EVERY`` seconds, all caches dropped once it is back.

Commits through this process's own storage drop its caches at once, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import URL

from ocpi_cpo.storage.sql.driver import execute

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger("ocpi_cpo.storage.changes")

CHANNEL = "ocpi_cpo_changes"
CREDENTIALS = "credentials"
LOCATIONS = "locations"
TOPICS = (CREDENTIALS, LOCATIONS)
#: seconds between two checks of the PostgreSQL listener (and reconnection tries)
CHECK_EVERY = 1.0
_READ = "SELECT name, version FROM change_versions"
_BUMP = "UPDATE change_versions SET version = version + 1 WHERE name = '{}'"


async def announce(connection: AsyncConnection, topics: Iterable[str]) -> None:
    """In the committing transaction: tell every process that ``topics`` changed."""
    postgres = connection.dialect.name == "postgresql"
    for topic in sorted(set(topics)):
        if not (postgres and topic == LOCATIONS):
            await execute(connection, _BUMP.format(topic), [])
        if postgres:
            await connection.exec_driver_sql(f"NOTIFY {CHANNEL}, '{topic}'")


class Changes:
    """Local versions of each cached kind of data; they move when anyone changes that data."""

    def __init__(self, url: URL) -> None:
        self._url = url
        self._sqlite = url.get_backend_name() == "sqlite"
        self._versions = dict.fromkeys(TOPICS, 0)
        self._seen: dict[str, int] = {}
        self._listeners: dict[str, list[Callable[[], None]]] = {t: [] for t in TOPICS}
        #: other channels the listener connection follows (payload to callback)
        self._channels: dict[str, Callable[[str], None]] = {}
        self._distrust = itertools.count(1 << 62)
        self._sqlite_connection: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._pg: Any = None
        self._adding: asyncio.Future[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        #: PostgreSQL: the listener is up and checked; SQLite: always
        self.healthy = self._sqlite

    # -- what caches ask ----------------------------------------------------------------------

    def version(self, topic: str) -> int:
        """The version a cache entry of ``topic`` must have been read at to be used. While
        changes cannot be followed (PostgreSQL listener down), a new number every time."""
        if self._sqlite:
            self._poll_sqlite()
        elif not self.healthy:
            return next(self._distrust)
        return self._versions[topic]

    def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """PostgreSQL: also follow ``channel`` on the listener connection (from its next
        connection on; :meth:`start` connects). SQLite: nothing to follow."""
        self._channels[channel] = callback
        if self._pg is not None and not self._pg.is_closed():
            self._adding = asyncio.ensure_future(
                self._pg.add_listener(channel, _payload_to(callback))
            )

    def on_change(self, topic: str, callback: Callable[[], None]) -> None:
        self._listeners[topic].append(callback)

    def changed(self, topic: str) -> None:
        """``topic`` changed (a commit here, or anywhere as we learnt)."""
        self._versions[topic] += 1
        for callback in self._listeners[topic]:
            callback()

    # -- SQLite ---------------------------------------------------------------------------------

    def _poll_sqlite(self) -> None:
        database = self._url.database
        if not database or database == ":memory:" or "mode=memory" in str(self._url):
            return  # one connection's own database: no other process can change it
        try:
            if self._sqlite_connection is None:
                self._sqlite_connection = sqlite3.connect(
                    database, isolation_level=None, check_same_thread=False, timeout=5
                )
            cursor = self._sqlite_connection.execute("PRAGMA data_version")
            data_version = int(cursor.fetchone()[0])
            if data_version == self._data_version:
                return
            self._data_version = data_version
            self._compare(self._sqlite_connection.execute(_READ).fetchall())
        except sqlite3.Error as exc:
            log.warning("could not read change versions (%s): caches dropped", exc)
            self._data_version = None
            for topic in TOPICS:
                self.changed(topic)

    def _compare(self, rows: Iterable[tuple[Any, Any]]) -> None:
        for name, version in rows:
            if name in self._versions and self._seen.get(name) != int(version):
                if name in self._seen:
                    self.changed(name)
                self._seen[name] = int(version)

    # -- PostgreSQL -----------------------------------------------------------------------------

    async def start(self) -> None:
        """PostgreSQL: LISTEN and check every ``CHECK_EVERY`` seconds (until :meth:`close`)."""
        if self._sqlite or self._task is not None:
            return
        await self._check()
        self._task = asyncio.create_task(self._check_forever(), name="change listener")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._drop_pg()
        if self._sqlite_connection is not None:
            self._sqlite_connection.close()
            self._sqlite_connection = None

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            await self._check()

    async def _check(self) -> None:
        try:
            if self._pg is None or self._pg.is_closed():
                await self._connect()
            rows = await asyncio.wait_for(self._pg.fetch(_READ), CHECK_EVERY * 2)
        except (OSError, TimeoutError, Exception) as exc:
            if self.healthy:
                log.warning("change listener lost (%s): caches not trusted until it is back", exc)
            self.healthy = False
            await self._drop_pg()
            return
        self._compare((row["name"], row["version"]) for row in rows)
        if not self.healthy:
            # Back: whatever was notified meanwhile is lost; drop every cache once.
            self.healthy = True
            for topic in TOPICS:
                self.changed(topic)
            log.info("change listener up")

    async def _connect(self) -> None:

        await self._drop_pg()
        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        channels: dict[str, Callable[..., None]] = {CHANNEL: self._notified}
        channels.update((c, _payload_to(callback)) for c, callback in self._channels.items())
        connection = await listening(dsn, channels, timeout=CHECK_EVERY * 3)
        connection.add_termination_listener(self._terminated)
        self._pg = connection

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload in self._versions:
            self.changed(payload)

    def _terminated(self, _connection: Any) -> None:
        self.healthy = False

    async def _drop_pg(self) -> None:
        if self._pg is not None:
            connection, self._pg = self._pg, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 2)


async def listening(
    dsn: str, channels: Mapping[str, Callable[..., None]], *, timeout: float = 60.0
) -> Any:
    """An asyncpg connection that LISTENs on each of ``channels`` (callbacks as asyncpg calls
    them). Stopped or failing between the connect and the last LISTEN (a cancelled start-up, a
    reconnect while closing), the connection is closed here: left to the garbage collector, it
    stayed open and surfaced as a ResourceWarning somewhere else."""
    import asyncpg

    connection = await asyncpg.connect(dsn, timeout=timeout)
    try:
        for channel, callback in channels.items():
            await connection.add_listener(channel, callback)
    except BaseException:
        connection.terminate()
        raise
    return connection


def _payload_to(callback: Callable[[str], None]) -> Callable[[Any, int, str, str], None]:
    def notified(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        callback(payload)

    return notified
