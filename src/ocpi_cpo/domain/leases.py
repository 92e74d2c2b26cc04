"""Leases: something held by one instance for a while, renewed while it lives (issue 18).

A lease names what is held (``leader``: what must run once in a cluster; later station
presence), who holds it (an instance id) and until when. Times are the database's clock, so
instances whose clocks disagree still agree on who holds what. A holder that stops renewing
loses the lease when it expires; anyone may then take it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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


#: a station's presence: the lease ``station/ID`` held by the instance its websocket is on
STATION_PREFIX = "station/"
#: a Location's turn to plan a charging profile under its site limit: ``smart-site/ID``, held by
#: the instance planning there for one station command and its record at most
SITE_PREFIX = "smart-site/"
#: the notification that tells an instance a call for one of its stations is waiting
CALLS_CHANNEL = "ocpi_cpo_calls"


@dataclass(frozen=True, slots=True)
class StationHeld:
    """A station whose websocket another instance holds."""

    station_id: str
    holder: str
    location_id: str
    evse_uids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StationCall:
    """A command for a station held by another instance (services.station_relay)."""

    id: int
    method: str
    arguments: dict[str, Any]
