"""Console users: people who sign in to the operator console (``/console/``).

A viewer reads everything and changes nothing; an operator may also act (retry dead letters,
credit CDRs, check partners). Whoever signs in with the admin token acts as an operator.
Passwords are kept as scrypt hashes (the same slow hash as station passwords).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ocpi_cpo.domain.station_registry import hash_password, verify_password

__all__ = [
    "ConsoleUser",
    "ConsoleUserError",
    "Role",
    "check_name",
    "check_password",
    "hash_password",
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
