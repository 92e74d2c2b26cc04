"""Price a charge with an OCPI 2.2.1 tariff: :func:`price_charge`.

For every period and every dimension (ENERGY, TIME, PARKING_TIME, FLAT) the price comes from the
first TariffElement, in list order, that has a component of that dimension and whose restrictions
all hold (mod_tariffs, Tariff object); no such element means that dimension is free in that period.
Reservation periods only look at elements restricted to ``RESERVATION`` (or, for a reservation that
expired, first ``RESERVATION_EXPIRES`` then ``RESERVATION``); session periods only at the others.
FLAT is billed once for the session and once for the reservation. Then step_size (step_size.py),
min/max price (limits.py), and one rounding of each total (result.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ocpi_cpo.domain.pricing.allocation import allocate
from ocpi_cpo.domain.pricing.charge import Charge
from ocpi_cpo.domain.pricing.currency import currency_decimals
from ocpi_cpo.domain.pricing.errors import CurrencyMismatchError, TimeZoneError
from ocpi_cpo.domain.pricing.limits import apply_price_limits
from ocpi_cpo.domain.pricing.restrictions import restrictions_hold
from ocpi_cpo.domain.pricing.result import DimensionPrice, PeriodPrice, PricingResult
from ocpi_cpo.domain.pricing.step_size import Line, apply_step_sizes
from ocpi_cpo.domain.pricing.tariff import (
    ZERO_PRICE,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
)
from ocpi_cpo.domain.pricing.timeline import (
    SECONDS_PER_HOUR,
    PeriodFacts,
    Phase,
    Timeline,
    build_timeline,
)

_Candidates = Sequence[tuple[int, TariffElement]]
_ONE = Decimal(1)
_ENERGY = TariffDimensionType.ENERGY
_FLAT = TariffDimensionType.FLAT
_TIME = TariffDimensionType.TIME
_PARKING = TariffDimensionType.PARKING_TIME


def resolve_time_zone(time_zone: str | tzinfo) -> tzinfo:
    """An IANA zone name (``Europe/Paris``) or a tzinfo -> tzinfo; :class:`TimeZoneError` otherwise."""
    if not isinstance(time_zone, str):
        return time_zone
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeZoneError(
            f"time zone {time_zone!r} is not a known IANA name; use one such as Europe/Paris or UTC"
        ) from None


def price_charge(
    tariff: Tariff, charge: Charge, time_zone: str | tzinfo, *, decimals: int | None = None
) -> PricingResult:
    """Price ``charge`` with ``tariff``; restrictions are read in ``time_zone`` (Location.time_zone).

    ``decimals``: money totals are rounded to this many places (``[pricing] total_decimals``);
    None: the currency's minor unit (pricing.md, "Rounding money")."""
    zone = resolve_time_zone(time_zone)
    if charge.currency is not None and charge.currency.upper() != tariff.currency.upper():
        raise CurrencyMismatchError(
            f"the charge is in {charge.currency} but tariff {tariff.id!r} is in {tariff.currency}"
        )
    timeline = build_timeline(charge, zone)
    lines = apply_step_sizes(_select_lines(tariff, timeline, _expired(charge, timeline)))
    priced = [(line, _cost(line)) for line in lines]
    return _result(tariff, charge, timeline, priced, decimals)


def _expired(charge: Charge, timeline: Timeline) -> bool:
    if charge.reservation_expired is not None:
        return charge.reservation_expired
    phases = {facts.phase for facts in timeline.periods}
    return phases == {Phase.RESERVATION}


def _candidates(tariff: Tariff, phase: Phase, expired: bool) -> _Candidates:
    indexed = list(enumerate(tariff.elements))
    if phase is Phase.SESSION:
        return [(i, e) for i, e in indexed if e.restrictions.reservation is None]
    reserved = [
        (i, e)
        for i, e in indexed
        if e.restrictions.reservation is ReservationRestrictionType.RESERVATION
    ]
    if not expired:
        return reserved
    # mod_tariffs, ReservationRestrictionType note: an expired reservation is priced by the
    # RESERVATION_EXPIRES elements first, RESERVATION elements remain the fallback per dimension.
    expiring = ReservationRestrictionType.RESERVATION_EXPIRES
    return [(i, e) for i, e in indexed if e.restrictions.reservation is expiring] + reserved


def _select(
    candidates: _Candidates, dimension: TariffDimensionType, facts: PeriodFacts
) -> tuple[int, PriceComponent] | None:
    for index, element in candidates:
        component = element.component(dimension)
        if component is not None and restrictions_hold(element.restrictions, facts):
            return index, component
    return None


