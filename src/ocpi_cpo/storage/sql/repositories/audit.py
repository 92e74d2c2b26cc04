"""The audit log: entries are added and read, never changed (domain.audit)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import insert, select

from ocpi_cpo.domain.audit import Actor, ActorKind, AuditEntry
from ocpi_cpo.storage.sql.tables.audit import audit_log

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _dump(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, default=str).decode()


def _load(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


class SqlAuditRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, entry: AuditEntry) -> int:
        result = await self._c.execute(
            insert(audit_log)
            .values(
                at=entry.at,
                actor_kind=entry.actor.kind.value,
                actor=entry.actor.name,
                action=entry.action,
                object=entry.object,
                before=_dump(entry.before),
                after=_dump(entry.after),
            )
            .returning(audit_log.c.id)
        )
        return int(result.scalar_one())

    async def since(self, at: datetime | None, limit: int) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id).limit(limit)
        if at is not None:
            query = query.where(audit_log.c.at >= at)
        rows = (await self._c.execute(query)).all()
        return [
            AuditEntry(
                at=row.at,
                actor=Actor(ActorKind(row.actor_kind), row.actor),
                action=row.action,
                object=row.object,
                before=_load(row.before),
                after=_load(row.after),
                id=row.id,
            )
            for row in rows
        ]
