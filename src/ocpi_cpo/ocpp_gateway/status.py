"""What each connector last said, reduced to one status per OCPI EVSE, reported on change only."""

from __future__ import annotations

from collections.abc import Mapping

from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.ocpp_gateway.mapping import connector_status, evse_status


class StatusBoard:
    """One per connection. ``number`` is the OCPP connectorId (1.6) or evseId (2.0.1); number 0 is
    the whole station (1.6 connectorId 0)."""

    def __init__(self, evses: Mapping[int, str]) -> None:
        self._evses = dict(evses)
        self._station: str | None = None
        self._connectors: dict[int, dict[int, EvseStatus]] = {}
        self._reported: dict[str, EvseStatus] = {}

    def update(self, number: int, connector: int, ocpp_status: str) -> list[tuple[str, EvseStatus]]:
        """Record a StatusNotification; return the (evse_uid, status) pairs that changed."""
        if number == 0:
            self._station = ocpp_status
            numbers = sorted(self._evses)
        else:
            self._connectors.setdefault(number, {})[connector] = connector_status(ocpp_status)
            numbers = [number] if number in self._evses else []
        changed: list[tuple[str, EvseStatus]] = []
        for n in numbers:
            uid = self._evses[n]
            status = self.status(n)
            if self._reported.get(uid) is not status:
                self._reported[uid] = status
                changed.append((uid, status))
        return changed

    def status(self, number: int) -> EvseStatus:
        return evse_status(self._station, self._connectors.get(number, {}).values())

    def status_of(self, evse_uid: str) -> EvseStatus:
        return self._reported.get(evse_uid, EvseStatus.UNKNOWN)

    def forget(self) -> None:
        """The station went silent: everything is UNKNOWN until it reports again."""
        self._station = None
        self._connectors.clear()
        self._reported.clear()
