"""Prebuilt statements sent straight to the driver, for the few statements on hot paths (the
Sender's page, a status change).

Measured on the Locations page (docs/performance.md): through SQLAlchemy's aiosqlite adapter one
SELECT is three or four hops to SQLite's thread (cursor, execute, fetchall, close) plus result
processing, 0.46 ms with ``exec_driver_sql`` and 0.68 ms as a Core ``select``; aiosqlite's own
``execute_fetchall`` is one hop, 0.17 ms. Statements here are plain SQL strings built once per
shape; parameters are always bound, never formatted into the SQL.

Errors are translated as SQLAlchemy does (``sqlalchemy.exc.OperationalError`` and its siblings),
so the API answers a locked or missing database exactly as on any other path. On PostgreSQL the
statement goes through ``exec_driver_sql`` (``$1`` placeholders; SQLAlchemy's error translation).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from ocpi_cpo.storage.sql.types import UtcDateTime

if TYPE_CHECKING:
    from sqlalchemy import Dialect
    from sqlalchemy.ext.asyncio import AsyncConnection

_CLOSED = ("no active connection", "connection closed")


def placeholders(sqlite: bool, count: int, start: int = 1) -> list[str]:
    """``?`` for SQLite, ``$n`` (numbered from ``start``) for PostgreSQL."""
    if sqlite:
        return ["?"] * count
    return [f"${n}" for n in range(start, start + count)]


def datetime_binder(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """How a ``UtcDateTime`` column binds a value (SQLite keeps UTC as text; None stays None)."""
    processor = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)


def datetime_reader(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """A ``UtcDateTime`` column's value as SQLAlchemy would read it back (aware UTC, or None)."""
    processor = UtcDateTime().dialect_impl(dialect).result_processor(dialect, None)
    return processor if processor is not None else (lambda value: value)


async def execute(connection: AsyncConnection, sql: str, parameters: Sequence[Any]) -> None:
    """One prebuilt statement that returns no rows (an UPDATE on the hot path)."""
    if connection.dialect.name != "sqlite":
        await connection.exec_driver_sql(sql, tuple(parameters))
        return
    await fetch_all(connection, sql, parameters)


async def fetch_all(
    connection: AsyncConnection, sql: str, parameters: Sequence[Any]
) -> list[Sequence[Any]]:
    """Every row of one prebuilt statement, as tuples."""
    if connection.dialect.name != "sqlite":
        return list(await connection.exec_driver_sql(sql, tuple(parameters)))
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        return list(await driver.execute_fetchall(sql, parameters))
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, parameters, error, sqlite3.Error) from error
    except ValueError as error:
        # aiosqlite's words for a closed connection; SQLAlchemy makes them an OperationalError.
        if str(error).lower() not in _CLOSED:
            raise
        lost = sqlite3.OperationalError(str(error))
        raise DBAPIError.instance(sql, parameters, lost, sqlite3.Error) from error
