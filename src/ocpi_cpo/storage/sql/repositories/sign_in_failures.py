"""Failed console sign-ins per key digest (storage side of domain.sign_in_limits)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from ocpi_cpo.storage.sql.tables.sign_in_failures import sign_in_failures

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

_t = sign_in_failures.c


class SqlSignInFailureRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, key_digest: str, at: datetime) -> int:
        done = await self._c.execute(
            insert(sign_in_failures).values(key_digest=key_digest, at=at).returning(_t.id)
        )
        return int(done.scalar_one())

    async def since(
        self, key_digests: Collection[str], since: datetime, *, besides: Collection[int] = ()
    ) -> dict[str, list[datetime]]:
        """The failures of these keys at or after ``since``, but those numbered ``besides``."""
        query = select(_t.key_digest, _t.at).where(
            _t.key_digest.in_(list(key_digests)), _t.at >= since
        )
        if besides:
            query = query.where(_t.id.not_in(list(besides)))
        found: dict[str, list[datetime]] = {}
        for row in await self._c.execute(query):
            found.setdefault(row.key_digest, []).append(row.at)
        return found

    async def remove(self, ids: Collection[int]) -> None:
        if ids:
            await self._c.execute(delete(sign_in_failures).where(_t.id.in_(list(ids))))

    async def forget(self, key_digest: str) -> int:
        done = await self._c.execute(delete(sign_in_failures).where(_t.key_digest == key_digest))
        return int(done.rowcount)

    async def drop_before(self, before: datetime) -> int:
        done = await self._c.execute(delete(sign_in_failures).where(_t.at < before))
        return int(done.rowcount)
