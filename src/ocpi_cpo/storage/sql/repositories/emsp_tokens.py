"""eMSP tokens and authorization decisions."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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
from ocpi_cpo.storage.sql.driver import datetime_binder, datetime_reader, fetch_all, placeholders
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


# Every start reads decisions three times and tokens once (issue 21): these go straight to the
# driver, one hop to SQLite's thread each instead of three or four (storage.sql.driver).
_DECISION_COLUMNS = ", ".join(column.name for column in authorizations.columns)
_TOKEN_COLUMNS = ", ".join(column.name for column in emsp_tokens.columns)


@functools.cache
def _latest_sql(source: bool, location: bool, evse: bool, unused: bool, sqlite: bool) -> str:
    """``latest``'s SELECT with the filters given: parameters uid, since, then those filters."""
    wanted = ["uid", "at"] + [
        name
        for name, given in (("source", source), ("location_id", location), ("evse_uid", evse))
        if given
    ]
    marks = placeholders(sqlite, len(wanted))
    conditions = [
        f"{name} {'>=' if name == 'at' else '='} {mark}"
        for name, mark in zip(wanted, marks, strict=True)
    ]
    if unused:
        conditions.append("session_id IS NULL")
    return (
        f"SELECT {_DECISION_COLUMNS} FROM authorizations"  # noqa: S608 - names, placeholders
        f" WHERE {' AND '.join(conditions)} ORDER BY at DESC, id DESC LIMIT 1"
    )


def _read_decision(row: Sequence[Any], read: Callable[[Any], datetime | None]) -> DecisionRecord:
    """``_decision`` from a row of ``_DECISION_COLUMNS`` read by the driver."""
    values = dict(zip(authorizations.columns.keys(), row, strict=True))
    at = read(values["at"])
    assert at is not None  # NOT NULL
    return DecisionRecord(
        id=values["id"],
        at=at,
        uid=values["uid"],
        token_type=values["token_type"],
        location_id=values["location_id"],
        evse_uid=values["evse_uid"],
        outcome=AuthorizationOutcome(values["outcome"]),
        source=DecisionSource(values["source"]),
        offline=bool(values["offline"]),
        reason=values["reason"],
        latency_ms=float(values["latency_ms"]),
        authorization_reference=values["authorization_reference"],
        token_document=values["token_document"],
        session_id=values["session_id"],
    )


def _read_token(row: Sequence[Any], read: Callable[[Any], datetime | None]) -> StoredToken:
    """``_token`` from a row of ``_TOKEN_COLUMNS`` read by the driver."""
    values = dict(zip(emsp_tokens.columns.keys(), row, strict=True))
    last_updated = read(values["last_updated"])
    assert last_updated is not None  # NOT NULL
    return StoredToken(
        key=TokenKey(values["country_code"], values["party_id"], values["uid"], values["type"]),
        contract_id=values["contract_id"],
        valid=bool(values["valid"]),
        whitelist=Whitelist(values["whitelist"]),
        last_updated=last_updated,
        document=values["document"],
        partner_id=values["partner_id"],
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
        self._sqlite = connection.dialect.name == "sqlite"
        self._bind = datetime_binder(connection.dialect)
        self._read = datetime_reader(connection.dialect)
        marks = placeholders(self._sqlite, 2)
        self._by_uid = (
            f"SELECT {_TOKEN_COLUMNS} FROM emsp_tokens"  # noqa: S608 - names, placeholders
            f" WHERE uid = {marks[0]} AND type = {marks[1]} ORDER BY last_updated DESC"
        )

    async def get(self, key: TokenKey, *, for_update: bool = False) -> StoredToken | None:
        """``for_update``: held to the commit (PostgreSQL), for a change merged into the stored
        token (a PATCH), so one committed meanwhile is not overwritten by the older copy."""
        statement = select(emsp_tokens).where(_key(key))
        if for_update:
            statement = statement.with_for_update()
        row = (await self._c.execute(statement)).first()
        return _token(row) if row else None

    async def by_uid(self, uid: str, token_type: str) -> list[StoredToken]:
        rows = await fetch_all(self._c, self._by_uid, [uid, token_type])
        return [_read_token(row, self._read) for row in rows]

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
        statement = select(authorizations).limit(limit)
        if uid is None:
            statement = statement.order_by(authorizations.c.id.desc())
        else:
            # newest first along the (uid, at) index, not a sort of every decision of the token
            statement = statement.where(authorizations.c.uid == uid).order_by(
                authorizations.c.at.desc(), authorizations.c.id.desc()
            )
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
        sql = _latest_sql(
            source is not None,
            location_id is not None,
            evse_uid is not None,
            unused,
            self._sqlite,
        )
        parameters: list[Any] = [uid, self._bind(since)]
        parameters += [v for v in (source and source.value, location_id, evse_uid) if v is not None]
        rows = await fetch_all(self._c, sql, parameters)
        return _read_decision(rows[0], self._read) if rows else None

    async def claim(self, decision_id: int, session_id: str) -> bool:
        """The session takes the decision; False when another session took it first."""
        marks = placeholders(self._sqlite, 2)
        taken = await fetch_all(
            self._c,
            f"UPDATE authorizations SET session_id = {marks[0]}"  # noqa: S608 - placeholders
            f" WHERE id = {marks[1]} AND session_id IS NULL RETURNING id",
            [session_id, decision_id],
        )
        return bool(taken)
