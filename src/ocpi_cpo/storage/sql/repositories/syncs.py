"""Partner syncs and reconciliations (domain.sync). A sync advances by compare-and-set on its
(phase, cursor), so two processes driving the same sync never queue the same batch twice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from ocpi_cpo.domain.delivery import MessageState
from ocpi_cpo.domain.sync import PartnerSync, Reconciliation, SyncProgress, SyncReason
from ocpi_cpo.storage.sql.tables.outbox import outbox
from ocpi_cpo.storage.sql.tables.syncs import partner_reconciliations, partner_syncs

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _sync(row: Any) -> PartnerSync:
    return PartnerSync(
        id=row.id,
        partner_id=row.partner_id,
        modules=tuple(row.modules.split(",")),
        reason=SyncReason(row.reason),
        requested_at=row.requested_at,
        phase=row.phase,
        cursor=row.cursor,
        queued=row.queued,
        queued_all_at=row.queued_all_at,
    )


def _reconciliation(row: Any) -> Reconciliation:
    return Reconciliation(
        row.partner_id, row.ran_at, row.checked, row.differences, row.repaired, row.problems
    )


class SqlSyncRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def create(
        self, partner_id: int, modules: tuple[str, ...], reason: SyncReason, now: datetime
    ) -> PartnerSync:
        values = {
            "partner_id": partner_id,
            "modules": ",".join(modules),
            "reason": reason.value,
            "requested_at": now,
            "phase": modules[0] if modules else None,
            "cursor": 0,
            "queued": 0,
            "queued_all_at": None if modules else now,
        }
        result = await self._c.execute(insert(partner_syncs).returning(*partner_syncs.c), values)
        return _sync(result.one())

    async def get(self, sync_id: int) -> PartnerSync | None:
        row = (
            await self._c.execute(select(partner_syncs).where(partner_syncs.c.id == sync_id))
        ).first()
        return _sync(row) if row else None

    async def unfinished(self) -> list[PartnerSync]:
        """Syncs with something left to queue, oldest first."""
        rows = await self._c.execute(
            select(partner_syncs)
            .where(partner_syncs.c.phase.is_not(None))
            .order_by(partner_syncs.c.id)
        )
        return [_sync(row) for row in rows]

    async def latest(self) -> dict[int, PartnerSync]:
        """Each partner's most recent sync."""
        newest = (
            select(func.max(partner_syncs.c.id)).group_by(partner_syncs.c.partner_id).subquery()
        )
        rows = await self._c.execute(
            select(partner_syncs).where(partner_syncs.c.id.in_(select(newest)))
        )
        return {row.partner_id: _sync(row) for row in rows}

    async def advance(
        self,
        sync: PartnerSync,
        phase: str | None,
        cursor: int,
        queued: int,
        now: datetime,
    ) -> bool:
        """Move ``sync`` from where it was read to (``phase``, ``cursor``), counting ``queued``
        more messages; False when another process moved it first (roll back then)."""
        result = await self._c.execute(
            update(partner_syncs)
            .where(partner_syncs.c.id == sync.id)
            .where(partner_syncs.c.phase == sync.phase)
            .where(partner_syncs.c.cursor == sync.cursor)
            .values(
                phase=phase,
                cursor=cursor,
                queued=partner_syncs.c.queued + queued,
                queued_all_at=now if phase is None else None,
            )
        )
        return bool(result.rowcount)

    async def progress(self, sync: PartnerSync) -> SyncProgress:
        rows = await self._c.execute(
            select(outbox.c.state, func.count())
            .where(outbox.c.sync_id == sync.id)
            .group_by(outbox.c.state)
        )
        counts = {MessageState(state): int(n) for state, n in rows}
        return SyncProgress(
            sync,
            pending=counts.get(MessageState.PENDING, 0),
            delivered=counts.get(MessageState.DELIVERED, 0),
            failed=counts.get(MessageState.DEAD, 0),
            replaced=counts.get(MessageState.SUPERSEDED, 0),
        )

    async def record_reconciliation(self, result: Reconciliation) -> None:
        await self._c.execute(
            partner_reconciliations.delete().where(
                partner_reconciliations.c.partner_id == result.partner_id
            )
        )
        await self._c.execute(
            insert(partner_reconciliations),
            {
                "partner_id": result.partner_id,
                "ran_at": result.ran_at,
                "checked": result.checked,
                "differences": result.differences,
                "repaired": result.repaired,
                "problems": result.problems,
            },
        )

    async def reconciliations(self) -> dict[int, Reconciliation]:
        rows = await self._c.execute(select(partner_reconciliations))
        return {row.partner_id: _reconciliation(row) for row in rows}
