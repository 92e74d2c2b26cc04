"""Console users: people who sign in to the operator console (``/console/``).

A viewer reads everything and changes nothing; an operator may also act (retry dead letters,
credit CDRs, check partners). Whoever signs in with the admin token acts as an operator.
Passwords are kept as scrypt hashes (the same slow hash as station passwords).

A console session is a random id in the browser's cookie; the database keeps only its SHA-256
digest (``session_digest``), so every ``serve`` instance on the database accepts it and a copy of
the database signs nobody in. The CSRF token of a session is derived from its id (``csrf_of``):
any instance computes it, nothing more is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ocpi_cpo.domain.station_registry import hash_password, verify_password

__all__ = [
    "ConsoleSession",
    "ConsoleUser",
    "ConsoleUserError",
    "Role",
    "check_name",
    "check_password",
    "csrf_of",
    "hash_password",
    "new_session_id",
    "session_digest",
    "verify_password",
]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
PASSWORD_LENGTHS = (12, 256)


class ConsoleUserError(ValueError):
    """A name or password that breaks a rule; the message says which."""


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"

    @property
    def may_act(self) -> bool:
        return self is Role.OPERATOR


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    name: str
    role: Role
    password_hash: str
    created_at: datetime


def check_name(name: str) -> None:
    if not NAME.match(name):
        raise ConsoleUserError(
            f"user name {name!r}: 1 to 64 letters, digits or . _ @ -, starting with a letter"
            " or digit"
        )


def check_password(password: str) -> None:
    low, high = PASSWORD_LENGTHS
    if not low <= len(password) <= high:
        raise ConsoleUserError(f"the password must have {low} to {high} characters")
    if not password.isprintable():
        raise ConsoleUserError("the password must be printable characters only")


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A signed-in browser: who, until when. ``digest`` is the SHA-256 of the cookie's id."""

    digest: str
    name: str
    role: Role
    admin: bool
    created_at: datetime
    expires_at: datetime


SESSION_ID_MAX = 100  # a longer cookie is no id of ours: refused before hashing


def new_session_id() -> str:
    """A random 256-bit id, URL-safe (the cookie's value)."""
    return secrets.token_urlsafe(32)


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_of(session_id: str) -> str:
    """The session's CSRF token: a keyed hash of its id (one-way, so a page's token gives away
    nothing of the cookie; every instance computes the same)."""
    return hmac.new(session_id.encode(), b"ocpi-cpo console csrf", hashlib.sha256).hexdigest()
