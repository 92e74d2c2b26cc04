"""Prometheus figures of one station connection's OCPP-J frames (``ocpi_cpo.metrics``).

Every frame in and out is counted by direction, action and kind (a CALLRESULT or CALLERROR under
the action of the CALL it answers); our answer to each station CALL is timed from the frame read
to the answer written; BootNotification answers are counted by status (``error`` for a
CALLERROR). Actions outside the ``ocpp`` library's 1.6 and 2.0.1 lists count as ``other``, so a
station cannot grow the label set.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from ocpi_cpo import metrics
from ocpi_cpo.ocpp_gateway._lib import ACTIONS

KINDS = {2: "call", 3: "result", 4: "error"}
#: CALLs awaiting an answer remembered per direction; beyond, the oldest is forgotten
PENDING_LIMIT = 64


def _action(name: Any) -> str:
    return name if name in ACTIONS else "other"


def _remember(pending: dict[str, Any], message_id: str, value: Any) -> None:
    if len(pending) >= PENDING_LIMIT:
        del pending[next(iter(pending))]
    pending[message_id] = value


class Traffic:
    def __init__(self) -> None:
        self._asked: dict[str, tuple[str, float]] = {}  # the station's CALLs: action, when read
        self._sent: dict[str, str] = {}  # our CALLs: action

    def received(self, frame: Any) -> None:
        """A well-formed frame read from the station (``frames.check``)."""
        kind, message_id = frame[0], frame[1]
        if kind == 2:
            action = _action(frame[2])
            _remember(self._asked, message_id, (action, time.perf_counter()))
        else:
            action = self._sent.pop(message_id, "other")
        metrics.OCPP_MESSAGES.labels("in", action, KINDS[kind]).inc()

    def sending(self, message: str) -> None:
        """A frame about to be written to the station."""
        try:
            frame = orjson.loads(message)
            kind, message_id = frame[0], frame[1]
        except (orjson.JSONDecodeError, TypeError, IndexError, KeyError):
            return
        if kind == 2:
            action = _action(frame[2])
            _remember(self._sent, message_id, action)
        elif kind in (3, 4):
            asked = self._asked.pop(message_id, None)
            action = "other"
            if asked is not None:
                action = asked[0]
                metrics.OCPP_ANSWER_LATENCY.labels(action).observe(time.perf_counter() - asked[1])
            if action == "BootNotification":
                status = (
                    frame[2].get("status") if kind == 3 and isinstance(frame[2], dict) else None
                )
                metrics.OCPP_BOOTS.labels(
                    status if status in ("Accepted", "Pending", "Rejected") else "error"
                ).inc()
        else:
            return
        metrics.OCPP_MESSAGES.labels("out", action, KINDS[kind]).inc()
