"""eMSP tokens and authorization decisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from ocpi_cpo.domain.authorization import (
    DecisionRecord,
    DecisionSource,
    StoredToken,
    TokenKey,
    Whitelist,
)
from ocpi_cpo.domain.stations import AuthorizationOutcome
from ocpi_cpo.storage.sql.tables.emsp_tokens import authorizations, emsp_tokens

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _token(row: Any) -> StoredToken:
    return StoredToken(
        key=TokenKey(row.country_code, row.party_id, row.uid, row.type),
        contract_id=row.contract_id,
        valid=row.valid,
        whitelist=Whitelist(row.whitelist),
        last_updated=row.last_updated,
        document=row.document,
        partner_id=row.partner_id,
    )


def _decision(row: Any) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        at=row.at,
        uid=row.uid,
        token_type=row.token_type,
        location_id=row.location_id,
        evse_uid=row.evse_uid,
        outcome=AuthorizationOutcome(row.outcome),
        source=DecisionSource(row.source),
        offline=row.offline,
        reason=row.reason,
        latency_ms=row.latency_ms,
        authorization_reference=row.authorization_reference,
        token_document=row.token_document,
        session_id=row.session_id,
    )


def _key(key: TokenKey) -> Any:
    t = emsp_tokens.c
    return (
        (t.country_code == key.country_code)
        & (t.party_id == key.party_id)
        & (t.uid == key.uid)
        & (t.type == key.type)
    )


class SqlEmspTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def get(self, key: TokenKey) -> StoredToken | None:
        row = (await self._c.execute(select(emsp_tokens).where(_key(key)))).first()
        return _token(row) if row else None

    async def by_uid(self, uid: str, token_type: str) -> list[StoredToken]:
        rows = await self._c.execute(
            select(emsp_tokens)
            .where(emsp_tokens.c.uid == uid)
            .where(emsp_tokens.c.type == token_type)
            .order_by(emsp_tokens.c.last_updated.desc())
        )
        return [_token(row) for row in rows]

    async def put(self, token: StoredToken) -> bool:
        """Create or replace; True when it was new."""
        values = {
            "contract_id": token.contract_id,
            "valid": token.valid,
            "whitelist": token.whitelist.value,
            "last_updated": token.last_updated,
            "partner_id": token.partner_id,
            "document": token.document,
        }
        result = await self._c.execute(update(emsp_tokens).where(_key(token.key)).values(**values))
        if result.rowcount:
            return False
        key = token.key
        await self._c.execute(
            insert(emsp_tokens).values(
                country_code=key.country_code,
                party_id=key.party_id,
                uid=key.uid,
                type=key.type,
                **values,
            )
        )
        return True

    async def count(self) -> int:
        return int(
            (await self._c.execute(select(func.count()).select_from(emsp_tokens))).scalar_one()
        )

    async def record(self, decision: DecisionRecord) -> int:
        result = await self._c.execute(
            insert(authorizations)
            .values(
                at=decision.at,
                uid=decision.uid,
                token_type=decision.token_type,
                location_id=decision.location_id,
                evse_uid=decision.evse_uid,
                outcome=decision.outcome.value,
                source=decision.source.value,
                offline=decision.offline,
                reason=decision.reason,
                latency_ms=decision.latency_ms,
                authorization_reference=decision.authorization_reference,
                token_document=decision.token_document,
            )
            .returning(authorizations.c.id)
        )
        return int(result.scalar_one())

    async def decisions(self, limit: int = 100, uid: str | None = None) -> list[DecisionRecord]:
        statement = select(authorizations).order_by(authorizations.c.id.desc()).limit(limit)
        if uid is not None:
            statement = statement.where(authorizations.c.uid == uid)
        return [_decision(row) for row in await self._c.execute(statement)]

    async def latest(
        self,
        uid: str,
        since: datetime,
        *,
        source: DecisionSource | None = None,
        location_id: str | None = None,
        evse_uid: str | None = None,
        unused: bool = False,
    ) -> DecisionRecord | None:
        """The newest decision for ``uid`` since a moment (START_SESSION grants, reuse);
        ``unused``: only one no session took yet."""
        statement = (
            select(authorizations)
            .where(authorizations.c.uid == uid)
            .where(authorizations.c.at >= since)
            .order_by(authorizations.c.id.desc())
            .limit(1)
        )
        if source is not None:
            statement = statement.where(authorizations.c.source == source.value)
        if location_id is not None:
            statement = statement.where(authorizations.c.location_id == location_id)
        if evse_uid is not None:
            statement = statement.where(authorizations.c.evse_uid == evse_uid)
        if unused:
            statement = statement.where(authorizations.c.session_id.is_(None))
        row = (await self._c.execute(statement)).first()
        return _decision(row) if row else None

    async def claim(self, decision_id: int, session_id: str) -> bool:
        """The session takes the decision; False when another session took it first."""
        result = await self._c.execute(
            update(authorizations)
            .where(authorizations.c.id == decision_id)
            .where(authorizations.c.session_id.is_(None))
            .values(session_id=session_id)
        )
        return bool(result.rowcount)
