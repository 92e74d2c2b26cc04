"""Sessions and CDRs: rows with their wire JSON; the Senders read the stored documents as is."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from ocpi_cpo.domain.cdrs import CdrPage, StoredCdr
from ocpi_cpo.domain.sessions import (
    ChargeSession,
    SessionKey,
    SessionPage,
    SessionStatus,
    session_from_state,
)
from ocpi_cpo.storage.sql.driver import (
    datetime_binder,
    datetime_reader,
    execute,
    fetch_all,
    placeholders,
)
from ocpi_cpo.storage.sql.tables.outbox import outbox
from ocpi_cpo.storage.sql.tables.sessions import cdrs, sessions

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

_S = sessions.c
_C = cdrs.c

#: what ``_session`` reads: every column but the wire document (the largest, not needed to load)
_LOAD = select(
    _S.country_code,
    _S.party_id,
    _S.session_id,
    _S.station_id,
    _S.transaction_id,
    _S.status,
    _S.location_id,
    _S.evse_uid,
    _S.connector_id,
    _S.published,
    _S.last_updated,
    _S.profile_due_at,
    _S.state,
)
_BY_KEY = (
    _LOAD.where(_S.country_code == bindparam("k_country"))
    .where(_S.party_id == bindparam("k_party"))
    .where(_S.session_id == bindparam("k_id"))
)
_BY_KEY_LOCKED = _BY_KEY.with_for_update()
# The statements of every reading and every stop (issue 21) go straight to the driver: one hop
# to SQLite's thread each instead of three or four through SQLAlchemy (storage.sql.driver).
_LOADED = tuple(column.name for column in _LOAD.selected_columns)
_LOADED_SQL = ", ".join(_LOADED)
_BY_TRANSACTION = (
    f"SELECT {_LOADED_SQL} FROM sessions"  # noqa: S608 - column names, placeholders
    " WHERE station_id = {} AND transaction_id = {} ORDER BY pk DESC LIMIT 1"
)
#: ``save``: the columns set are ``_session_values``'s keys, in its order
_SAVE = "UPDATE sessions SET {} WHERE country_code = {} AND party_id = {} AND session_id = {}"


_AT_EVSE = (
    f"SELECT {_LOADED_SQL} FROM sessions"  # noqa: S608 - column names, placeholders
    " WHERE evse_uid = {} AND status = {} ORDER BY pk"
)


@functools.cache
def _add_sql(names: tuple[str, ...], sqlite: bool) -> str:
    """``add``'s INSERT of these columns, in this order."""
    marks = ", ".join(placeholders(sqlite, len(names)))
    return f"INSERT INTO sessions ({', '.join(names)}) VALUES ({marks})"  # noqa: S608


@functools.cache
def _save_sql(names: tuple[str, ...], sqlite: bool) -> str:
    marks = placeholders(sqlite, len(names) + 3)
    columns = ", ".join(f"{name} = {mark}" for name, mark in zip(names, marks, strict=False))
    return _SAVE.format(columns, *marks[len(names) :])


def _session(row: Any) -> ChargeSession:
    """From a SQLAlchemy row holding the ``_LOAD`` columns (its datetimes already read)."""
    return _loaded([getattr(row, name) for name in _LOADED], lambda value: value)


def _loaded(row: Sequence[Any], read: Callable[[Any], datetime | None]) -> ChargeSession:
    """A session from the ``_LOAD`` columns in their order; ``read`` turns a stored datetime
    into an aware one (the driver's rows: storage.sql.driver)."""
    (country, party, session_id, station_id, transaction_id, status, location_id, evse_uid,
     connector_id, published, last_updated, profile_due_at, state) = row  # fmt: skip
    updated = read(last_updated)
    assert updated is not None  # NOT NULL
    return session_from_state(
        SessionKey(country, party, session_id),
        station_id=station_id,
        transaction_id=transaction_id,
        status=SessionStatus(status),
        location_id=location_id,
        evse_uid=evse_uid,
        connector_id=connector_id,
        published=bool(published),
        last_updated=updated,
        profile_due_at=read(profile_due_at),
        state=orjson.loads(state),
    )


