"""The audit log: who changed what, when, on which object (docs/security.md, "Audit log").

An entry is written once and never changed: the application has no way to update or delete one
(the storage offers only ``add`` and reads, and the database refuses UPDATE and DELETE).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: before/after kept only when their JSON is at most this long; larger ones are summarised
SMALL = 2000

#: keys whose values are secrets: never written to the log (the key stays, the value does not)
SECRET_KEYS = frozenset(
    {"token", "password", "admin_token", "secret", "credentials_token", "auth", "authorization"}
)
REDACTED = "***"


class ActorKind(enum.StrEnum):
    ADMIN_TOKEN = "admin-token"  # the admin API, authenticated by the admin token
    CONSOLE = "console"  # a person signed in to the web console
    CLI = "cli"  # someone running ocpi-cpo on a host: user@host


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    #: who within the kind: the console user, the CLI's user@host, "admin" for the admin token
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: Actor
    #: what was done, as "area.verb": "partners.invite", "PUT /admin/tariffs"
    action: str
    #: the object changed, as its kind and id: "partner gireve", "tariff FR/AB1/T1"
    object: str
    before: Any = None
    after: Any = None
    id: int | None = None


def is_secret_key(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return lowered in SECRET_KEYS or lowered.endswith(("_token", "_password", "_secret"))


def redacted(value: Any) -> Any:
    """``value`` with every secret-named key's value replaced (nested dicts and lists too)."""
    if isinstance(value, dict):
        return {
            str(k): REDACTED if is_secret_key(str(k)) else redacted(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    return value
