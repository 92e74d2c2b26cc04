"""Console users (storage side of domain.console_users)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from ocpi_cpo.domain.console_users import ConsoleUser, Role
from ocpi_cpo.storage.sql.tables.console_users import console_users

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _to_user(row: Any) -> ConsoleUser:
    return ConsoleUser(
        name=row.name,
        role=Role(row.role),
        password_hash=row.password_hash,
        created_at=row.created_at,
    )


class SqlConsoleUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, user: ConsoleUser) -> None:
        await self._c.execute(
            insert(console_users).values(
                name=user.name,
                role=user.role.value,
                password_hash=user.password_hash,
                created_at=user.created_at,
            )
        )

    async def get(self, name: str) -> ConsoleUser | None:
        found = await self._c.execute(select(console_users).where(console_users.c.name == name))
        row = found.first()
        return _to_user(row) if row is not None else None

    async def all(self) -> list[ConsoleUser]:
        found = await self._c.execute(select(console_users).order_by(console_users.c.name))
        return [_to_user(row) for row in found]

    async def remove(self, name: str) -> bool:
        done = await self._c.execute(delete(console_users).where(console_users.c.name == name))
        return bool(done.rowcount)
