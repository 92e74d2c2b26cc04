"""OCPI 2.1.1 Tariffs wire models (mod_tariffs 2.1.1): no owner fields, no ``type``, no
``min_price``/``max_price``, no ``start_date_time``/``end_date_time``; price components without
``vat``; restrictions without current or reservation limits."""

from __future__ import annotations

from enum import StrEnum

from ocpi_cpo.ocpi.v2_1_1.types import String36
from ocpi_cpo.ocpi.v2_2_1.types import (
    DateTime,
    DisplayText,
    EnergyMix,
    NonNegativeInt,
    NonNegativeNumber,
    OcpiModel,
    String3,
    Url,
)


class TariffDimensionType(StrEnum):
    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class DayOfWeek(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: NonNegativeNumber
    step_size: NonNegativeInt


class TariffRestrictions(OcpiModel):
    start_time: str | None = None
    end_time: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    min_kwh: NonNegativeNumber | None = None
    max_kwh: NonNegativeNumber | None = None
    min_power: NonNegativeNumber | None = None
    max_power: NonNegativeNumber | None = None
    min_duration: NonNegativeInt | None = None
    max_duration: NonNegativeInt | None = None
    day_of_week: list[DayOfWeek] | None = None


class TariffElement(OcpiModel):
    price_components: list[PriceComponent]
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    id: String36
    currency: String3
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: Url | None = None
    elements: list[TariffElement]
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
