"""Each partner's delivery state (domain.delivery.PartnerDelivery), shared by every worker and
process through the database. The transition rule is ``domain.delivery.observe``; here it is
read, applied under a row lock (PostgreSQL ``FOR UPDATE``; SQLite has one writer) and stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from ocpi_cpo.domain.delivery import Backoff, Observation, PartnerDelivery, observe
from ocpi_cpo.storage.sql.tables.outbox import partner_delivery

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

_COLUMNS = (
    "down_since",
    "failures",
    "next_probe_at",
    "probe_message_id",
    "last_error",
    "up_at",
)


def _state(row: Any) -> PartnerDelivery:
    return PartnerDelivery(
        partner_id=row.partner_id,
        down_since=row.down_since,
        failures=row.failures,
        next_probe_at=row.next_probe_at,
        probe_message_id=row.probe_message_id,
        last_error=row.last_error,
        up_at=row.up_at,
    )


class SqlPartnerDeliveryRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        self._postgres = connection.dialect.name == "postgresql"

    async def all(self) -> dict[int, PartnerDelivery]:
        """Every partner with a stored state (a partner without one is available)."""
        rows = await self._c.execute(select(partner_delivery))
        return {row.partner_id: _state(row) for row in rows}

    async def observe(
        self,
        partner_id: int,
        seen: Sequence[Observation],
        backoff: Backoff,
        now: datetime,
    ) -> PartnerDelivery | None:
        """Apply what attempts said about the partner, in order; the new state when it changed
        (the caller wakes workers when the partner came back), else None."""
        # The database's own dialect only: importing the PostgreSQL dialect costs a SQLite
        # command about 130 million instructions (docs/performance.md, "The CLI"). Both dialects'
        # Insert take on_conflict_do_nothing alike (hence the ignore: two distinct classes).
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
        await self._c.execute(
            dialect_insert(partner_delivery)
            .values(partner_id=partner_id, failures=0)
            .on_conflict_do_nothing(index_elements=["partner_id"])
        )
        query = select(partner_delivery).where(partner_delivery.c.partner_id == partner_id)
        if self._postgres:
            query = query.with_for_update()
        before = _state((await self._c.execute(query)).one())
        state = before
        for observation in seen:
            state = observe(state, observation, backoff, now) or state
        if state == before:
            return None
        values = {name: getattr(state, name) for name in _COLUMNS}
        values["probe_until"] = None
        await self._c.execute(
            update(partner_delivery)
            .where(partner_delivery.c.partner_id == partner_id)
            .values(**values)
        )
        return state