def _session_values(session: ChargeSession, document: bytes) -> dict[str, Any]:
    token_country, token_party = session.token_party
    return {
        "station_id": session.station_id,
        "transaction_id": session.transaction_id,
        "status": session.status.value,
        "location_id": session.location_id,
        "evse_uid": session.evse_uid,
        "connector_id": session.connector_id,
        "token_country_code": token_country[:2],
        "token_party_id": token_party[:3],
        "published": session.published,
        "last_updated": session.last_updated,
        "document": document,
        "state": orjson.dumps(session.to_state()),
        "profile_due_at": session.profile_due_at,
    }


def _audience(country: Any, party: Any, audience: frozenset[tuple[str, str]]) -> Any:
    return or_(*[and_(country == c, party == p) for c, p in sorted(audience)])


class SqlSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection
        sqlite = self._sqlite = connection.dialect.name == "sqlite"
        self._bind = datetime_binder(connection.dialect)
        self._read = datetime_reader(connection.dialect)
        self._by_transaction = _BY_TRANSACTION.format(*placeholders(sqlite, 2))
        # PostgreSQL: a read before a write of the Session holds its row to the commit, so two
        # writers of one Session (a station's event, the driver's preferences, a CDR released)
        # cannot store each other's stale copy. SQLite's writers take its one lock at BEGIN.
        self._by_transaction_locked = self._by_transaction + ("" if sqlite else " FOR UPDATE")
        self._at_evse = _AT_EVSE.format(*placeholders(sqlite, 2)) + (
            "" if sqlite else " FOR UPDATE"
        )

    async def add(self, session: ChargeSession, document: bytes) -> None:
        key = session.key
        values = {
            "country_code": key.country_code,
            "party_id": key.party_id,
            "session_id": key.id,
            **self._bound(session, document),
        }
        await execute(self._c, _add_sql(tuple(values), self._sqlite), list(values.values()))

    def _bound(self, session: ChargeSession, document: bytes) -> dict[str, Any]:
        """``_session_values`` as the driver takes them (datetimes bound as the columns do)."""
        values = _session_values(session, document)
        for name in ("last_updated", "profile_due_at"):
            values[name] = self._bind(values[name])
        return values

    async def save(self, session: ChargeSession, document: bytes) -> None:
        key = session.key
        values = self._bound(session, document)
        await execute(
            self._c,
            _save_sql(tuple(values), self._sqlite),
            [*values.values(), key.country_code, key.party_id, key.id],
        )

    async def get(self, key: SessionKey, *, for_update: bool = False) -> ChargeSession | None:
        """``for_update``: the row held to the commit (PostgreSQL), as every writer of a Session
        reads it (see ``_by_transaction_locked``)."""
        statement = _BY_KEY_LOCKED if for_update else _BY_KEY
        row = (
            await self._c.execute(
                statement, {"k_country": key.country_code, "k_party": key.party_id, "k_id": key.id}
            )
        ).first()
        return _session(row) if row else None

    async def by_id(self, session_id: str) -> list[ChargeSession]:
        rows = await self._c.execute(select(sessions).where(_S.session_id == session_id))
        return [_session(row) for row in rows]

    async def by_transaction(
        self, station_id: str, transaction_id: str, *, for_update: bool = False
    ) -> ChargeSession | None:
        sql = self._by_transaction_locked if for_update else self._by_transaction
        rows = await fetch_all(self._c, sql, [station_id, transaction_id])
        return _loaded(rows[0], self._read) if rows else None

    async def latest_at(self, evse_uid: str, connector_id: str) -> ChargeSession | None:
        row = (
            await self._c.execute(
                select(sessions)
                .where(_S.evse_uid == evse_uid)
                .where(_S.connector_id == connector_id)
                .order_by(_S.pk.desc())
                .limit(1)
            )
        ).first()
        return _session(row) if row else None

    async def at_evse(self, evse_uid: str, status: SessionStatus) -> list[ChargeSession]:
        """Every start looks for the PENDING sessions at its EVSE: straight to the driver. Held
        to the commit (PostgreSQL): the start adopts one of them and ends the others."""
        rows = await fetch_all(self._c, self._at_evse, [evse_uid, status.value])
        return [_loaded(row, self._read) for row in rows]

    async def at_location(self, location_id: str, status: SessionStatus) -> list[ChargeSession]:
        rows = await self._c.execute(
            select(sessions)
            .where(_S.location_id == location_id)
            .where(_S.status == status.value)
            .order_by(_S.pk)
        )
        return [_session(row) for row in rows]

    async def profiles_due(self, limit: int) -> list[ChargeSession]:
        rows = await self._c.execute(
            select(sessions)
            .where(_S.profile_due_at.is_not(None))
            .where(_S.status == SessionStatus.ACTIVE.value)
            .order_by(_S.profile_due_at, _S.pk)
            .limit(limit)
        )
        return [_session(row) for row in rows]

    async def document(self, key: SessionKey) -> bytes | None:
        row = (
            await self._c.execute(
                select(_S.document)
                .where(_S.country_code == key.country_code)
                .where(_S.party_id == key.party_id)
                .where(_S.session_id == key.id)
            )
        ).first()
        return row.document if row else None

    async def page(self, query: SessionPage) -> tuple[int, list[bytes]]:
        """(matches, the page's documents), oldest first; published sessions only."""
        conditions: list[Any] = [_S.published.is_(True)]
        if query.audience is not None:
            conditions.append(_audience(_S.token_country_code, _S.token_party_id, query.audience))
        if query.owner is not None:
            conditions.append(_S.country_code == query.owner[0])
            conditions.append(_S.party_id == query.owner[1])
        if query.date_from is not None:
            conditions.append(_S.last_updated >= query.date_from)
        if query.date_to is not None:
            conditions.append(_S.last_updated < query.date_to)
        where = and_(*conditions)
        total = (
            await self._c.execute(select(func.count()).select_from(sessions).where(where))
        ).scalar_one()
        rows = await self._c.execute(
            select(_S.document).where(where).order_by(_S.pk).offset(query.offset).limit(query.limit)
        )
        return total, [row.document for row in rows]

    async def recent(self, limit: int, offset: int = 0) -> list[ChargeSession]:
        rows = await self._c.execute(
            select(sessions).order_by(_S.pk.desc()).offset(offset).limit(limit)
        )
        return [_session(row) for row in rows]

    async def published_after(self, after_pk: int, limit: int) -> list[tuple[int, ChargeSession]]:
        rows = await self._c.execute(
            select(sessions)
            .where(_S.published.is_(True))
            .where(_S.pk > after_pk)
            .order_by(_S.pk)
            .limit(limit)
        )
        return [(row.pk, _session(row)) for row in rows]


