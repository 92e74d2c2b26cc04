"""Console sessions in the database (domain.console_users.ConsoleSession): open one at sign-in,
find it from the cookie on any ``serve`` instance, close it at sign-out."""

from __future__ import annotations

from datetime import datetime, timedelta

from ocpi_cpo.domain.console_users import (
    SESSION_ID_MAX,
    ConsoleSession,
    Role,
    new_session_id,
    session_digest,
)
from ocpi_cpo.storage.protocols import UnitOfWork


async def open_session(
    uow: UnitOfWork, name: str, role: Role, *, admin: bool, now: datetime, hours: float
) -> str:
    """A new session for ``name``; returns its id (for the cookie: only its digest is stored).
    Expired sessions of anyone are dropped on the way, so the table stays small."""
    await uow.console_sessions.drop_expired(now)
    session_id = new_session_id()
    await uow.console_sessions.add(
        ConsoleSession(
            digest=session_digest(session_id),
            name=name,
            role=role,
            admin=admin,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return session_id


async def find(uow: UnitOfWork, session_id: str | None, now: datetime) -> ConsoleSession | None:
    """The live session of this cookie, or None: unknown, expired, or its user removed (or given
    another role) since the sign-in."""
    if not session_id or len(session_id) > SESSION_ID_MAX:
        return None
    found = await uow.console_sessions.get(session_digest(session_id))
    if found is None or found.expires_at <= now:
        return None
    if not found.admin:
        user = await uow.console_users.get(found.name)
        if user is None or user.role is not found.role:
            return None
    return found


async def close(uow: UnitOfWork, session_id: str | None) -> None:
    if session_id and len(session_id) <= SESSION_ID_MAX:
        await uow.console_sessions.remove(session_digest(session_id))