def _select_lines(tariff: Tariff, timeline: Timeline, expired: bool) -> list[Line]:
    candidates = {phase: _candidates(tariff, phase, expired) for phase in Phase}
    flat_billed: set[Phase] = set()
    lines: list[Line] = []
    for position, facts in enumerate(timeline.periods):
        if facts.phase is Phase.SESSION:
            volumes = [
                (_ENERGY, facts.energy),
                (_TIME, facts.charging_seconds),
                (_PARKING, facts.parking_seconds),
            ]
        else:
            volumes = [(_TIME, facts.reservation_seconds)]
        if facts.phase not in flat_billed:
            volumes.append((_FLAT, _ONE))
        for dimension, volume in volumes:
            if volume <= 0:
                continue
            selected = _select(candidates[facts.phase], dimension, facts)
            if selected is None:
                continue
            index, component = selected
            lines.append(Line(position, facts.phase, dimension, index, component, volume, volume))
            if dimension is _FLAT:
                flat_billed.add(facts.phase)
    return lines


def _cost(line: Line) -> Price:
    price = line.component.price
    if line.dimension is _FLAT:
        amount = price
    elif line.dimension is _ENERGY:
        amount = line.billed * price
    else:
        amount = line.billed * price / SECONDS_PER_HOUR
    return line.component.with_vat(amount)


def _result(
    tariff: Tariff,
    charge: Charge,
    timeline: Timeline,
    priced: list[tuple[Line, Price]],
    decimals: int | None,
) -> PricingResult:
    def total(phase: Phase, *dimensions: TariffDimensionType) -> Price:
        costs = [c for line, c in priced if line.phase is phase and line.dimension in dimensions]
        return sum(costs, ZERO_PRICE)

    session, reservation = Phase.SESSION, Phase.RESERVATION
    parts = {
        "fixed": total(session, _FLAT),
        "energy": total(session, _ENERGY),
        "time": total(session, _TIME),
        "parking": total(session, _PARKING),
        "reservation": total(reservation, _FLAT, _TIME),
    }
    limited = apply_price_limits(
        sum(parts.values(), ZERO_PRICE), tariff.min_price, tariff.max_price
    )
    places = currency_decimals(tariff.currency) if decimals is None else decimals
    total_cost, rounded = allocate(parts, limited.price, places)
    facts = timeline.periods
    hours = SECONDS_PER_HOUR
    return PricingResult(
        currency=tariff.currency,
        decimals=places,
        periods=_breakdown(timeline, priced),
        total_cost=total_cost,
        total_fixed_cost=rounded["fixed"],
        total_energy_cost=rounded["energy"],
        total_time_cost=rounded["time"],
        total_parking_cost=rounded["parking"],
        total_reservation_cost=rounded["reservation"],
        total_energy=sum((f.energy for f in facts if f.phase is session), Decimal(0)),
        total_time=timeline.session_seconds / hours,
        total_parking_time=sum((f.parking_seconds for f in facts), Decimal(0)) / hours,
        total_reservation_time=sum((f.reservation_seconds for f in facts), Decimal(0)) / hours,
        exact_total_cost=limited.price,
        min_price_applied=limited.min_price_applied,
        max_price_applied=limited.max_price_applied,
        warnings=timeline.warnings + _tariff_warnings(tariff, charge, timeline),
    )


def _breakdown(timeline: Timeline, priced: list[tuple[Line, Price]]) -> tuple[PeriodPrice, ...]:
    periods = []
    for position, facts in enumerate(timeline.periods):
        dimensions = tuple(
            DimensionPrice(
                dimension=line.dimension,
                element_index=line.element_index,
                component=line.component,
                volume=_in_ocpi_unit(line.dimension, line.volume),
                billed_volume=_in_ocpi_unit(line.dimension, line.billed),
                cost=cost,
            )
            for line, cost in priced
            if line.position == position
        )
        periods.append(
            PeriodPrice(
                facts.index, facts.phase, facts.start, facts.end, facts.local_start, dimensions
            )
        )
    return tuple(periods)


def _in_ocpi_unit(dimension: TariffDimensionType, volume: Decimal) -> Decimal:
    return volume / SECONDS_PER_HOUR if dimension in (_TIME, _PARKING) else volume


def _tariff_warnings(tariff: Tariff, charge: Charge, timeline: Timeline) -> tuple[str, ...]:
    warnings = []
    start = timeline.periods[0].start if timeline.periods else charge.start_date_time
    if tariff.start_date_time is not None and start < tariff.start_date_time:
        warnings.append(
            f"tariff {tariff.id!r} starts at {tariff.start_date_time.isoformat()}, after the charge "
            "started; priced with it anyway"
        )
    if tariff.end_date_time is not None and start >= tariff.end_date_time:
        warnings.append(
            f"tariff {tariff.id!r} ended at {tariff.end_date_time.isoformat()}, before the charge "
            "started; priced with it anyway"
        )
    other_ids = {
        f.period.tariff_id
        for f in timeline.periods
        if f.period.tariff_id is not None and tariff.id and f.period.tariff_id != tariff.id
    }
    if other_ids:
        warnings.append(
            f"periods name tariff {', '.join(sorted(other_ids))}, not {tariff.id!r}; priced with "
            f"{tariff.id!r}"
        )
    return tuple(warnings)
