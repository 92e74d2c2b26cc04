"""Console sessions (storage side of domain.console_users.ConsoleSession)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from ocpi_cpo.domain.console_users import ConsoleSession, Role
from ocpi_cpo.storage.sql.tables.console_sessions import console_sessions

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _to_session(row: Any) -> ConsoleSession:
    return ConsoleSession(
        digest=row.digest,
        name=row.name,
        role=Role(row.role),
        admin=bool(row.admin),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class SqlConsoleSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, session: ConsoleSession) -> None:
        await self._c.execute(
            insert(console_sessions).values(
                digest=session.digest,
                name=session.name,
                role=session.role.value,
                admin=session.admin,
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )

    async def get(self, digest: str) -> ConsoleSession | None:
        found = await self._c.execute(
            select(console_sessions).where(console_sessions.c.digest == digest)
        )
        row = found.first()
        return _to_session(row) if row is not None else None

    async def remove(self, digest: str) -> bool:
        done = await self._c.execute(
            delete(console_sessions).where(console_sessions.c.digest == digest)
        )
        return bool(done.rowcount)

    async def remove_user(self, name: str) -> int:
        done = await self._c.execute(
            delete(console_sessions).where(
                console_sessions.c.name == name, console_sessions.c.admin.is_(False)
            )
        )
        return int(done.rowcount)

    async def drop_expired(self, now: datetime) -> int:
        done = await self._c.execute(
            delete(console_sessions).where(console_sessions.c.expires_at <= now)
        )
        return int(done.rowcount)
