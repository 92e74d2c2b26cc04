"""Reads of sessions for the Sender and the back office (the charging preferences a partner sets
on a session: services.smart_charging)."""

from __future__ import annotations

from typing import Any

import orjson

from ocpi_cpo.domain.sessions import ChargeSession
from ocpi_cpo.services.errors import ConflictError, NotFoundError
from ocpi_cpo.services.ownership import may_act_on
from ocpi_cpo.storage.protocols import UnitOfWork

Audience = frozenset[tuple[str, str]] | None


def _visible_to(session: ChargeSession, seen_by: Audience) -> bool:
    return session.published and may_act_on(seen_by, session.token_party)


async def visible_session(
    uow: UnitOfWork, session_id: str, seen_by: Audience
) -> ChargeSession | None:
    for session in await uow.sessions.by_id(session_id):
        if _visible_to(session, seen_by):
            return session
    return None


async def visible(uow: UnitOfWork, session_id: str, seen_by: Audience) -> bytes | None:
    """The session's wire JSON as stored, when the audience may see it."""
    session = await visible_session(uow, session_id, seen_by)
    return None if session is None else await uow.sessions.document(session.key)


async def one(uow: UnitOfWork, session_id: str) -> ChargeSession:
    found = await uow.sessions.by_id(session_id)
    if not found:
        raise NotFoundError(f"no session {session_id!r}: see 'ocpi-cpo sessions list'")
    if len(found) > 1:
        raise ConflictError(f"session id {session_id!r} exists for several operations")
    return found[0]


def document(session: ChargeSession) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(session.document()))
    return parsed
