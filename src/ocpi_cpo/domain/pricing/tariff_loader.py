"""OCPI 2.2.1 Tariff JSON (a decoded dict) -> :class:`~ocpi_cpo.domain.pricing.tariff.Tariff`.

Only what pricing needs is read and checked; other fields (``tariff_alt_text``, ``energy_mix``...) are
ignored, so partners' extra fields do no harm. Every error names its JSON path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TypeVar

from ocpi_cpo.domain.pricing.errors import DocumentError
from ocpi_cpo.domain.pricing.json_fields import (
    as_date,
    as_datetime,
    as_decimal,
    as_enum,
    as_int,
    as_list,
    as_object,
    as_str,
    as_time_of_day,
    child,
    required,
)
from ocpi_cpo.domain.pricing.tariff import (
    NO_RESTRICTIONS,
    DayOfWeek,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)

_T = TypeVar("_T")
_ZERO = Decimal(0)
# A reservation element may only price these dimensions (mod_tariffs, TariffRestrictions.reservation).
_RESERVATION_DIMENSIONS = frozenset({TariffDimensionType.FLAT, TariffDimensionType.TIME})


def load_tariff(document: object) -> Tariff:
    """Read a Tariff; raise :class:`DocumentError` naming the first wrong JSON path."""
    obj = as_object(document, "")
    elements = as_list(required(obj, "elements", ""), "elements", non_empty=True)
    min_price = _optional_price(obj, "min_price")
    max_price = _optional_price(obj, "max_price")
    if min_price is not None and max_price is not None and min_price.excl_vat > max_price.excl_vat:
        raise DocumentError("min_price.excl_vat", "expected a value <= max_price.excl_vat")
    starts = _optional(obj, "start_date_time", as_datetime)
    ends = _optional(obj, "end_date_time", as_datetime)
    if starts is not None and ends is not None and ends <= starts:
        raise DocumentError("end_date_time", f"expected a time after start_date_time ({starts})")
    return Tariff(
        id=_optional_str(obj, "id") or "",
        currency=as_str(required(obj, "currency", ""), "currency"),
        elements=tuple(
            _element(element, child("elements", index)) for index, element in enumerate(elements)
        ),
        min_price=min_price,
        max_price=max_price,
        start_date_time=starts,
        end_date_time=ends,
        type=None if obj.get("type") is None else as_enum(obj["type"], TariffType, "type"),
        country_code=_optional_str(obj, "country_code"),
        party_id=_optional_str(obj, "party_id"),
    )


def _optional(
    obj: Mapping[str, object], key: str, read: Callable[[object, str], _T], path: str = ""
) -> _T | None:
    value = obj.get(key)
    return None if value is None else read(value, child(path, key))


def _optional_str(obj: Mapping[str, object], key: str) -> str | None:
    value = obj.get(key)
    return None if value is None else as_str(value, key)


def _optional_price(obj: Mapping[str, object], key: str) -> Price | None:
    value = obj.get(key)
    if value is None:
        return None
    price = as_object(value, key)
    excl = as_decimal(required(price, "excl_vat", key), child(key, "excl_vat"), minimum=_ZERO)
    incl = _optional(price, "incl_vat", _non_negative, key)
    if incl is not None and incl < excl:
        raise DocumentError(child(key, "incl_vat"), f"expected a number >= excl_vat ({excl})")
    return Price(excl, incl)


def _non_negative(value: object, path: str) -> Decimal:
    return as_decimal(value, path, minimum=_ZERO)


def _element(value: object, path: str) -> TariffElement:
    obj = as_object(value, path)
    components_path = child(path, "price_components")
    components = as_list(required(obj, "price_components", path), components_path, non_empty=True)
    restrictions = NO_RESTRICTIONS
    if obj.get("restrictions") is not None:
        restrictions = _restrictions(obj["restrictions"], child(path, "restrictions"))
    element = TariffElement(
        tuple(
            _component(component, child(components_path, index))
            for index, component in enumerate(components)
        ),
        restrictions,
    )
    if restrictions.reservation is not None:
        for index, component in enumerate(element.price_components):
            if component.type not in _RESERVATION_DIMENSIONS:
                raise DocumentError(
                    child(child(components_path, index), "type"),
                    f"a reservation element may only price FLAT or TIME, got {component.type}",
                )
    return element


def _component(value: object, path: str) -> PriceComponent:
    """A step_size of 0 bills an ENERGY or time dimension in blocks of nothing: impossible. FLAT
    ignores it (the spec's free tariff gives FLAT 0.00 with step_size 0)."""
    obj = as_object(value, path)
    dimension = as_enum(required(obj, "type", path), TariffDimensionType, child(path, "type"))
    least = 0 if dimension is TariffDimensionType.FLAT else 1
    return PriceComponent(
        type=dimension,
        price=as_decimal(required(obj, "price", path), child(path, "price"), minimum=_ZERO),
        step_size=as_int(required(obj, "step_size", path), child(path, "step_size"), minimum=least),
        vat=_optional(obj, "vat", _non_negative, path),
    )


_NEVER_BOTH = (
    ("min_kwh", "max_kwh"),
    ("min_current", "max_current"),
    ("min_power", "max_power"),
    ("min_duration", "max_duration"),
    ("start_date", "end_date"),
)


def _never_matches(restrictions: TariffRestrictions, path: str) -> None:
    """A restriction whose lower limit (inclusive) is not below its upper one (exclusive) can
    never hold: its element would never price anything."""
    for low, high in _NEVER_BOTH:
        lower, upper = getattr(restrictions, low), getattr(restrictions, high)
        if lower is not None and upper is not None and lower >= upper:
            raise DocumentError(
                child(path, high),
                f"expected more than {low} ({lower}): this restriction can never match",
            )


def _restrictions(value: object, path: str) -> TariffRestrictions:
    obj = as_object(value, path)

    def number(key: str) -> Decimal | None:
        return _optional(obj, key, _non_negative, path)

    def seconds(key: str) -> int | None:
        raw = obj.get(key)
        return None if raw is None else as_int(raw, child(path, key), minimum=0)

    days_path = child(path, "day_of_week")
    days = as_list(obj.get("day_of_week") or [], days_path)
    reservation = obj.get("reservation")
    restrictions = TariffRestrictions(
        start_time=_optional(obj, "start_time", as_time_of_day, path),
        end_time=_optional(obj, "end_time", as_time_of_day, path),
        start_date=_optional(obj, "start_date", as_date, path),
        end_date=_optional(obj, "end_date", as_date, path),
        min_kwh=number("min_kwh"),
        max_kwh=number("max_kwh"),
        min_current=number("min_current"),
        max_current=number("max_current"),
        min_power=number("min_power"),
        max_power=number("max_power"),
        min_duration=seconds("min_duration"),
        max_duration=seconds("max_duration"),
        day_of_week=frozenset(
            as_enum(day, DayOfWeek, child(days_path, index)) for index, day in enumerate(days)
        ),
        reservation=None
        if reservation is None
        else as_enum(reservation, ReservationRestrictionType, child(path, "reservation")),
    )
    _never_matches(restrictions, path)
    return restrictions
