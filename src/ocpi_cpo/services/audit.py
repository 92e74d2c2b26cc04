"""The audit log: every change made through the CLI, the admin API or the console, with who, what,
when, the object, and before/after where small (docs/security.md, "Audit log").

Callers record a change with ``record`` inside the transaction that makes it (both commit or
neither), or with ``record_alone`` once a change made elsewhere has committed. Secrets never reach
the log: values under secret-named keys are replaced (``domain.audit.redacted``), and before/after
larger than ``domain.audit.SMALL`` bytes of JSON are summarised by their size.

Who:

- ``ADMIN``: the admin API (the admin token, never the token itself),
- ``console_actor(user)``: a person signed in to the console,
- ``cli_actor()``: the CLI, as ``user@host`` of the process.
"""

from __future__ import annotations

import getpass
import socket
from datetime import datetime
from typing import Any

import orjson

from ocpi_cpo.domain.audit import SMALL, Actor, ActorKind, AuditEntry, redacted
from ocpi_cpo.domain.clock import Clock
from ocpi_cpo.storage.protocols import Storage, UnitOfWork

ADMIN = Actor(ActorKind.ADMIN_TOKEN, "admin")

#: the most entries one read returns
MAX_ENTRIES = 100_000


def console_actor(user: str) -> Actor:
    return Actor(ActorKind.CONSOLE, user)


def cli_actor() -> Actor:
    """The person running the CLI: the process's user at this host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        user = "unknown"
    return Actor(ActorKind.CLI, f"{user}@{socket.gethostname()}")


def small(value: Any) -> Any:
    """``value`` as the log keeps it: secrets replaced; a summary when its JSON is large."""
    if value is None:
        return None
    clean = redacted(value)
    size = len(orjson.dumps(clean, default=str))
    if size > SMALL:
        return {"omitted": f"{size} bytes of JSON"}
    return clean


async def record(
    uow: UnitOfWork,
    at: datetime,
    actor: Actor,
    action: str,
    obj: str,
    *,
    before: Any = None,
    after: Any = None,
) -> int:
    """Add an entry in the caller's transaction; its id."""
    entry = AuditEntry(at, actor, action, obj, small(before), small(after))
    return await uow.audit.add(entry)


async def record_alone(
    storage: Storage,
    clock: Clock,
    actor: Actor,
    action: str,
    obj: str,
    *,
    before: Any = None,
    after: Any = None,
) -> int:
    """Add an entry in a transaction of its own (after a change that has committed)."""
    async with storage.transaction() as uow:
        return await record(uow, clock.now(), actor, action, obj, before=before, after=after)


async def entries(storage: Storage, since: datetime | None = None) -> list[AuditEntry]:
    """Entries at or after ``since``, oldest first."""
    async with storage.read() as uow:
        return await uow.audit.since(since, MAX_ENTRIES)


def as_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat().replace("+00:00", "Z"),
        "actor": str(entry.actor),
        "action": entry.action,
        "object": entry.object,
        "before": entry.before,
        "after": entry.after,
    }
