"""What was consumed: a charge (from an OCPI CDR or Session) and its ChargingPeriods (mod_cdrs).

A period runs from its ``start_date_time`` to the next period's, the last one to the charge's
``end_date_time``. Volumes are in the OCPI units: energy kWh, times hours, current A, power kW.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class CdrDimensionType(StrEnum):
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


@dataclass(frozen=True, slots=True)
class CdrDimension:
    type: CdrDimensionType
    volume: Decimal


@dataclass(frozen=True, slots=True)
class ChargingPeriod:
    start_date_time: datetime
    dimensions: tuple[CdrDimension, ...]
    tariff_id: str | None = None

    def __post_init__(self) -> None:
        if self.start_date_time.tzinfo is None:
            raise ValueError("ChargingPeriod.start_date_time must be an aware datetime")

    def volume(self, dimension: CdrDimensionType) -> Decimal | None:
        """The summed volume of this dimension in the period, ``None`` when the period does not state it."""
        volumes = [d.volume for d in self.dimensions if d.type is dimension]
        return sum(volumes, Decimal(0)) if volumes else None

    def has(self, dimension: CdrDimensionType) -> bool:
        return any(d.type is dimension for d in self.dimensions)


@dataclass(frozen=True, slots=True)
class Charge:
    """A charging session (and/or the reservation before it) to be priced.

    ``reservation_expired``: ``None`` infers it (reservation periods and no session period means the
    reservation expired, RESERVATION_EXPIRES elements then apply).
    """

    start_date_time: datetime
    end_date_time: datetime
    charging_periods: tuple[ChargingPeriod, ...]
    currency: str | None = None
    reservation_expired: bool | None = None

    def __post_init__(self) -> None:
        if self.start_date_time.tzinfo is None or self.end_date_time.tzinfo is None:
            raise ValueError("Charge start_date_time and end_date_time must be aware datetimes")
