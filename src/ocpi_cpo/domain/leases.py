"""Leases: something held by one instance for a while, renewed while it lives (issue 18).

A lease names what is held (``leader``: what must run once in a cluster; later station
presence), who holds it (an instance id) and until when. Times are the database's clock, so
instances whose clocks disagree still agree on who holds what. A holder that stops renewing
loses the lease when it expires; anyone may then take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: the lease of the instance that runs what must run once (command timeouts, purges, ...)
LEADER = "leader"


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    #: when this holder took it (seconds since the epoch, database clock)
    since: float
    #: when it was last renewed (database clock)
    renewed: float
    expires: float

    @property
    def since_at(self) -> datetime:
        return datetime.fromtimestamp(self.since, UTC)

    @property
    def renewed_at(self) -> datetime:
        return datetime.fromtimestamp(self.renewed, UTC)
