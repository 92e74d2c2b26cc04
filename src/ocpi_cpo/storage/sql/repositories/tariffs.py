"""Tariffs: one row per description; the Sender reads the stored wire JSON as is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import and_, delete, exists, false, func, insert, or_, select, update

from ocpi_cpo.domain.tariffs import Party, Tariff, TariffKey, TariffPage
from ocpi_cpo.storage.sql.tables.tariffs import tariffs

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

_T = tariffs.c


def _to_tariff(row: Any) -> Tariff:
    content = orjson.loads(row.document)
    content.pop("last_updated", None)
    target = (
        Party(row.target_country_code, row.target_party_id) if row.target_country_code else None
    )
    return Tariff(
        key=TariffKey(row.country_code, row.party_id, row.tariff_id, target),
        type=row.type,
        currency=row.currency,
        start_date_time=row.start_date_time,
        end_date_time=row.end_date_time,
        content=content,
        last_updated=row.last_updated,
    )


def _key(key: TariffKey) -> Any:
    target = key.target or Party("", "")
    return and_(
        _T.country_code == key.country_code,
        _T.party_id == key.party_id,
        _T.tariff_id == key.id,
        _T.target_country_code == target.country_code,
        _T.target_party_id == target.party_id,
    )


def _targeted_at(table: Any, audience: frozenset[Party]) -> Any:
    if not audience:
        return false()
    return or_(
        *[
            and_(
                table.c.target_country_code == p.country_code, table.c.target_party_id == p.party_id
            )
            for p in sorted(audience)
        ]
    )


def _visible(audience: frozenset[Party] | None) -> Any:
    """Every description for a hub; for an eMSP its own, else the default one (per id)."""
    if audience is None:
        return None
    own = tariffs.alias("own")
    has_own = exists().where(
        own.c.country_code == _T.country_code,
        own.c.party_id == _T.party_id,
        own.c.tariff_id == _T.tariff_id,
        _targeted_at(own, audience),
    )
    return or_(_targeted_at(tariffs, audience), and_(_T.target_country_code == "", ~has_own))


class SqlTariffRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def get(self, key: TariffKey) -> Tariff | None:
        row = (await self._c.execute(select(tariffs).where(_key(key)))).first()
        return _to_tariff(row) if row else None

    async def descriptions(
        self, country_code: str, party_id: str, tariff_id: str, *, for_update: bool = False
    ) -> list[Tariff]:
        """Every description of one tariff id, the default one first; ``for_update`` as in
        :meth:`all`."""
        statement = (
            select(tariffs)
            .where(_T.country_code == country_code)
            .where(_T.party_id == party_id)
            .where(_T.tariff_id == tariff_id)
            .order_by(_T.target_country_code, _T.target_party_id)
        )
        if for_update:
            statement = statement.with_for_update()
        rows = await self._c.execute(statement)
        return [_to_tariff(row) for row in rows]

    async def put(self, tariff: Tariff, document: bytes) -> bool:
        """Store the description and its wire JSON; True when it was new."""
        values = {
            "type": tariff.type,
            "currency": tariff.currency,
            "start_date_time": tariff.start_date_time,
            "end_date_time": tariff.end_date_time,
            "last_updated": tariff.last_updated,
            "document": document,
        }
        result = await self._c.execute(update(tariffs).where(_key(tariff.key)).values(**values))
        if result.rowcount:
            return False
        target = tariff.key.target or Party("", "")
        await self._c.execute(
            insert(tariffs).values(
                country_code=tariff.key.country_code,
                party_id=tariff.key.party_id,
                tariff_id=tariff.key.id,
                target_country_code=target.country_code,
                target_party_id=target.party_id,
                **values,
            )
        )
        return True

    async def delete(self, key: TariffKey) -> bool:
        result = await self._c.execute(delete(tariffs).where(_key(key)))
        return bool(result.rowcount)

    async def all(
        self, owner: Party | None = None, *, for_update: bool = False
    ) -> Sequence[Tariff]:
        """Every description, oldest first; ``for_update``: held to the commit (PostgreSQL), so
        a change or removal of one waits for it (SQLite's one writer needs none: SQLAlchemy
        leaves the clause out there)."""
        statement = select(tariffs).order_by(_T.pk)
        if owner is not None:
            statement = statement.where(_T.country_code == owner.country_code).where(
                _T.party_id == owner.party_id
            )
        if for_update:
            statement = statement.with_for_update()
        return [_to_tariff(row) for row in await self._c.execute(statement)]

    async def page(self, query: TariffPage) -> tuple[int, list[bytes]]:
        """(matches for this audience, the page's wire JSON documents), oldest first."""
        conditions = []
        visible = _visible(query.audience)
        if visible is not None:
            conditions.append(visible)
        if query.date_from is not None:
            conditions.append(_T.last_updated >= query.date_from)
        if query.date_to is not None:
            conditions.append(_T.last_updated < query.date_to)
        if query.owner is not None:
            conditions.append(_T.country_code == query.owner.country_code)
            conditions.append(_T.party_id == query.owner.party_id)
        where = and_(*conditions) if conditions else None
        count = select(func.count()).select_from(tariffs)
        rows = select(_T.document).order_by(_T.pk).offset(query.offset).limit(query.limit)
        if where is not None:
            count = count.where(where)
            rows = rows.where(where)
        total = (await self._c.execute(count)).scalar_one()
        return total, [row.document for row in await self._c.execute(rows)]
