"""OCPP messages in the journal: each CALL with its action, each CALLRESULT or CALLERROR labelled
with the action it answers, the EVSE uid when the payload names a connector or EVSE number, and
the payload with secret-named fields replaced (journal.ocpp_detail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from ocpi_cpo.journal import Entry, Journal, now, ocpp_detail

CALL, RESULT, ERROR = 2, 3, 4
_REMEMBERED = 200


class OcppJournal:
    """One station connection's view of the journal."""

    def __init__(
        self, journal: Journal, station_id: str, evse_uid: Callable[[int], str | None]
    ) -> None:
        self.journal = journal
        self.station_id = station_id
        self.evse_uid = evse_uid
        self._actions: dict[str, str] = {}

    def note(self, direction: str, text: str) -> None:
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            self._add(direction, "not JSON", "", text[:120])
            return
        if not isinstance(message, list) or len(message) < 3:
            self._add(direction, "not an OCPP message", "", text[:120])
            return
        kind, uid = message[0], str(message[1])
        if kind == CALL and len(message) >= 4:
            self._remember(uid, str(message[2]))
            self._add(direction, str(message[2]), "CALL", ocpp_detail(message[3]), message[3])
        elif kind == RESULT:
            action = self._actions.pop(uid, "?")
            self._add(direction, f"{action} result", "CALLRESULT", ocpp_detail(message[2]))
        elif kind == ERROR:
            action = self._actions.pop(uid, "?")
            self._add(
                direction, f"{action} error", f"CALLERROR {message[2]}", ocpp_detail(message[3:])
            )

    def _remember(self, uid: str, action: str) -> None:
        if len(self._actions) >= _REMEMBERED:  # answers that never came: forget the oldest
            self._actions.pop(next(iter(self._actions)))
        self._actions[uid] = action

    def _add(
        self, direction: str, summary: str, status: str, detail: str, payload: Any = None
    ) -> None:
        evse = self._evse_of(payload)
        self.journal.add(
            Entry(
                now(),
                f"OCPP {direction}",
                summary,
                status,
                station=self.station_id,
                detail=f"EVSE {evse} {detail}" if evse else detail,
            )
        )

    def _evse_of(self, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        number = payload.get("connectorId", payload.get("evseId"))
        if number is None and isinstance(payload.get("evse"), dict):
            number = payload["evse"].get("id")
        if not isinstance(number, int):
            return None
        found = self.evse_uid(number)
        return str(found) if found else None
