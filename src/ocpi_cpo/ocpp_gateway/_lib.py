"""Typed doors into the ``ocpp`` library (it ships no type information).

Everything the gateway and the simulator take from ``ocpp`` passes through here, so the untyped
surface stays in one file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import ocpp.messages
from ocpp.exceptions import OCPPError
from ocpp.routing import on as _on
from ocpp.v16 import ChargePoint as _ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as _Action16
from ocpp.v201 import ChargePoint as _ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as _Action201

F = TypeVar("F", bound=Callable[..., Any])

# Every payload is still checked against its JSON schema, in and out, but in the event loop rather
# than in the default thread pool (the library's default): checking a payload costs tens of
# microseconds, while handing it to a pool thread and back cost the loop several times that in
# future bookkeeping and waits for the GIL (16 % of serve's loop while 10,000 stations connected,
# against 0.7 % for the checks themselves; docs/performance.md, "The schema check in the loop").
ocpp.messages.ASYNC_VALIDATION = False

SUBPROTOCOLS = {"ocpp2.0.1": "2.0.1", "ocpp1.6": "1.6"}
#: our preference when a station offers both
PREFERRED = ("ocpp2.0.1", "ocpp1.6")
#: every action name of OCPP 1.6 and 2.0.1 (the metrics' action label takes no other)
ACTIONS: frozenset[str] = frozenset(str(a.value) for a in [*_Action16, *_Action201])


def on(action: str) -> Callable[[F], F]:
    """``ocpp.routing.on``: the decorated method answers the station's CALL ``action``."""
    return cast(Callable[[F], F], _on(action))


class ChargePoint16(_ChargePoint16):  # type: ignore[misc]
    """The library's OCPP 1.6 endpoint (either side)."""


class ChargePoint201(_ChargePoint201):  # type: ignore[misc]
    """The library's OCPP 2.0.1 endpoint (either side)."""


def error_code(error: BaseException) -> str:
    code = getattr(error, "code", None)
    return str(code) if code else type(error).__name__


__all__ = [
    "ACTIONS",
    "PREFERRED",
    "SUBPROTOCOLS",
    "ChargePoint16",
    "ChargePoint201",
    "OCPPError",
    "call16",
    "call201",
    "error_code",
    "on",
    "result16",
    "result201",
]
