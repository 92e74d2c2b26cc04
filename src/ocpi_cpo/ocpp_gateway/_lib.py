"""Typed doors into the ``ocpp`` library (it ships no type information).

Everything the gateway and the simulator take from ``ocpp`` passes through here, so the untyped
surface stays in one file.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

import jsonschema_rs
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

_library_validator = ocpp.messages.get_validator


class CompiledSchema:
    """An OCPP schema compiled by jsonschema-rs, in place of the library's ``Draft4Validator``.

    The same schemas and the same rules (draft 4, formats not checked, as the library does),
    checked about a hundred times faster (a 2.0.1 TransactionEvent took 249 microseconds, now
    1; at 10,000 stations the check is about 2 % of serve's loop either way: docs/performance.md,
    "SQLite in the loop's thread"). A payload that fails raises the library's own error type
    with the rule that failed, so the library answers the CALLERROR code it always did
    (TypeConstraintViolation, FormatViolation, ProtocolError...)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._compiled = jsonschema_rs.Draft4Validator(schema, validate_formats=False)

    def validate(self, payload: Any) -> None:
        try:
            self._compiled.validate(payload)
        except jsonschema_rs.ValidationError as error:
            rule = next((str(p) for p in reversed(error.schema_path) if isinstance(p, str)), "")
            raise ocpp.messages.SchemaValidationError(error.message, validator=rule) from None


_compiled: dict[tuple[int, str, str], CompiledSchema] = {}


def _validator(
    message_type_id: int, action: str, ocpp_version: str, parse_float: Callable[..., Any] = float
) -> Any:
    """``ocpp.messages.get_validator``, compiled. The library still finds and reads the schema;
    the three OCPP 1.6 payloads it checks with decimals (charging profiles) keep its validator."""
    if parse_float is not float:
        return _library_validator(message_type_id, action, ocpp_version, parse_float)
    key = (message_type_id, action, ocpp_version)
    found = _compiled.get(key)
    if found is None:
        schema = _library_validator(message_type_id, action, ocpp_version).schema
        found = _compiled[key] = CompiledSchema(schema)
    return found


ocpp.messages.get_validator = _validator

SUBPROTOCOLS = {"ocpp2.0.1": "2.0.1", "ocpp1.6": "1.6"}
#: our preference when a station offers both
PREFERRED = ("ocpp2.0.1", "ocpp1.6")
#: every action name of OCPP 1.6 and 2.0.1 (the metrics' action label takes no other)
ACTIONS: frozenset[str] = frozenset(str(a.value) for a in [*_Action16, *_Action201])


def on(action: str) -> Callable[[F], F]:
    """``ocpp.routing.on``: the decorated method answers the station's CALL ``action``.

    The library reads the handler's signature for every message it routes (does it take
    ``call_unique_id``?); the signature is worked out here once and kept on the handler, where
    ``inspect.signature`` finds it (14 microseconds a message, then 5)."""

    def decorate(handler: F) -> F:
        routed = _on(action)(handler)
        routed.__signature__ = inspect.signature(handler)
        return cast(F, routed)

    return decorate


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
