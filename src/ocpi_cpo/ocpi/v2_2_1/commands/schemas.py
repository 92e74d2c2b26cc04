"""OCPI 2.2.1 Commands wire models (mod_commands): requests, synchronous response, async result."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import model_validator

from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import Token
from ocpi_cpo.ocpi.v2_2_1.types import (
    CiString36,
    DateTime,
    DisplayText,
    NonNegativeInt,
    OcpiModel,
    Url,
)


class CommandType(StrEnum):
    """CommandType (mod_commands): the last path segment of ``{commands}/{command}``."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(StrEnum):
    """CommandResponseType (mod_commands): whether the CPO will forward the command."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """CommandResultType (mod_commands): what the charger did."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CommandResponse(OcpiModel):
    """CommandResponse (mod_commands): the synchronous answer; ``timeout`` in seconds."""

    result: CommandResponseType
    timeout: NonNegativeInt
    message: list[DisplayText] | None = None


class CommandResult(OcpiModel):
    """CommandResult (mod_commands): POSTed to the command's ``response_url`` later."""

    result: CommandResultType
    message: list[DisplayText] | None = None


class StartSession(OcpiModel):
    """StartSession (mod_commands); the token is pre-authorized by the eMSP.

    ``evse_uid`` is required when ``connector_id`` is given (mod_commands).
    """

    response_url: Url
    token: Token
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    authorization_reference: CiString36 | None = None

    @model_validator(mode="after")
    def _connector_needs_evse(self) -> Self:
        if self.connector_id is not None and self.evse_uid is None:
            raise ValueError("evse_uid: required when connector_id is given")
        return self


class StopSession(OcpiModel):
    """StopSession (mod_commands)."""

    response_url: Url
    session_id: CiString36


class ReserveNow(OcpiModel):
    """ReserveNow (mod_commands): same location and ``reservation_id`` replaces a reservation."""

    response_url: Url
    token: Token
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class CancelReservation(OcpiModel):
    """CancelReservation (mod_commands)."""

    response_url: Url
    reservation_id: CiString36


class UnlockConnector(OcpiModel):
    """UnlockConnector (mod_commands): help-desk use only."""

    response_url: Url
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
