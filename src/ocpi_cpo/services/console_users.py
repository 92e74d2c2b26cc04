"""Console users: add, list, remove, and check a password at sign-in (domain.console_users)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from ocpi_cpo.domain.console_users import (
    ConsoleUser,
    ConsoleUserError,
    Role,
    check_name,
    check_password,
    hash_password,
    verify_password,
)
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.storage.protocols import UnitOfWork

# A hash to check against when the name is unknown, so that an unknown name costs as much time
# as a wrong password (no telling which names exist by timing).
_DUMMY_HASH = hash_password("not-a-password-of-anyone")


async def add(uow: UnitOfWork, name: str, role: str, password: str, now: datetime) -> ConsoleUser:
    try:
        check_name(name)
        check_password(password)
        parsed = Role(role)
    except ConsoleUserError as exc:
        raise RuleViolation(str(exc)) from None
    except ValueError:
        raise RuleViolation(f"role {role!r}: expected viewer or operator") from None
    if await uow.console_users.get(name) is not None:
        raise ConflictError(f"console user {name!r} exists already: remove it first")
    digest = await asyncio.to_thread(hash_password, password)
    user = ConsoleUser(name=name, role=parsed, password_hash=digest, created_at=now)
    await uow.console_users.add(user)
    return user


async def remove(uow: UnitOfWork, name: str) -> None:
    """Remove the user and end their console sessions on every instance."""
    if not await uow.console_users.remove(name):
        raise NotFoundError(f"no console user {name!r}")
    await uow.console_sessions.remove_user(name)


async def authenticate(uow: UnitOfWork, name: str, password: str) -> ConsoleUser | None:
    """The user when ``password`` is theirs, else None (same slow hash either way)."""
    user = await uow.console_users.get(name) if name else None
    stored = user.password_hash if user is not None else _DUMMY_HASH
    matches = await asyncio.to_thread(verify_password, password, stored)
    return user if matches and user is not None else None


async def get(uow: UnitOfWork, name: str) -> ConsoleUser | None:
    return await uow.console_users.get(name)


async def every(uow: UnitOfWork) -> list[ConsoleUser]:
    return await uow.console_users.all()
