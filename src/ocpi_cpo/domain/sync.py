"""Bringing a partner's copy up to date: the initial push after a registration ("a new partner
gets everything", issue 16 item 3) and the scheduled reconciliation (item 4).

A sync walks its modules in order, tariffs before the Locations that name them, queueing full
PUTs a bounded batch at a time; ``phase`` and ``cursor`` say where it stands, so a sync
interrupted by a restart resumes where it stopped.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

#: the modules a sync can push, in the order it pushes them (a Location names its tariffs)
SYNC_MODULES = ("tariffs", "locations")


class SyncReason(enum.StrEnum):
    REGISTRATION = "REGISTRATION"  # a registration or re-registration completed
    UPDATE = "UPDATE"  # credentials updated (either side)
    ON_DEMAND = "ON_DEMAND"  # ocpi-cpo partners sync


def ordered_modules(modules: set[str] | frozenset[str]) -> tuple[str, ...]:
    """``modules`` in push order; a ValueError names an unknown one."""
    unknown = sorted(set(modules) - set(SYNC_MODULES))
    if unknown:
        raise ValueError(
            f"unknown module {', '.join(unknown)}: choose from {', '.join(SYNC_MODULES)}"
        )
    return tuple(m for m in SYNC_MODULES if m in modules)


@dataclass(frozen=True, slots=True)
class PartnerSync:
    id: int
    partner_id: int
    modules: tuple[str, ...]
    reason: SyncReason
    requested_at: datetime
    #: the module being queued, None once everything is queued
    phase: str | None
    #: how far into ``phase`` (tariff ids or the last Location's primary key)
    cursor: int
    queued: int
    queued_all_at: datetime | None


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """What became of a sync's messages."""

    sync: PartnerSync
    pending: int = 0
    delivered: int = 0
    failed: int = 0
    #: replaced by a newer full PUT of the same object before they were sent
    replaced: int = 0

    @property
    def settled(self) -> bool:
        return self.sync.phase is None and self.pending == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.sync.id,
            "modules": list(self.sync.modules),
            "reason": self.sync.reason.value,
            "requested_at": self.sync.requested_at.isoformat(),
            "queueing": self.sync.phase,
            "queued": self.sync.queued,
            "pending": self.pending,
            "delivered": self.delivered,
            "failed": self.failed,
            "replaced": self.replaced,
            "settled": self.settled,
        }


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The last scheduled reconciliation with one partner (issue 16 item 4)."""

    partner_id: int
    ran_at: datetime
    checked: int
    differences: int
    repaired: int
    #: what could not be checked (partner unreachable, module not offered), or None
    problems: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "ran_at": self.ran_at.isoformat(),
            "checked": self.checked,
            "differences": self.differences,
            "repaired": self.repaired,
            "problems": self.problems,
        }
