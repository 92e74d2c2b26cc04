"""The network as the operator console shows it: Locations, their EVSEs with live status, and the
station that drives each EVSE (OCPP version, connected since, last heartbeat).

Read from the Locations as we publish them (their stored wire JSON) and the station registry;
bounded to ``LIMIT`` Locations per read (the console pages beyond).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ocpi_cpo.domain.locations import LocationKey, StoredLocation, Visibility
from ocpi_cpo.domain.station_registry import Station
from ocpi_cpo.storage.protocols import UnitOfWork

LIMIT = 2000
EVERY_VISIBILITY = frozenset(Visibility)


@dataclass(frozen=True, slots=True)
class EvseView:
    uid: str
    evse_id: str | None
    status: str
    connectors: list[dict[str, Any]]
    station: Station | None
    ocpp_number: int | None


@dataclass(slots=True)
class LocationView:
    key: LocationKey
    name: str
    address: str
    city: str
    latitude: float | None
    longitude: float | None
    visibility: str
    document: dict[str, Any]
    evses: list[EvseView] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.key.country_code}/{self.key.party_id}/{self.key.id}"

    @property
    def tone(self) -> str:
        """One colour for the map: charging, available, faulted or unknown."""
        statuses = {e.status for e in self.evses}
        if "CHARGING" in statuses:
            return "charging"
        if "AVAILABLE" in statuses:
            return "available"
        if statuses and statuses <= {"OUTOFORDER", "INOPERATIVE", "BLOCKED"}:
            return "faulted"
        return "unknown"

    def matches(self, text: str) -> bool:
        words = [self.key.id, self.name, self.city, self.address, self.key.party_id]
        for evse in self.evses:
            words += [evse.uid, evse.evse_id or "", evse.station.station_id if evse.station else ""]
        needle = text.lower()
        return any(needle in w.lower() for w in words if w)


def _coordinate(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def location_view(stored: StoredLocation, drivers: dict[str, tuple[Station, int]]) -> LocationView:
    document: dict[str, Any] = orjson.loads(stored.document)
    coordinates = document.get("coordinates") or {}
    view = LocationView(
        key=stored.key,
        name=str(document.get("name") or stored.key.id),
        address=str(document.get("address") or ""),
        city=str(document.get("city") or ""),
        latitude=_coordinate(coordinates.get("latitude")),
        longitude=_coordinate(coordinates.get("longitude")),
        visibility=stored.visibility.value,
        document=document,
    )
    for evse in document.get("evses") or []:
        uid = str(evse.get("uid"))
        station, number = drivers.get(uid, (None, None))
        view.evses.append(
            EvseView(
                uid=uid,
                evse_id=evse.get("evse_id"),
                status=str(evse.get("status", "UNKNOWN")),
                connectors=list(evse.get("connectors") or []),
                station=station,
                ocpp_number=number,
            )
        )
    return view


async def _drivers(uow: UnitOfWork) -> dict[str, tuple[Station, int]]:
    return {
        uid: (station, number)
        for station in await uow.stations.all()
        for number, uid in station.evses.items()
    }


async def locations(
    uow: UnitOfWork, text: str = "", status: str = "", limit: int = LIMIT
) -> list[LocationView]:
    """Locations (filtered by a search text and an EVSE status), in creation order."""
    drivers = await _drivers(uow)
    found = [
        location_view(s, drivers) for s in await uow.locations.after(EVERY_VISIBILITY, 0, limit)
    ]
    if text:
        found = [v for v in found if v.matches(text)]
    if status:
        found = [v for v in found if any(e.status == status for e in v.evses)]
    return found


async def location(uow: UnitOfWork, key: LocationKey) -> LocationView | None:
    stored = await uow.locations.get(key)
    if stored is None:
        return None
    return location_view(stored, await _drivers(uow))
