"""Partners: one row per OCPI connection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

from ocpi_cpo.domain.partners import (
    Direction,
    Endpoint,
    Partner,
    PartnerState,
    PartyRole,
)
from ocpi_cpo.storage.sql.tables.partners import partners

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _to_partner(row: Any) -> Partner:
    return Partner(
        id=row.id,
        name=row.name,
        profile_name=row.profile,
        state=PartnerState(row.state),
        direction=Direction(row.direction) if row.direction else None,
        versions_url=row.versions_url,
        version=row.version,
        endpoints=[Endpoint(**e) for e in row.endpoints or []],
        roles=[PartyRole(**r) for r in row.roles or []],
        outbound_token=row.outbound_token,
        created_at=row.created_at,
        registered_at=row.registered_at,
        last_seen_at=row.last_seen_at,
        operation=row.operation,
    )


class SqlPartnerRepository:
    def __init__(
        self, connection: AsyncConnection, on_change: Callable[[], None] | None = None
    ) -> None:
        self._c = connection
        # Every write but ``touch`` changes what a caller may do (caches of callers are dropped).
        self._on_change = on_change or (lambda: None)
        #: ``all()`` within this unit of work: a group commit of 50 status changes asked 50 times
        #: who receives Locations. Any write here drops it.
        self._all: list[Partner] | None = None

    def _changed(self) -> None:
        self._all = None
        self._on_change()

    async def create(
        self,
        name: str,
        profile: str,
        state: PartnerState,
        now: datetime,
        operation: str | None = None,
    ) -> Partner:
        self._changed()
        result = await self._c.execute(
            insert(partners)
            .values(
                name=name,
                profile=profile,
                state=state.value,
                endpoints=[],
                roles=[],
                created_at=now,
                operation=operation,
            )
            .returning(partners)
        )
        return _to_partner(result.one())

    async def get(self, partner_id: int, *, for_update: bool = False) -> Partner | None:
        """``for_update``: held to the commit (PostgreSQL), to decide on its current state."""
        statement = select(partners).where(partners.c.id == partner_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._c.execute(statement)).first()
        return _to_partner(row) if row else None

    async def get_by_name(self, name: str) -> Partner | None:
        row = (await self._c.execute(select(partners).where(partners.c.name == name))).first()
        return _to_partner(row) if row else None

    async def all(self) -> Sequence[Partner]:
        if self._all is None:
            rows = await self._c.execute(select(partners).order_by(partners.c.id))
            self._all = [_to_partner(row) for row in rows]
        return list(self._all)

    async def save_connection(
        self,
        partner_id: int,
        *,
        state: PartnerState,
        direction: Direction | None,
        versions_url: str | None,
        version: str | None,
        endpoints: list[Endpoint],
        roles: list[PartyRole],
        outbound_token: str | None,
        registered_at: datetime | None,
    ) -> None:
        self._changed()
        await self._c.execute(
            update(partners)
            .where(partners.c.id == partner_id)
            .values(
                state=state.value,
                direction=direction.value if direction else None,
                versions_url=versions_url,
                version=version,
                endpoints=[
                    {"identifier": e.identifier, "role": e.role, "url": e.url} for e in endpoints
                ],
                roles=[
                    {
                        "role": r.role,
                        "country_code": r.country_code,
                        "party_id": r.party_id,
                        "name": r.name,
                    }
                    for r in roles
                ],
                outbound_token=outbound_token,
                registered_at=registered_at,
            )
        )

    async def set_operation(self, partner_id: int, operation: str | None) -> None:
        self._changed()
        await self._c.execute(
            update(partners).where(partners.c.id == partner_id).values(operation=operation)
        )

    async def set_state(self, partner_id: int, state: PartnerState) -> None:
        self._changed()
        await self._c.execute(
            update(partners).where(partners.c.id == partner_id).values(state=state.value)
        )

    async def touch(self, partner_id: int, now: datetime) -> None:
        self._all = None
        await self._c.execute(
            update(partners).where(partners.c.id == partner_id).values(last_seen_at=now)
        )

    async def delete(self, partner_id: int) -> None:
        self._changed()
        await self._c.execute(delete(partners).where(partners.c.id == partner_id))
