"""Tariff as OCPI 2.2.1 defines it (mod_tariffs: Tariff, TariffElement, PriceComponent, TariffRestrictions).

Money and amounts are :class:`~decimal.Decimal`, never float. Times of day and dates in restrictions are
local to the location (its IANA ``time_zone``); ``start_date_time``/``end_date_time`` are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class TariffDimensionType(StrEnum):
    """What a PriceComponent prices: ENERGY per kWh (step 1 Wh), TIME and PARKING_TIME per hour (step 1 s)."""

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

    @classmethod
    def of(cls, day: date) -> DayOfWeek:
        return _DAYS[day.weekday()]


_DAYS = tuple(DayOfWeek)


class ReservationRestrictionType(StrEnum):
    """RESERVATION prices the reservation time; RESERVATION_EXPIRES a reservation never followed by a charge."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class TariffType(StrEnum):
    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


@dataclass(frozen=True, slots=True)
class Price:
    """OCPI Price: ``incl_vat`` is ``None`` when it is not known (a component without ``vat``)."""

    excl_vat: Decimal
    incl_vat: Decimal | None = None

    def __add__(self, other: Price) -> Price:
        incl = None
        if self.incl_vat is not None and other.incl_vat is not None:
            incl = self.incl_vat + other.incl_vat
        return Price(self.excl_vat + other.excl_vat, incl)

    def rounded(self, decimals: int) -> Price:
        """Both amounts rounded half up (commercial rounding) to ``decimals`` places."""
        return Price(
            round_money(self.excl_vat, decimals),
            None if self.incl_vat is None else round_money(self.incl_vat, decimals),
        )


ZERO_PRICE = Price(Decimal(0), Decimal(0))


def round_money(amount: Decimal, decimals: int) -> Decimal:
    """Round half up, as the spec's worked examples do (5.625 -> 5.63)."""
    return amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PriceComponent:
    """``price`` is excl. VAT per unit; ``vat`` is a percentage, ``None`` when not given (not 0 %)."""

    type: TariffDimensionType
    price: Decimal
    step_size: int
    vat: Decimal | None = None

    def with_vat(self, amount_excl_vat: Decimal) -> Price:
        """The amount incl. VAT; unknown without ``vat`` unless the amount is zero anyway."""
        if self.vat is not None:
            return Price(amount_excl_vat, amount_excl_vat * (100 + self.vat) / 100)
        return Price(amount_excl_vat, amount_excl_vat if amount_excl_vat == 0 else None)


@dataclass(frozen=True, slots=True)
class TariffRestrictions:
    """All set restrictions must hold (logical AND); an empty instance always holds.

    Limits are as in the spec: ``min_*`` inclusive, ``max_*`` exclusive, ``end_date`` exclusive,
    ``end_time`` exclusive with ``00:00`` meaning the end of the day, and a window wraps past midnight
    when ``end_time`` is before ``start_time``.
    """

    start_time: time | None = None
    end_time: time | None = None
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: frozenset[DayOfWeek] = frozenset()
    reservation: ReservationRestrictionType | None = None


NO_RESTRICTIONS = TariffRestrictions()


@dataclass(frozen=True, slots=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: TariffRestrictions = NO_RESTRICTIONS

    def component(self, dimension: TariffDimensionType) -> PriceComponent | None:
        """The first component of this dimension (the spec allows one per dimension per element)."""
        for component in self.price_components:
            if component.type is dimension:
                return component
        return None


@dataclass(frozen=True, slots=True)
class Tariff:
    """The fields pricing needs; identity fields are optional so that minimal test tariffs load."""

    id: str
    currency: str
    elements: tuple[TariffElement, ...]
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None
    type: TariffType | None = None
    country_code: str | None = None
    party_id: str | None = None
