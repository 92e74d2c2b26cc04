"""OCPI 2.2.1 Tariffs wire models (mod_tariffs), with Gireve's per-eMSP target fields."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from ocpi_cpo.ocpi.v2_2_1.types import (
    CiString36,
    CountryCode,
    DateTime,
    DisplayText,
    EnergyMix,
    LocalDate,
    LocalTime,
    NonNegativeInt,
    NonNegativeNumber,
    OcpiModel,
    PartyId,
    String3,
    Url,
)
from ocpi_cpo.ocpi.v2_2_1.types import Price as Price


class TariffType(StrEnum):
    """TariffType (mod_tariffs); a Tariff without ``type`` applies to all sessions."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class TariffDimensionType(StrEnum):
    """TariffDimensionType (mod_tariffs): ENERGY per kWh, TIME/PARKING_TIME per hour, FLAT once."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class DayOfWeek(StrEnum):
    """DayOfWeek (mod_tariffs)."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(StrEnum):
    """ReservationRestrictionType (mod_tariffs)."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class PriceComponent(OcpiModel):
    """PriceComponent (mod_tariffs): ``price`` excl. VAT per unit; ``vat`` absent is not 0 %."""

    type: TariffDimensionType
    price: NonNegativeNumber
    vat: NonNegativeNumber | None = None
    step_size: NonNegativeInt


class TariffRestrictions(OcpiModel):
    """TariffRestrictions (mod_tariffs): all given restrictions must hold (AND)."""

    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: NonNegativeNumber | None = None
    max_kwh: NonNegativeNumber | None = None
    min_current: NonNegativeNumber | None = None
    max_current: NonNegativeNumber | None = None
    min_power: NonNegativeNumber | None = None
    max_power: NonNegativeNumber | None = None
    min_duration: NonNegativeInt | None = None
    max_duration: NonNegativeInt | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


_RESERVATION_DIMENSIONS = frozenset({TariffDimensionType.FLAT, TariffDimensionType.TIME})


class TariffElement(OcpiModel):
    """TariffElement (mod_tariffs).

    With a ``reservation`` restriction only FLAT and TIME components are allowed (mod_tariffs).
    """

    price_components: Annotated[list[PriceComponent], Field(min_length=1)]
    restrictions: TariffRestrictions | None = None

    @model_validator(mode="after")
    def _reservation_prices_time_or_flat(self) -> Self:
        if self.restrictions is None or self.restrictions.reservation is None:
            return self
        if any(c.type not in _RESERVATION_DIMENSIONS for c in self.price_components):
            raise ValueError(
                "price_components: only FLAT and TIME are allowed with a reservation restriction"
            )
        return self


class Tariff(OcpiModel):
    """Tariff object (mod_tariffs).

    ``target_operator_country_code``/``target_operator_party_id`` are Gireve's per-eMSP extension
    (Gireve cpo_tariffs, "Differentiate tariff per eMSP"): both or neither. Without them the
    description is the default one for every eMSP.
    """

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: String3
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: Url | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
    target_operator_country_code: CountryCode | None = None
    target_operator_party_id: PartyId | None = None

    @model_validator(mode="after")
    def _target_operator_both_or_neither(self) -> Self:
        if (self.target_operator_country_code is None) != (self.target_operator_party_id is None):
            raise ValueError(
                "target_operator_country_code and target_operator_party_id: give both or neither"
            )
        return self
