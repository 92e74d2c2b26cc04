"""OCPI 2.1.1 Sessions wire models (mod_sessions 2.1.1).

Differs from 2.2.1: no owner fields, ``start_datetime``/``end_datetime``, ``auth_id`` (the token's
uid) instead of ``cdr_token``, the ``location`` object (only the charge's EVSE and connector)
instead of location/EVSE/connector ids, ``total_cost`` a plain number, no
``authorization_reference``, AuthMethod without COMMAND.
"""

from __future__ import annotations

from enum import StrEnum

from ocpi_cpo.ocpi.v2_1_1.locations.schemas import Location
from ocpi_cpo.ocpi.v2_1_1.types import String36
from ocpi_cpo.ocpi.v2_2_1.types import (
    DateTime,
    NonNegativeNumber,
    Number,
    OcpiModel,
    String3,
    String255,
)


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    WHITELIST = "WHITELIST"


class SessionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"


class CdrDimensionType(StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiModel):
    start_date_time: DateTime
    dimensions: list[CdrDimension]


class Session(OcpiModel):
    id: String36
    start_datetime: DateTime
    end_datetime: DateTime | None = None
    kwh: NonNegativeNumber
    auth_id: String36
    auth_method: AuthMethod
    location: Location
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: NonNegativeNumber | None = None
    status: SessionStatus
    #: Gireve's 2.1.1 addition (gireve.md §8.6): the eMSP's reference of the authorization
    authorization_id: String36 | None = None
    last_updated: DateTime
