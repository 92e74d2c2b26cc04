"""OCPI 2.1.1 Locations wire models (mod_locations 2.1.1): what we send is held to them.

Differences from 2.2.1 that matter here: ``type`` (LocationType) is required and ``postal_code``
too; no owner fields (``country_code``/``party_id``), no ``publish``; a connector has one
``tariff_id`` and ``voltage``/``amperage`` (required); fewer enum values (power types, standards,
capabilities, facilities).
"""

from __future__ import annotations

from enum import StrEnum

from ocpi_cpo.ocpi.v2_1_1.types import String36, String39, String48
from ocpi_cpo.ocpi.v2_2_1.types import (
    BusinessDetails,
    DateTime,
    DisplayText,
    EnergyMix,
    GeoLocation,
    Image,
    NonNegativeInt,
    OcpiModel,
    String3,
    String4,
    String10,
    String16,
    String45,
    String255,
    Url,
)


class LocationType(StrEnum):
    ON_STREET = "ON_STREET"
    PARKING_GARAGE = "PARKING_GARAGE"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class Status(StrEnum):
    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class PowerType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ConnectorFormat(StrEnum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


CONNECTOR_TYPES = [
    "CHADEMO",
    "DOMESTIC_A",
    "DOMESTIC_B",
    "DOMESTIC_C",
    "DOMESTIC_D",
    "DOMESTIC_E",
    "DOMESTIC_F",
    "DOMESTIC_G",
    "DOMESTIC_H",
    "DOMESTIC_I",
    "DOMESTIC_J",
    "DOMESTIC_K",
    "DOMESTIC_L",
    "IEC_60309_2_single_16",
    "IEC_60309_2_three_16",
    "IEC_60309_2_three_32",
    "IEC_60309_2_three_64",
    "IEC_62196_T1",
    "IEC_62196_T1_COMBO",
    "IEC_62196_T2",
    "IEC_62196_T2_COMBO",
    "IEC_62196_T3A",
    "IEC_62196_T3C",
    "TESLA_R",
    "TESLA_S",
]
ConnectorType = StrEnum("ConnectorType", {name: name for name in CONNECTOR_TYPES})  # type: ignore[misc]

CAPABILITIES = frozenset(
    {
        "CHARGING_PROFILE_CAPABLE",
        "CREDIT_CARD_PAYABLE",
        "REMOTE_START_STOP_CAPABLE",
        "RESERVABLE",
        "RFID_READER",
        "UNLOCK_CAPABLE",
    }
)
FACILITIES = frozenset(
    [
        "HOTEL",
        "RESTAURANT",
        "CAFE",
        "MALL",
        "SUPERMARKET",
        "SPORT",
        "RECREATION_AREA",
        "NATURE",
        "MUSEUM",
        "BUS_STOP",
        "TAXI_STAND",
        "TRAIN_STATION",
        "AIRPORT",
        "CARPOOL_PARKING",
        "FUEL_STATION",
        "WIFI",
    ]
)


class Connector(OcpiModel):
    id: String36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    voltage: NonNegativeInt
    amperage: NonNegativeInt
    tariff_id: String36 | None = None
    terms_and_conditions: Url | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    uid: String39
    evse_id: String48 | None = None
    status: Status
    connectors: list[Connector]
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class Location(OcpiModel):
    id: String39
    type: LocationType
    name: String255 | None = None
    address: String45
    city: String45
    postal_code: String10
    country: String3
    coordinates: GeoLocation
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    time_zone: String255 | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
