"""Locations: wire JSON per Location plus one row per EVSE, written in bulk, read by index.

The Sender's page is one statement: the documents in creation order, with the caller's total as
a scalar subquery read from an index only (``ix_locations_last_updated``, ``ix_locations_owner``).
SQLite is kept walking the primary key (unary + on the filter columns): its planner would
otherwise sort every match of an owner or date filter. With a date filter SQLite counts first and
uses the ``last_updated`` index only when few rows match. PostgreSQL plans from its statistics.

Totals are kept a few seconds (``PageTotals``): a hub pulling every page asks the same count once
per page, and counting 100,000 rows costs more than the page itself (docs/performance.md). Whole
pages (total and documents) are kept the same way, under the same rules, up to a budget of bytes:
a page asked again before any Locations write reads nothing (on PostgreSQL a read was a pooled
connection, a round trip and about 0.3-0.5 ms of the server's CPU).

On PostgreSQL a bulk insert (an import of 1,000 Locations or more) ends with ``ANALYZE``: on a
fresh table without statistics the planner sorted every match of the page (15-25 ms for 10,000
Locations) instead of walking the primary key (0.05 ms), until autovacuum came by.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Dialect

from ocpi_cpo.domain.location_links import StoredEvse
from ocpi_cpo.domain.locations import (
    EvseRow,
    LocationKey,
    LocationPage,
    LocationRow,
    LocationSummary,
    OperationCounts,
    StoredLocation,
    Visibility,
)
from ocpi_cpo.storage.sql.driver import execute, fetch_all, placeholders
from ocpi_cpo.storage.sql.repositories import location_pages as pages
from ocpi_cpo.storage.sql.repositories.page_totals import PageTotals
from ocpi_cpo.storage.sql.tables.locations import location_evses, locations

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

_CHUNK = 500
#: above this many matches, SQLite walks the primary key rather than sorting the matches
_SORT_LIMIT = 2000
#: PostgreSQL: a bulk insert of at least this many Locations refreshes the planner's statistics
ANALYZE_AFTER = 1000
_STORED = (
    locations.c.id,
    locations.c.country_code,
    locations.c.party_id,
    locations.c.location_id,
    locations.c.visibility,
    locations.c.last_updated,
    locations.c.document,
)


#: The status path's statements, prebuilt (placeholders filled per dialect).
_BY_EVSE_UID = (
    "SELECT locations.id, locations.country_code, locations.party_id, locations.location_id,"
    " locations.visibility, locations.last_updated, locations.document"
    " FROM locations JOIN location_evses ON location_evses.location_pk = locations.id"
    " WHERE location_evses.uid = {mark} ORDER BY locations.id"
)
#: PostgreSQL: a read that precedes a write of the Location holds its row until the commit, so
#: two concurrent changes of one Location (different EVSEs) cannot overwrite each other's
#: document. SQLite needs none: its writers take the one write lock at BEGIN IMMEDIATE.
_LOCKED = " FOR UPDATE OF locations"
_SET_LOCATION = "UPDATE locations SET last_updated = {}, document = {} WHERE id = {}"
_SET_EVSE = (
    "UPDATE location_evses SET status = {}, last_updated = {} WHERE location_pk = {} AND uid = {}"
)


@functools.cache
def _datetime_reader(dialect: Dialect) -> Callable[[Any], datetime]:
    """A ``last_updated`` value as the column reads it back (aware UTC; never NULL)."""
    processor = locations.c.last_updated.type.dialect_impl(dialect).result_processor(dialect, None)

    def read(value: Any) -> datetime:
        result = processor(value) if processor is not None else value
        assert isinstance(result, datetime)
        return result

    return read


def _stored(row: Any) -> StoredLocation:
    return StoredLocation(
        pk=row.id,
        key=LocationKey(row.country_code, row.party_id, row.location_id),
        visibility=Visibility(row.visibility),
        last_updated=row.last_updated,
        document=row.document,
    )


def _evse_values(pk: int, evse: EvseRow) -> dict[str, Any]:
    return {
        "location_pk": pk,
        "uid": evse.uid,
        "evse_id": evse.evse_id,
        "status": evse.status,
        "last_updated": evse.last_updated,
    }


class SqlLocationRepository:
    def __init__(
        self,
        connection: AsyncConnection,
        totals: PageTotals | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._c = connection
        self._sqlite = connection.dialect.name == "sqlite"
        self._totals = totals or PageTotals(ttl=0)
        self._on_change = on_change
        self._wrote = False

    def _changed(self) -> None:
        # Page totals are dropped after the commit; until then this unit of work counts afresh.
        self._wrote = True
        if self._on_change is not None:
            self._on_change()

    def _locked(self, statement: Select[Any], for_update: bool) -> Select[Any]:
        """``statement`` holding its Location rows until the commit (PostgreSQL; see _LOCKED).
        Rows are locked in primary key order: two writers never wait for each other in a ring."""
        if not for_update or self._sqlite:
            return statement
        return statement.order_by(locations.c.id).with_for_update(of=locations)

    async def find(
        self, keys: Sequence[LocationKey], *, for_update: bool = False
    ) -> dict[LocationKey, StoredLocation]:
        found: dict[LocationKey, StoredLocation] = {}
        column = tuple_(locations.c.country_code, locations.c.party_id, locations.c.location_id)
        for start in range(0, len(keys), _CHUNK):
            chunk = [(k.country_code, k.party_id, k.id) for k in keys[start : start + _CHUNK]]
            statement = self._locked(select(*_STORED).where(column.in_(chunk)), for_update)
            rows = await self._c.execute(statement)
            for row in rows:
                stored = _stored(row)
                found[stored.key] = stored
        return found

    async def _pks(self, keys: Sequence[LocationKey]) -> list[int]:
        """The primary keys of these Locations, in the order of ``keys``."""
        found: dict[tuple[str, str, str], int] = {}
        column = tuple_(locations.c.country_code, locations.c.party_id, locations.c.location_id)
        wanted = [(k.country_code, k.party_id, k.id) for k in keys]
        for start in range(0, len(wanted), _CHUNK):
            statement = select(
                locations.c.id,
                locations.c.country_code,
                locations.c.party_id,
                locations.c.location_id,
            ).where(column.in_(wanted[start : start + _CHUNK]))
            for row in await self._c.execute(statement):
                found[(row.country_code, row.party_id, row.location_id)] = row.id
        return [found[key] for key in wanted]

    async def get(self, key: LocationKey, *, for_update: bool = False) -> StoredLocation | None:
        statement = select(*_STORED).where(
            locations.c.country_code == key.country_code,
            locations.c.party_id == key.party_id,
            locations.c.location_id == key.id,
        )
        row = (await self._c.execute(self._locked(statement, for_update))).first()
        return _stored(row) if row else None

    async def by_location_id(self, location_id: str) -> list[StoredLocation]:
        rows = await self._c.execute(
            select(*_STORED).where(locations.c.location_id == location_id).order_by(locations.c.id)
        )
        return [_stored(row) for row in rows]

    async def by_evse_uid(self, uid: str, *, for_update: bool = False) -> list[StoredLocation]:
        """Every status change starts here: one prebuilt statement, one hop (storage.sql.driver)."""
        if self._sqlite:
            sql = _BY_EVSE_UID.format(mark="?")
        else:
            sql = _BY_EVSE_UID.format(mark="$1") + (_LOCKED if for_update else "")
        rows = await fetch_all(self._c, sql, [uid])
        read = _datetime_reader(self._c.dialect)
        return [
            StoredLocation(
                pk=pk,
                key=LocationKey(country_code, party_id, location_id),
                visibility=Visibility(visibility),
                last_updated=read(last_updated),
                document=document,
            )
            for pk, country_code, party_id, location_id, visibility, last_updated, document in rows
        ]

    async def evse_statuses(self, uids: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for start in range(0, len(uids), _CHUNK):
            rows = await self._c.execute(
                select(location_evses.c.uid, location_evses.c.status).where(
                    location_evses.c.uid.in_(list(uids[start : start + _CHUNK]))
                )
            )
            for row in rows:
                found.setdefault(row.uid, []).append(row.status)
        return found

    async def evses_named(
        self, uids: Sequence[str], compact_ids: Sequence[str]
    ) -> list[StoredEvse]:
        """Stored EVSEs whose uid is in ``uids`` or whose evse_id, compared without ``*`` and
        case, is in ``compact_ids`` (the platform-wide uniqueness check of an import)."""
        columns = (
            location_evses.c.uid,
            location_evses.c.evse_id,
            locations.c.country_code,
            locations.c.party_id,
            locations.c.location_id,
        )
        joined = select(*columns).join(locations, location_evses.c.location_pk == locations.c.id)
        compact = func.upper(func.replace(location_evses.c.evse_id, "*", ""))
        found: dict[tuple[str, str, str, str], StoredEvse] = {}
        for column, values in ((location_evses.c.uid, uids), (compact, compact_ids)):
            for start in range(0, len(values), _CHUNK):
                rows = await self._c.execute(
                    joined.where(column.in_(list(values[start : start + _CHUNK])))
                )
                for row in rows:
                    key = LocationKey(row.country_code, row.party_id, row.location_id)
                    found[(key.country_code, key.party_id, key.id, row.uid)] = StoredEvse(
                        row.uid, row.evse_id, key
                    )
        return list(found.values())

    async def by_evse_id(self, evse_id: str) -> tuple[str, StoredLocation] | None:
        """(EVSE uid, its Location) for an eMI3 evse_id, written with or without ``*``."""
        compact = evse_id.replace("*", "").upper()
        row = (
            await self._c.execute(
                select(location_evses.c.uid, *_STORED)
                .join(locations, location_evses.c.location_pk == locations.c.id)
                .where(
                    (location_evses.c.evse_id == evse_id)
                    | (func.upper(func.replace(location_evses.c.evse_id, "*", "")) == compact)
                )
                .order_by(locations.c.id)
                .limit(1)
            )
        ).first()
        return (row.uid, _stored(row)) if row else None

    async def add(self, rows: Sequence[LocationRow]) -> None:
        """Insert new Locations and their EVSE rows, in bulk."""
        if not rows:
            return
        self._changed()
        values = [
            {
                "country_code": row.key.country_code,
                "party_id": row.key.party_id,
                "location_id": row.key.id,
                "visibility": row.visibility.value,
                "last_updated": row.last_updated,
                "document": row.document,
            }
            for row in rows
        ]
        if self._sqlite:
            # SQLite: RETURNING in parameter order is one INSERT per row in SQLAlchemy (no
            # sentinel it trusts), each a hop to SQLite's thread; one executemany, then the keys
            # read back, is one hop per 500 Locations (docs/performance.md, the import)
            await self._c.execute(insert(locations), values)
            pks = await self._pks([row.key for row in rows])
        else:
            statement = insert(locations).returning(locations.c.id, sort_by_parameter_order=True)
            pks = [pk for (pk,) in await self._c.execute(statement, values)]
        await self._add_evses(list(zip(pks, rows, strict=True)))
        if not self._sqlite and len(rows) >= ANALYZE_AFTER:
            # Seen by this transaction's own rows; the statistics are kept at its commit.
            await self._c.exec_driver_sql("ANALYZE locations, location_evses")

    async def replace(self, rows: Sequence[tuple[int, LocationRow]]) -> None:
        """Rewrite changed Locations (by primary key) and their EVSE rows, in bulk."""
        if not rows:
            return
        self._changed()
        await self._c.execute(
            update(locations)
            .where(locations.c.id == bindparam("pk"))
            .values(
                visibility=bindparam("visibility"),
                last_updated=bindparam("last_updated"),
                document=bindparam("document"),
            ),
            [
                {
                    "pk": pk,
                    "visibility": row.visibility.value,
                    "last_updated": row.last_updated,
                    "document": row.document,
                }
                for pk, row in rows
            ],
        )
        pks = [pk for pk, _ in rows]
        for start in range(0, len(pks), _CHUNK):
            chunk = pks[start : start + _CHUNK]
            await self._c.execute(
                delete(location_evses).where(location_evses.c.location_pk.in_(chunk))
            )
        await self._add_evses(list(rows))

    async def _add_evses(self, rows: list[tuple[int, LocationRow]]) -> None:
        values = [_evse_values(pk, evse) for pk, row in rows for evse in row.evses]
        if values:
            await self._c.execute(insert(location_evses), values)

    async def set_evse(
        self, pk: int, last_updated: datetime, document: bytes, evse: EvseRow
    ) -> None:
        """One EVSE changed (its status): the document, the Location's and the EVSE's row."""
        self._changed()  # last_updated moved: date_from totals change
        marks = placeholders(self._sqlite, 4)
        bind = pages.bind_datetime(self._c.dialect)
        await execute(
            self._c,
            _SET_LOCATION.format(*marks[:3]),
            [bind(last_updated), document, pk],
        )
        await execute(
            self._c,
            _SET_EVSE.format(*marks),
            [evse.status, bind(evse.last_updated), pk, evse.uid],
        )

    async def page(self, query: LocationPage) -> tuple[int, list[bytes]]:
        """(matches for this caller, the page's wire documents in creation order)."""
        key = (query.visibilities, query.owner, query.date_from, query.date_to)
        page_key = (*key, query.offset, query.limit)
        version = self._totals.version
        if not self._wrote:
            kept = self._totals.page(page_key)
            if kept is not None:
                return kept
        known = None if self._wrote else self._totals.get(key)
        if known is not None:
            documents = await self._documents(query, known)
            total = known
        else:
            total, documents = await self._counted_page(query)
            if not self._wrote:
                self._totals.put(key, version, total)
        if not self._wrote:
            self._totals.put_page(page_key, version, total, documents)
        return total, documents

    async def _counted_page(self, query: LocationPage) -> tuple[int, list[bytes]]:
        form = pages.shape(self._sqlite, query)
        filters = pages.filter_parameters(self._c.dialect, query)
        dated = query.date_from is not None or query.date_to is not None
        if not dated or not self._sqlite:
            # One statement: the total as a scalar subquery (by index), the page beside it.
            hide = pages.OWNER if self._sqlite else pages.NONE
            rows = await fetch_all(
                self._c,
                pages.counted_sql(form, hide),
                [*filters, *filters, query.limit, query.offset],
            )
            if rows:
                return int(rows[0][0]), [row[1] for row in rows]
        total = int((await fetch_all(self._c, pages.total_sql(form), filters))[0][0])
        return total, await self._documents(query, total)

    async def _documents(self, query: LocationPage, total: int) -> list[bytes]:
        """The page's documents, ``total`` matches known (it picks SQLite's plan)."""
        if total == 0 or query.offset >= total:
            return []
        form = pages.shape(self._sqlite, query)
        dated = query.date_from is not None or query.date_to is not None
        if not self._sqlite:
            sql = pages.walk_sql(form, pages.NONE)
        elif not dated:
            sql = pages.walk_sql(form, pages.OWNER)
        elif total > _SORT_LIMIT:
            # Many matches: walk the primary key, filtering as it goes.
            sql = pages.walk_sql(form, pages.OWNER_AND_DATE)
        else:
            # Few matches: sort their ids (from the index), then read the page's documents.
            sql = pages.sorted_ids_sql(form)
        parameters = [*pages.filter_parameters(self._c.dialect, query), query.limit, query.offset]
        return [row[0] for row in await fetch_all(self._c, sql, parameters)]

    async def after(
        self,
        visibilities: frozenset[Visibility],
        after_pk: int,
        limit: int,
        *,
        for_update: bool = False,
    ) -> list[StoredLocation]:
        """Locations in creation order after ``after_pk`` (keyset), for walks over all of them."""
        statement = (
            select(*_STORED)
            .where(
                locations.c.id > after_pk,
                locations.c.visibility.in_(sorted(v.value for v in visibilities)),
            )
            .order_by(locations.c.id)
            .limit(limit)
        )
        if for_update and not self._sqlite:
            statement = statement.with_for_update(of=locations)
        rows = await self._c.execute(statement)
        return [_stored(row) for row in rows]

    async def count(self) -> int:
        return int(
            (await self._c.execute(select(func.count()).select_from(locations))).scalar_one()
        )

    async def summaries(self, offset: int, limit: int) -> list[LocationSummary]:
        page = (
            select(locations.c.id, *_STORED[1:6])
            .order_by(locations.c.id)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        rows = await self._c.execute(
            select(page, location_evses.c.status, func.count(location_evses.c.uid).label("n"))
            .select_from(page.outerjoin(location_evses, location_evses.c.location_pk == page.c.id))
            .group_by(*page.c, location_evses.c.status)
            .order_by(page.c.id)
        )
        summaries: dict[int, LocationSummary] = {}
        for row in rows:
            summary = summaries.get(row.id)
            if summary is None:
                summary = summaries[row.id] = LocationSummary(
                    key=LocationKey(row.country_code, row.party_id, row.location_id),
                    visibility=Visibility(row.visibility),
                    last_updated=row.last_updated,
                    evses=0,
                    statuses={},
                )
            if row.status is not None:
                summary.statuses[row.status] = int(row.n)
        return [
            LocationSummary(
                s.key, s.visibility, s.last_updated, sum(s.statuses.values()), s.statuses
            )
            for s in summaries.values()
        ]

    async def operation_counts(self) -> list[OperationCounts]:
        owners = (
            await self._c.execute(
                select(locations.c.country_code, locations.c.party_id, func.count()).group_by(
                    locations.c.country_code, locations.c.party_id
                )
            )
        ).all()
        statuses = await self._c.execute(
            select(
                locations.c.country_code,
                locations.c.party_id,
                location_evses.c.status,
                func.count(),
            )
            .join(location_evses, location_evses.c.location_pk == locations.c.id)
            .group_by(locations.c.country_code, locations.c.party_id, location_evses.c.status)
        )
        per_owner: dict[tuple[str, str], dict[str, int]] = {}
        for cc, pid, status, n in statuses:
            per_owner.setdefault((cc, pid), {})[status] = int(n)
        return [
            OperationCounts(
                cc,
                pid,
                int(n),
                sum(per_owner.get((cc, pid), {}).values()),
                per_owner.get((cc, pid), {}),
            )
            for cc, pid, n in owners
        ]
