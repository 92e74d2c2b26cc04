"""Tokens we issued, kept only as SHA-256 digests.

Our tokens are 256-bit random strings, so a plain SHA-256 is enough to make a stolen table useless
(no password stretching needed), and looking a token up by its digest compares digests, never the
token itself, so timing reveals nothing about it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select

from ocpi_cpo.domain.partners import TokenKind
from ocpi_cpo.storage.sql.tables.partners import credentials_tokens

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SqlTokenRepository:
    def __init__(
        self, connection: AsyncConnection, on_change: Callable[[], None] | None = None
    ) -> None:
        self._c = connection
        # Tells the storage that callers' credentials changed (caches of them are dropped).
        self._changed = on_change or (lambda: None)

    async def add(self, partner_id: int, kind: TokenKind, token: str, now: datetime) -> None:
        self._changed()
        await self._c.execute(
            insert(credentials_tokens).values(
                token_hash=token_digest(token),
                partner_id=partner_id,
                kind=kind.value,
                created_at=now,
            )
        )

    async def find(self, token: str) -> tuple[int, TokenKind] | None:
        digest = token_digest(token)
        row = (
            await self._c.execute(
                select(credentials_tokens).where(credentials_tokens.c.token_hash == digest)
            )
        ).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        return row.partner_id, TokenKind(row.kind)

    async def consume(self, token: str) -> bool:
        self._changed()
        result = await self._c.execute(
            delete(credentials_tokens).where(credentials_tokens.c.token_hash == token_digest(token))
        )
        return bool(result.rowcount)

    async def revoke_all(self, partner_id: int, kind: TokenKind | None = None) -> None:
        self._changed()
        statement = delete(credentials_tokens).where(credentials_tokens.c.partner_id == partner_id)
        if kind is not None:
            statement = statement.where(credentials_tokens.c.kind == kind.value)
        await self._c.execute(statement)