def _cdr(row: Any) -> StoredCdr:
    return StoredCdr(
        country_code=row.country_code,
        party_id=row.party_id,
        id=row.cdr_id,
        session_id=row.session_id,
        credit=row.credit,
        credit_reference_id=row.credit_reference_id,
        token_country_code=row.token_country_code,
        token_party_id=row.token_party_id,
        last_updated=row.last_updated,
        document=row.document,
        held_reason=row.held_reason,
        held_since=row.held_since,
    )


def _key(country_code: str, party_id: str, cdr_id: str) -> Any:
    return and_(_C.country_code == country_code, _C.party_id == party_id, _C.cdr_id == cdr_id)


class SqlCdrRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._c = connection

    async def add(self, cdr: StoredCdr) -> None:
        await self._c.execute(
            insert(cdrs).values(
                country_code=cdr.country_code,
                party_id=cdr.party_id,
                cdr_id=cdr.id,
                session_id=cdr.session_id,
                credit=cdr.credit,
                credit_reference_id=cdr.credit_reference_id,
                token_country_code=cdr.token_country_code[:2],
                token_party_id=cdr.token_party_id[:3],
                last_updated=cdr.last_updated,
                document=cdr.document,
                held_reason=cdr.held_reason,
                held_since=cdr.held_since,
            )
        )

    async def by_id(self, cdr_id: str, *, include_held: bool = False) -> list[StoredCdr]:
        """The CDRs with this id; a held CDR only when asked (partners never see one)."""
        statement = select(cdrs).where(_C.cdr_id == cdr_id).order_by(_C.pk)
        if not include_held:
            statement = statement.where(_C.held_reason.is_(None))
        return [_cdr(row) for row in await self._c.execute(statement)]

    async def held(self) -> list[StoredCdr]:
        """Every held CDR, oldest first."""
        rows = await self._c.execute(
            select(cdrs).where(_C.held_reason.is_not(None)).order_by(_C.held_since, _C.pk)
        )
        return [_cdr(row) for row in rows]

    async def held_stats(self) -> tuple[int, datetime | None]:
        """(how many CDRs are held, since when the oldest is)."""
        row = (
            await self._c.execute(
                select(func.count(), func.min(_C.held_since)).where(_C.held_reason.is_not(None))
            )
        ).one()
        return int(row[0]), row[1]

    async def release(self, cdr: StoredCdr) -> bool:
        """Replace a held CDR by its final document and clear the hold; False when it was not
        held (anymore): a CDR that left is never rewritten."""
        result = await self._c.execute(
            update(cdrs)
            .where(_key(cdr.country_code, cdr.party_id, cdr.id))
            .where(_C.held_reason.is_not(None))
            .values(
                document=cdr.document,
                last_updated=cdr.last_updated,
                held_reason=None,
                held_since=None,
            )
        )
        return bool(result.rowcount)

    async def still_held(self, cdr: StoredCdr, reason: str) -> None:
        """A held CDR that still cannot be priced: the latest reason."""
        await self._c.execute(
            update(cdrs)
            .where(_key(cdr.country_code, cdr.party_id, cdr.id))
            .where(_C.held_reason.is_not(None))
            .values(held_reason=reason)
        )

    async def credits_of(self, cdr_id: str) -> list[StoredCdr]:
        rows = await self._c.execute(select(cdrs).where(_C.credit_reference_id == cdr_id))
        return [_cdr(row) for row in rows]

    async def page(self, query: CdrPage) -> tuple[int, list[bytes]]:
        conditions: list[Any] = [_C.held_reason.is_(None)]
        if query.audience is not None:
            conditions.append(_audience(_C.token_country_code, _C.token_party_id, query.audience))
        if query.owner is not None:
            conditions.append(_C.country_code == query.owner[0])
            conditions.append(_C.party_id == query.owner[1])
        if query.date_from is not None:
            conditions.append(_C.last_updated >= query.date_from)
        if query.date_to is not None:
            conditions.append(_C.last_updated < query.date_to)
        where = and_(*conditions)
        count = select(func.count()).select_from(cdrs).where(where)
        rows = (
            select(_C.document).where(where).order_by(_C.pk).offset(query.offset).limit(query.limit)
        )
        total = (await self._c.execute(count)).scalar_one()
        return total, [row.document for row in await self._c.execute(rows)]

    async def recent(self, limit: int, offset: int = 0) -> list[StoredCdr]:
        rows = await self._c.execute(
            select(cdrs).order_by(_C.pk.desc()).offset(offset).limit(limit)
        )
        return [_cdr(row) for row in rows]

    async def sent_to(self, partner_id: int) -> list[tuple[str, str, str | None]]:
        """(object_key, state, reply Location) of every CDR POST queued for a partner."""
        rows = await self._c.execute(
            select(outbox.c.object_key, outbox.c.state, outbox.c.reply_location)
            .where(outbox.c.partner_id == partner_id)
            .where(outbox.c.module == "cdrs")
            .where(outbox.c.method == "POST")
            .order_by(outbox.c.id)
        )
        return [(row.object_key, row.state, row.reply_location) for row in rows]

    async def all_sorted(self, keys: Sequence[str]) -> list[StoredCdr]:
        """CDRs by object key ("cc/pid/id")."""
        found = []
        for key in keys:
            country, party, cdr_id = key.removeprefix("cdr/").split("/", 2)
            row = (
                await self._c.execute(
                    select(cdrs)
                    .where(_C.country_code == country)
                    .where(_C.party_id == party)
                    .where(_C.cdr_id == cdr_id)
                )
            ).first()
            if row is not None:
                found.append(_cdr(row))
        return found
