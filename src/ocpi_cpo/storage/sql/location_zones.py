"""The time zone of a stored location, for ``ocpi-cpo price`` without ``--time-zone``.

Read-only and tolerant: the locations feature owns the ``locations`` table, so this looks for it
and for a ``time_zone`` column (or a ``time_zone`` inside a stored wire ``document``) and answers
None when any of it is missing. It never creates or migrates a database.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, MetaData, Table, inspect, select

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

_ID_COLUMNS = ("location_id", "id")


def _lookup(connection: Connection, location_id: str) -> str | None:
    if "locations" not in inspect(connection).get_table_names():
        return None
    table = Table("locations", MetaData(), autoload_with=connection)
    columns = table.c
    id_column = next((columns[name] for name in _ID_COLUMNS if name in columns), None)
    if id_column is None:
        return None
    wanted: list[Any] = [
        c for c in (columns.get("time_zone"), columns.get("document")) if c is not None
    ]
    if not wanted:
        return None
    for row in connection.execute(select(*wanted).where(id_column == location_id)):
        zone = getattr(row, "time_zone", None)
        if zone:
            return str(zone)
        document = getattr(row, "document", None)
        if document:
            found = json.loads(document).get("time_zone")
            if found:
                return str(found)
    return None


async def location_time_zone(engine: AsyncEngine, location_id: str) -> str | None:
    """The IANA zone of the stored location ``location_id``, None when it is not known."""
    async with engine.connect() as connection:
        return await connection.run_sync(_lookup, location_id)
