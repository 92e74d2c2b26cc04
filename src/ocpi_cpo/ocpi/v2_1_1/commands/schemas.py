"""OCPI 2.1.1 Commands wire models (mod_commands 2.1.1).

Four commands (no CANCEL_RESERVATION); the command objects carry a 2.1.1 Token; one
CommandResponse (``result`` only) is both the synchronous answer and the result POSTed to
``response_url``. ``authorization_id`` in StartSession and ReserveNow is Gireve's 2.1.1 addition
(gireve.md §9.5): the eMSP's reference, kept for the Session and CDR. ``reservation_id`` is an
int in the spec; a string (as some hubs send) is taken too.
"""

from __future__ import annotations

from enum import StrEnum

from ocpi_cpo.ocpi.v2_1_1.tokens.schemas import Token
from ocpi_cpo.ocpi.v2_1_1.types import String36, String39
from ocpi_cpo.ocpi.v2_2_1.types import DateTime, OcpiModel, Url


class CommandType(StrEnum):
    """CommandType (mod_commands 2.1.1)."""

    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(StrEnum):
    """CommandResponseType (mod_commands 2.1.1): the answer and the result alike."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResponse(OcpiModel):
    """CommandResponse (mod_commands 2.1.1)."""

    result: CommandResponseType


class ReserveNow(OcpiModel):
    response_url: Url
    token: Token
    expiry_date: DateTime
    reservation_id: int | String36
    location_id: String39
    evse_uid: String39 | None = None
    authorization_id: String36 | None = None


class StartSession(OcpiModel):
    response_url: Url
    token: Token
    location_id: String39
    evse_uid: String39 | None = None
    authorization_id: String36 | None = None


class StopSession(OcpiModel):
    response_url: Url
    session_id: String36


class UnlockConnector(OcpiModel):
    response_url: Url
    location_id: String39
    evse_uid: String39
    connector_id: String36
