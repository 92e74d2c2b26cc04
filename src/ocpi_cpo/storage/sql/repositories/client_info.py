"""HubClientInfo: the parties behind a hub and their connection status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from ocpi_cpo.domain.partners import ClientInfo, ConnectionStatus
from ocpi_cpo.storage.sql.tables.partners import hub_client_info

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _to_info(row: Any) -> ClientInfo:
    return ClientInfo(
        country_code=row.country_code,
        party_id=row.party_id,
        role=row.role,
        status=ConnectionStatus(row.status),
        last_updated=row.last_updated,
    )


class SqlHubClientInfoRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def upsert(self, partner_id: int, info: ClientInfo) -> bool:
        table = hub_client_info
        key = (
            (table.c.partner_id == partner_id)
            & (table.c.country_code == info.country_code)
            & (table.c.party_id == info.party_id)
            & (table.c.role == info.role)
        )
        values = {"status": info.status.value, "last_updated": info.last_updated}
        result = await self._c.execute(update(table).where(key).values(**values))
        if result.rowcount:
            return False
        await self._c.execute(
            insert(table).values(
                partner_id=partner_id,
                country_code=info.country_code,
                party_id=info.party_id,
                role=info.role,
                **values,
            )
        )
        return True

    async def get(self, partner_id: int, country_code: str, party_id: str) -> ClientInfo | None:
        table = hub_client_info
        row = (
            await self._c.execute(
                select(table)
                .where(table.c.partner_id == partner_id)
                .where(table.c.country_code == country_code)
                .where(table.c.party_id == party_id)
            )
        ).first()
        return _to_info(row) if row else None

    async def all(self, partner_id: int) -> Sequence[ClientInfo]:
        table = hub_client_info
        rows = await self._c.execute(
            select(table)
            .where(table.c.partner_id == partner_id)
            .order_by(table.c.country_code, table.c.party_id, table.c.role)
        )
        return [_to_info(row) for row in rows]
