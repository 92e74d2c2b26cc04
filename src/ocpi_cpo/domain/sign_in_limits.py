"""The console's failed sign-in limit (docs/console.md, "Signing in"; docs/security.md).

Failures are counted per key: ``ip:<client address>`` and ``name:<user name>`` (``name:admin``
for the admin token). At most ``MAX_PER_NAME`` failures per name and ``MAX_PER_ADDRESS`` per
address within ``WINDOW``; beyond, a try waits until enough of them have left the window.

The counts are kept in the database (services.sign_in_limits), shared by every ``serve``
instance on it. A key is stored as its SHA-256 digest only: a name typed in the sign-in form is
sometimes a password typed in the wrong field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_PER_NAME = 5
MAX_PER_ADDRESS = 20
WINDOW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """How many failures a key may have in the window before a try waits."""

    per_name: int = MAX_PER_NAME
    per_address: int = MAX_PER_ADDRESS
    window: timedelta = WINDOW

    def limit_of(self, key: str) -> int:
        return self.per_address if key.startswith("ip:") else self.per_name

    def wait(self, key: str, failures: Iterable[datetime], now: datetime) -> timedelta:
        """Zero when a try under ``key`` is allowed after these failures, else how long until
        it is: until the failure that makes one too many leaves the window."""
        recent = sorted(at for at in failures if now - at <= self.window)
        extra = len(recent) - self.limit_of(key)
        if extra < 0:
            return timedelta(0)
        return max(timedelta(0), self.window - (now - recent[extra]))


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """A sign-in being tried: counted as a failure under each key (rows ``ids``) from before
    its password is checked until it succeeds or is refused for the limit."""

    keys: tuple[str, ...]
    ids: tuple[int, ...]
    at: datetime


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
