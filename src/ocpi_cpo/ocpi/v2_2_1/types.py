"""OCPI 2.2.1 basic types (transport_and_format, types): each constraint lives here, once.

Inbound models ignore unknown fields (partners add some, e.g. Gireve's ``gireve_id``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z)?$")


class OcpiModel(BaseModel):
    """Base of every wire model: unknown fields ignored, exact wire names, enums by value."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, use_enum_values=False)


def _ci_string(value: str) -> str:
    # printable ASCII is 0x20-0x7e: what isascii() and isprintable() both take (a regex per
    # field was a tenth of an import's checks, docs/performance.md)
    if not (value.isascii() and value.isprintable()):
        raise ValueError("must be printable ASCII (CiString)")
    return value


def _no_controls(value: str) -> str:
    if "\r" in value or "\n" in value or "\t" in value:
        raise ValueError("must not contain control characters")
    return value


def _parse_datetime(value: object) -> object:
    """OCPI DateTime: RFC 3339 in UTC, 'Z' optional, no other offset (transport_and_format)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError("must be a date-time string such as 2026-11-24T08:00:00Z")
    if not _RFC3339.match(value):
        raise ValueError(
            "must be an RFC 3339 UTC date-time such as 2026-11-24T08:00:00Z (no offset other than Z)"
        )
    parsed = datetime.fromisoformat(value.removesuffix("Z"))
    return parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """Render a DateTime the way OCPI wants it: UTC with a 'Z', milliseconds only when present."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


#: An aware UTC datetime on our side, an RFC 3339 'Z' string on the wire.
DateTime = Annotated[
    datetime,
    BeforeValidator(_parse_datetime),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]

CountryCode = Annotated[
    str, StringConstraints(min_length=2, max_length=2), AfterValidator(_ci_string)
]
PartyId = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_ci_string)]
Url = Annotated[str, StringConstraints(max_length=255), AfterValidator(_no_controls)]


# CiString(n): case-insensitive printable ASCII; String(n): printable UTF-8 without control characters.
# Spelled out per length so that type checkers see plain ``str``.
_CI = AfterValidator(_ci_string)
_TXT = AfterValidator(_no_controls)
CiString2 = Annotated[str, StringConstraints(max_length=2), _CI]
CiString3 = Annotated[str, StringConstraints(max_length=3), _CI]
CiString4 = Annotated[str, StringConstraints(max_length=4), _CI]
CiString36 = Annotated[str, StringConstraints(max_length=36), _CI]
CiString39 = Annotated[str, StringConstraints(max_length=39), _CI]
CiString48 = Annotated[str, StringConstraints(max_length=48), _CI]
CiString64 = Annotated[str, StringConstraints(max_length=64), _CI]
String2 = Annotated[str, StringConstraints(max_length=2), _TXT]
String3 = Annotated[str, StringConstraints(max_length=3), _TXT]
String4 = Annotated[str, StringConstraints(max_length=4), _TXT]
String10 = Annotated[str, StringConstraints(max_length=10), _TXT]
String16 = Annotated[str, StringConstraints(max_length=16), _TXT]
String20 = Annotated[str, StringConstraints(max_length=20), _TXT]
String45 = Annotated[str, StringConstraints(max_length=45), _TXT]
String64 = Annotated[str, StringConstraints(max_length=64), _TXT]
String100 = Annotated[str, StringConstraints(max_length=100), _TXT]
String255 = Annotated[str, StringConstraints(max_length=255), _TXT]
String512 = Annotated[str, StringConstraints(max_length=512), _TXT]
String5000 = Annotated[str, StringConstraints(max_length=5000), _TXT]


class DisplayText(OcpiModel):
    language: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    text: Annotated[str, StringConstraints(max_length=512)]


class Image(OcpiModel):
    url: Url
    thumbnail: Url | None = None
    category: str
    type: Annotated[str, StringConstraints(max_length=4)]
    width: int | None = Field(default=None, ge=0, le=99999)
    height: int | None = Field(default=None, ge=0, le=99999)


class BusinessDetails(OcpiModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    website: Url | None = None
    logo: Image | None = None


# --- additions for the functional modules (locations, tariffs, tokens, sessions, cdrs, commands) ---

CiString32 = Annotated[str, StringConstraints(max_length=32), _CI]


def _reject_string_number(value: object) -> object:
    # A JSON string such as "2.50" is not an OCPI number; lax pydantic would accept it silently.
    if isinstance(value, str):
        raise ValueError("must be a JSON number, not a string")
    return value


def _number_to_json(value: Decimal) -> int | float:
    """Render a Decimal as a JSON number: integers stay integers, the rest become floats.

    pydantic renders ``Decimal`` as a JSON *string*, which no OCPI peer accepts. A float keeps the
    15 significant digits that OCPI numbers (4 decimals by default, transport_and_format) need.
    """
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(value)
    return float(value)


#: OCPI ``number`` (money, energy, time, power): a ``Decimal`` here, a JSON number on the wire.
Number = Annotated[
    Decimal,
    BeforeValidator(_reject_string_number),
    PlainSerializer(_number_to_json, return_type=int | float, when_used="json"),
    WithJsonSchema({"type": "number"}),
]

#: A count that cannot be negative (voltages, step sizes, durations in seconds, timeouts).
NonNegativeInt = Annotated[int, Field(ge=0)]
#: An OCPI number that cannot be negative (energy, power, current, tariff prices, VAT).
NonNegativeNumber = Annotated[Number, Field(ge=0), WithJsonSchema({"type": "number", "minimum": 0})]

#: GeoLocation latitude: string(10), ``-?[0-9]{1,2}\.[0-9]{5,7}`` (mod_locations).
Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
#: GeoLocation longitude: string(11), ``-?[0-9]{1,3}\.[0-9]{5,7}`` (mod_locations).
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
#: Local time of day "HH:MM", 00:00-23:59 (RegularHours, TariffRestrictions).
LocalTime = Annotated[
    str, StringConstraints(max_length=5, pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")
]
#: Local date "YYYY-MM-DD" (TariffRestrictions).
LocalDate = Annotated[
    str,
    StringConstraints(
        max_length=10,
        pattern=r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
    ),
]


class Price(OcpiModel):
    """Price (types): ``excl_vat`` always, ``incl_vat`` only when VAT is known (absent is not 0)."""

    excl_vat: Number
    incl_vat: Number | None = None


class GeoLocation(OcpiModel):
    """GeoLocation (mod_locations): WGS 84 coordinates as strings with at least 5 decimals."""

    latitude: Latitude
    longitude: Longitude


class EnergySourceCategory(StrEnum):
    """EnergySourceCategory (mod_locations)."""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnvironmentalImpactCategory(StrEnum):
    """EnvironmentalImpactCategory (mod_locations)."""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class EnergySource(OcpiModel):
    """EnergySource (mod_locations): share of one source in the mix, in percent."""

    source: EnergySourceCategory
    percentage: Annotated[
        NonNegativeNumber,
        Field(le=100),
        WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
    ]


class EnvironmentalImpact(OcpiModel):
    """EnvironmentalImpact (mod_locations): amount in g/kWh."""

    category: EnvironmentalImpactCategory
    amount: NonNegativeNumber


class EnergyMix(OcpiModel):
    """EnergyMix (mod_locations); used by Location and Tariff, hence kept here."""

    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None
