"""Commands of an eMSP to our stations (mod_commands; gireve.md §9; ocpp-bridge.md §2.3).

A command is answered at once (:class:`Answer`: will we forward it?) and, when ACCEPTED, ends
later in exactly one result (``domain.stations.CommandOutcome``) POSTed to its ``response_url``.
Its state machine, kept in storage so that no second result is ever sent:

    PENDING (accepted, waiting for the station) ──one conditional update──▶ DONE (result kept)
                                                  (the station's answer, or TIMEOUT)

A station answer that comes after TIMEOUT finds the command DONE: it is logged and kept as
``late_result``, never sent (a late ACCEPTED never turns a TIMEOUT into ACCEPTED).

Rules decided here, without I/O: what our own EVSE state says before any station is asked
(:func:`evse_refusal`), which EVSE and connector a START_SESSION without them gets
(:func:`choose_evse`, :func:`choose_connector`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ocpi_cpo.domain.delivery import Routing
from ocpi_cpo.domain.locations import Document, connectors_of, evses_of
from ocpi_cpo.domain.stations import CommandOutcome


class CommandName(enum.StrEnum):
    """OCPI CommandType values."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class Answer(enum.StrEnum):
    """OCPI CommandResponseType values: the synchronous answer."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandState(enum.StrEnum):
    PENDING = "PENDING"  # accepted, the station has not answered yet
    DONE = "DONE"  # the result is decided and queued for the response_url


@dataclass(frozen=True, slots=True)
class CommandToken:
    """The eMSP's Token of a START_SESSION or RESERVE_NOW (pre-authorized: never checked again)."""

    uid: str
    type: str
    document: bytes  # the Token as received, JSON


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One command as received, version-neutral; ``document`` is the body as received."""

    name: CommandName
    response_url: str
    document: bytes
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    session_id: str | None = None
    reservation_id: str | None = None
    token: CommandToken | None = None
    authorization_reference: str | None = None
    expiry_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class CommandReply:
    """The synchronous answer: ``timeout`` is how long the eMSP should wait for the result."""

    answer: Answer
    timeout: int
    message: str | None = None
    #: the stored command (ACCEPTED): its result is held until this answer went out
    command_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewCommand:
    """An accepted command to store; ids of the station side are filled in by the use case."""

    partner_id: int
    name: CommandName
    response_url: str
    routing: Routing
    created_at: datetime
    deadline: datetime
    document: bytes
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    session_id: str | None = None
    reservation_id: str | None = None  # the eMSP's
    uid: str | None = None
    token_type: str | None = None
    authorization_reference: str | None = None
    station_id: str | None = None
    transaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredCommand:
    id: int
    partner_id: int
    name: CommandName
    state: CommandState
    response_url: str
    routing: Routing
    created_at: datetime
    deadline: datetime
    location_id: str | None
    evse_uid: str | None
    connector_id: str | None
    session_id: str | None
    reservation_id: str | None
    uid: str | None
    token_type: str | None
    authorization_reference: str | None
    station_id: str | None
    transaction_id: str | None
    #: the id the station knows a reservation by (never the eMSP's: mod_commands ReserveNow)
    station_reservation_id: int | None
    result: CommandOutcome | None
    message: str | None
    finished_at: datetime | None
    #: what the station said after the result was already TIMEOUT (logged, never sent)
    late_result: CommandOutcome | None


#: OCPI EVSE statuses in which a START_SESSION or RESERVE_NOW cannot succeed
_OCCUPIED = frozenset({"CHARGING", "BLOCKED"})
_INOPERATIVE = frozenset({"INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED"})


def evse_refusal(evse: Document) -> tuple[CommandOutcome, str] | None:
    """The result our own state already gives (ocpp-bridge.md §2.3: better than REJECTED)."""
    status = str(evse.get("status", ""))
    if status in _OCCUPIED:
        return CommandOutcome.EVSE_OCCUPIED, f"EVSE {evse.get('uid')} is {status}"
    if status in _INOPERATIVE:
        return CommandOutcome.EVSE_INOPERATIVE, f"EVSE {evse.get('uid')} is {status}"
    return None


def choose_evse(location: Document, online: Callable[[str], bool]) -> Document | None:
    """A START_SESSION or RESERVE_NOW without evse_uid: the first AVAILABLE EVSE whose station is
    connected, else None."""
    for evse in evses_of(location):
        if evse.get("status") == "AVAILABLE" and online(str(evse.get("uid"))):
            return evse
    return None


def choose_connector(evse: Document) -> str | None:
    """A START_SESSION without connector_id (eMSPs on 2.1.1 behind Gireve never send one:
    gireve.md §9.2). OCPI keeps status per EVSE, so every connector of a usable EVSE is free: the
    first one is taken, and an EVSE with one connector gets that one."""
    connectors = connectors_of(evse)
    return str(connectors[0]["id"]) if connectors and "id" in connectors[0] else None
