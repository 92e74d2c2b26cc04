"""OCPI 2.2.1 Sessions wire models (mod_sessions); CdrToken and ChargingPeriod are shared with CDRs."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi_cpo.ocpi.v2_2_1.tokens.schemas import ProfileType, TokenType
from ocpi_cpo.ocpi.v2_2_1.types import (
    CiString36,
    CountryCode,
    DateTime,
    NonNegativeNumber,
    Number,
    OcpiModel,
    PartyId,
    Price,
    String3,
    String255,
)


class SessionStatus(StrEnum):
    """SessionStatus (mod_sessions); INVALID sessions are not billed."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class AuthMethod(StrEnum):
    """AuthMethod (mod_cdrs, used by Session and CDR)."""

    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class CdrDimensionType(StrEnum):
    """CdrDimensionType (mod_cdrs): kWh, hours, kW, A or %; some are for Sessions only."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


#: CdrDimensionTypes the spec marks "only in Sessions, not in CDRs" (mod_cdrs).
SESSION_ONLY_DIMENSIONS = frozenset(
    {
        CdrDimensionType.CURRENT,
        CdrDimensionType.ENERGY_EXPORT,
        CdrDimensionType.ENERGY_IMPORT,
        CdrDimensionType.POWER,
        CdrDimensionType.STATE_OF_CHARGE,
    }
)


class CdrToken(OcpiModel):
    """CdrToken (mod_cdrs): the token used, owned by the eMSP (``country_code``/``party_id``)."""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrDimension(OcpiModel):
    """CdrDimension (mod_cdrs): one measured quantity of a charging period."""

    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiModel):
    """ChargingPeriod (mod_cdrs): starts whenever a tariff-relevant quantity changes."""

    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: CiString36 | None = None


class Session(OcpiModel):
    """Session object (mod_sessions); ``evse_uid``/``connector_id`` may be ``#NA`` for a reservation."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: NonNegativeNumber
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime


class SessionPatch(OcpiModel):
    """PATCH body on a Session: ``last_updated`` required; ``charging_periods`` are appended."""

    country_code: CountryCode | None = None
    party_id: PartyId | None = None
    id: CiString36 | None = None
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    kwh: NonNegativeNumber | None = None
    cdr_token: CdrToken | None = None
    auth_method: AuthMethod | None = None
    authorization_reference: CiString36 | None = None
    location_id: CiString36 | None = None
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    meter_id: String255 | None = None
    currency: String3 | None = None
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus | None = None
    last_updated: DateTime


class ChargingPreferences(OcpiModel):
    """ChargingPreferences (mod_sessions): body of PUT ``{session_id}/charging_preferences``."""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: NonNegativeNumber | None = None
    discharge_allowed: bool | None = None


class ChargingPreferencesResponse(StrEnum):
    """ChargingPreferencesResponse (mod_sessions): a bare string in the response ``data``."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"
