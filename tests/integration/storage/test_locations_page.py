"""The Sender's page reads prebuilt SQL straight from the driver (storage.sql.driver,
repositories.location_pages): it must answer what a plain SQLAlchemy Core statement answers, on
SQLite and PostgreSQL, for every shape (owner or not, one or two visibilities, date_from and
date_to, many or few matches, offsets past the end, empty tables)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from ocpi_cpo.domain.locations import PARTNER_VISIBLE, LocationKey, LocationPage, Visibility
from ocpi_cpo.services.locations import row_of
from ocpi_cpo.storage.sql.driver import fetch_all
from ocpi_cpo.storage.sql.engine import SqlStorage
from ocpi_cpo.storage.sql.repositories import location_pages as pages
from ocpi_cpo.storage.sql.repositories import locations as repository
from ocpi_cpo.storage.sql.tables.locations import locations
from tests.support.locations import make_location

OWNERS = (None, ("FR", "AB1"), ("BE", "BEC"), ("DE", "XYZ"))


async def _stored(storage: SqlStorage) -> None:
    documents = [make_location(n, last_updated=f"2026-01-{n:02d}T00:00:00Z") for n in range(1, 8)]
    documents += [make_location(n, "BE*BEC") for n in range(1, 5)]
    documents += [make_location(n, publish=False) for n in range(20, 23)]
    async with storage.transaction() as uow:
        await uow.locations.add([row_of(LocationKey.of(d), d) for d in documents])


async def _expected(storage: SqlStorage, query: LocationPage) -> tuple[int, list[bytes]]:
    conditions: list[Any] = [
        locations.c.visibility.in_(sorted(v.value for v in query.visibilities))
    ]
    if query.owner is not None:
        conditions += [
            locations.c.country_code == query.owner[0],
            locations.c.party_id == query.owner[1],
        ]
    if query.date_from is not None:
        conditions.append(locations.c.last_updated >= query.date_from)
    if query.date_to is not None:
        conditions.append(locations.c.last_updated < query.date_to)
    async with storage.read() as uow:
        total = await uow.connection.scalar(
            select(func.count()).select_from(locations).where(*conditions)
        )
        rows = await uow.connection.execute(
            select(locations.c.document)
            .where(*conditions)
            .order_by(locations.c.id)
            .limit(query.limit)
            .offset(query.offset)
        )
        return int(total or 0), [row.document for row in rows]


DATES = [
    (None, None),
    (datetime(2026, 1, 3, tzinfo=UTC), None),  # inclusive: LOC3 on the dot
    (None, datetime(2026, 1, 3, tzinfo=UTC)),  # exclusive
    (datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 5, 12, tzinfo=UTC)),
    (datetime(2030, 1, 1, tzinfo=UTC), None),
]


@pytest.mark.parametrize("owner", OWNERS)
@pytest.mark.parametrize(
    "visibilities", [PARTNER_VISIBLE, frozenset({Visibility.PUBLIC}), frozenset(Visibility)]
)
@pytest.mark.parametrize("sort_limit", [2000, 0])  # few matches (ids sorted first) or many
async def test_the_driver_page_answers_what_core_answers(
    storage: SqlStorage,
    owner: tuple[str, str] | None,
    visibilities: frozenset[Visibility],
    sort_limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(repository, "_SORT_LIMIT", sort_limit)
    await _stored(storage)
    for date_from, date_to in DATES:
        for offset, limit in [(0, 5), (3, 5), (5, 100), (13, 2), (40, 10)]:
            query = LocationPage(visibilities, offset, limit, date_from, date_to, owner)
            expected = await _expected(storage, query)
            storage.page_totals.changed()  # counted afresh: the statement with the total
            async with storage.read(snapshot=False) as uow:
                assert await uow.locations.page(query) == expected, query
            async with storage.read(snapshot=False) as uow:  # the total kept: documents only
                assert await uow.locations.page(query) == expected, query
            async with storage.read() as uow:  # inside a transaction too
                assert await uow.locations.page(query) == expected, query


async def test_an_empty_table_counts_zero(storage: SqlStorage) -> None:
    query = LocationPage(PARTNER_VISIBLE, 0, 50, None, None, None)
    async with storage.read(snapshot=False) as uow:
        assert await uow.locations.page(query) == (0, [])


async def test_a_page_written_in_the_same_unit_of_work_is_seen(storage: SqlStorage) -> None:
    query = LocationPage(PARTNER_VISIBLE, 0, 50, None, None, None)
    async with storage.transaction() as uow:
        document = make_location(1)
        await uow.locations.add([row_of(LocationKey.of(document), document)])
        total, documents = await uow.locations.page(query)
    assert total == 1
    assert len(documents) == 1


async def test_driver_errors_are_sqlalchemys(storage: SqlStorage) -> None:
    """A failing statement raises what SQLAlchemy raises, so the API maps it as everywhere."""
    async with storage.read(snapshot=False) as uow:
        with pytest.raises(DBAPIError) as raised:
            await fetch_all(uow.connection, "SELECT nothing FROM no_such_table", [])
    assert "no_such_table" in str(raised.value)
    if storage.is_sqlite:
        assert isinstance(raised.value, OperationalError)  # the API answers 503 for these


def test_the_statements_placeholders_match_their_parameters() -> None:
    form = (True, 2, True, True, False)
    sql = pages.counted_sql(form, pages.OWNER)
    assert sql.count("?") == 2 * 5 + 2
    assert "+country_code" in sql and "+last_updated" not in sql
    sql = pages.walk_sql((False, 2, True, True, True), pages.NONE)
    assert "$8" in sql and "$9" not in sql and "+" not in sql
    assert pages.walk_sql(form, pages.OWNER) is pages.walk_sql(form, pages.OWNER)  # built once
