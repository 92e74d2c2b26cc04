"""Commands and their one result: the PENDING -> DONE step is one conditional UPDATE, so of two
racing finishers (the station's answer, the timeout, the overdue sweep) exactly one wins."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from ocpi_cpo.domain.commands import CommandName, CommandState, NewCommand, StoredCommand
from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.stations import CommandOutcome
from ocpi_cpo.storage.sql.tables.commands import commands

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _command(row: Any) -> StoredCommand:
    return StoredCommand(
        id=row.id,
        partner_id=row.partner_id,
        name=CommandName(row.name),
        state=CommandState(row.state),
        response_url=row.response_url,
        routing=Routing(
            row.from_country_code, row.from_party_id, row.to_country_code, row.to_party_id
        ),
        created_at=row.created_at,
        deadline=row.deadline,
        location_id=row.location_id,
        evse_uid=row.evse_uid,
        connector_id=row.connector_id,
        session_id=row.session_id,
        reservation_id=row.reservation_id,
        uid=row.uid,
        token_type=row.token_type,
        authorization_reference=row.authorization_reference,
        station_id=row.station_id,
        transaction_id=row.transaction_id,
        station_reservation_id=row.station_reservation_id,
        result=CommandOutcome(row.result) if row.result else None,
        message=row.message,
        finished_at=row.finished_at,
        late_result=CommandOutcome(row.late_result) if row.late_result else None,
    )


class SqlCommandRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, command: NewCommand) -> int:
        routing = command.routing
        result = await self._c.execute(
            insert(commands)
            .values(
                partner_id=command.partner_id,
                name=command.name.value,
                state=CommandState.PENDING.value,
                response_url=command.response_url,
                from_country_code=routing.from_country_code,
                from_party_id=routing.from_party_id,
                to_country_code=routing.to_country_code,
                to_party_id=routing.to_party_id,
                created_at=command.created_at,
                deadline=command.deadline,
                location_id=command.location_id,
                evse_uid=command.evse_uid,
                connector_id=command.connector_id,
                session_id=command.session_id,
                reservation_id=command.reservation_id,
                uid=command.uid,
                token_type=command.token_type,
                authorization_reference=command.authorization_reference,
                station_id=command.station_id,
                transaction_id=command.transaction_id,
                document=command.document,
            )
            .returning(commands.c.id)
        )
        return int(result.scalar_one())

    async def set_station_reservation_id(self, command_id: int, value: int) -> None:
        await self._c.execute(
            update(commands).where(commands.c.id == command_id).values(station_reservation_id=value)
        )

    async def get(self, command_id: int) -> StoredCommand | None:
        row = (await self._c.execute(select(commands).where(commands.c.id == command_id))).first()
        return _command(row) if row else None

    async def finish(
        self, command_id: int, result: CommandOutcome, message: str | None, now: datetime
    ) -> bool:
        """PENDING -> DONE with the result; False when the command was DONE already."""
        done = await self._c.execute(
            update(commands)
            .where(commands.c.id == command_id)
            .where(commands.c.state == CommandState.PENDING.value)
            .values(
                state=CommandState.DONE.value,
                result=result.value,
                message=message,
                finished_at=now,
            )
        )
        return bool(done.rowcount)

    async def record_late(self, command_id: int, result: CommandOutcome) -> None:
        await self._c.execute(
            update(commands).where(commands.c.id == command_id).values(late_result=result.value)
        )

    async def overdue(self, before: datetime, limit: int = 500) -> list[int]:
        """PENDING commands whose deadline passed before ``before``."""
        rows = await self._c.execute(
            select(commands.c.id)
            .where(commands.c.state == CommandState.PENDING.value)
            .where(commands.c.deadline < before)
            .order_by(commands.c.id)
            .limit(limit)
        )
        return [int(row.id) for row in rows]

    async def reservation(
        self,
        partner_id: int,
        reservation_id: str,
        location_id: str | None = None,
        for_party: tuple[str, str] | None = None,
    ) -> StoredCommand | None:
        """The newest RESERVE_NOW of the partner with this eMSP reservation_id that the station
        accepted; made for ``for_party`` (its result routed to it) when given."""
        statement = (
            select(commands)
            .where(commands.c.partner_id == partner_id)
            .where(commands.c.reservation_id == reservation_id)
            .where(commands.c.name == CommandName.RESERVE_NOW.value)
            .where(commands.c.result == CommandOutcome.ACCEPTED.value)
            .order_by(commands.c.id.desc())
            .limit(1)
        )
        if location_id is not None:
            statement = statement.where(commands.c.location_id == location_id)
        if for_party is not None:
            statement = statement.where(commands.c.to_country_code == for_party[0]).where(
                commands.c.to_party_id == for_party[1]
            )
        row = (await self._c.execute(statement)).first()
        return _command(row) if row else None

    async def recent(self, limit: int = 100) -> list[StoredCommand]:
        rows = await self._c.execute(select(commands).order_by(commands.c.id.desc()).limit(limit))
        return [_command(row) for row in rows]
