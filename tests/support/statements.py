"""The statements a storage sends to its database, as a test sees them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from ocpi_cpo.storage.sql.engine import SqlStorage


@contextmanager
def statements_sent(storage: SqlStorage) -> Iterator[list[str]]:
    """Every statement sent meanwhile through any of the storage's engines (SQLite: the loop's,
    the single reads' and the main one), whitespace collapsed."""
    sent: list[str] = []

    def seen(*args: Any) -> None:
        sent.append(" ".join(args[2].split()))

    engines = storage.sync_engines
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
