"""The facts about each ChargingPeriod that tariff restrictions and prices look at.

A period lasts until the next period starts (the last one until the charge ends). Its amounts:

* reservation period: it states ``RESERVATION_TIME``; only that time counts.
* session period stating ``TIME`` and/or ``PARKING_TIME``: those volumes, as stated.
* session period stating neither (minimal CDRs): its whole length is charging time when it delivered
  energy, parking time otherwise.

Times are kept in seconds (exact Decimal: hours x 3600) so that step_size rounding is exact.
Restrictions are evaluated at the period's start, in the location's local time: the CPO must start a
new period whenever another price component becomes active (mod_cdrs, ChargingPeriod).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import Enum

from ocpi_cpo.domain.pricing.charge import CdrDimensionType, Charge, ChargingPeriod

SECONDS_PER_HOUR = Decimal(3600)
_ZERO = Decimal(0)


class Phase(Enum):
    RESERVATION = "RESERVATION"
    SESSION = "SESSION"


@dataclass(frozen=True, slots=True)
class Level:
    """The lowest and highest current (A) or power (kW) seen in a period."""

    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    index: int  # position in the charge's charging_periods
    period: ChargingPeriod
    phase: Phase
    start: datetime
    end: datetime
    local_start: datetime
    energy: Decimal  # kWh
    charging_seconds: Decimal
    parking_seconds: Decimal
    reservation_seconds: Decimal
    energy_before: Decimal  # kWh delivered in the session's earlier periods
    elapsed_seconds: Decimal  # since the start of the phase (session or reservation)
    current: Level | None
    power: Level | None

    @property
    def length_seconds(self) -> Decimal:
        return seconds(self.end - self.start)


@dataclass(frozen=True, slots=True)
class Timeline:
    periods: tuple[PeriodFacts, ...]  # in time order
    session_seconds: Decimal  # from the first session period to the end of the charge
    warnings: tuple[str, ...]


def seconds(delta: timedelta) -> Decimal:
    whole = delta.days * 86400 + delta.seconds
    return Decimal(whole) + Decimal(delta.microseconds).scaleb(-6)


def build_timeline(charge: Charge, zone: tzinfo) -> Timeline:
    # In UTC: subtracting datetimes that share a ZoneInfo ignores summer time (wall-clock arithmetic).
    ordered = sorted(enumerate(charge.charging_periods), key=lambda item: item[1].start_date_time)
    charge_end = charge.end_date_time.astimezone(UTC)
    ends = [period.start_date_time.astimezone(UTC) for _, period in ordered[1:]] + [charge_end]
    warnings: list[str] = []
    if ordered and ordered[-1][1].start_date_time > charge.end_date_time:
        warnings.append("a charging period starts after end_date_time; it is priced as 0 long")
    if ordered and ordered[0][1].start_date_time < charge.start_date_time:
        warnings.append("charging periods start before start_date_time; the periods are used")
    facts: list[PeriodFacts] = []
    phase_start: dict[Phase, datetime] = {}
    energy_before = _ZERO
    for (index, period), end in zip(ordered, ends, strict=True):
        phase = (
            Phase.RESERVATION if period.has(CdrDimensionType.RESERVATION_TIME) else Phase.SESSION
        )
        start = period.start_date_time.astimezone(UTC)
        phase_start.setdefault(phase, start)
        fact = _facts(index, period, phase, start, max(start, end), zone)
        facts.append(_with_context(fact, energy_before, seconds(start - phase_start[phase])))
        if phase is Phase.SESSION:
            energy_before += fact.energy
    session_start = phase_start.get(Phase.SESSION)
    session_seconds = (
        _ZERO if session_start is None else max(_ZERO, seconds(charge_end - session_start))
    )
    return Timeline(tuple(facts), session_seconds, tuple(warnings))


def _facts(
    index: int, period: ChargingPeriod, phase: Phase, start: datetime, end: datetime, zone: tzinfo
) -> PeriodFacts:
    energy = period.volume(CdrDimensionType.ENERGY) or _ZERO
    charging = parking = reservation = _ZERO
    length = seconds(end - start)
    if phase is Phase.RESERVATION:
        reservation = _hours(period, CdrDimensionType.RESERVATION_TIME)
        energy = _ZERO
    elif period.has(CdrDimensionType.TIME) or period.has(CdrDimensionType.PARKING_TIME):
        charging = _hours(period, CdrDimensionType.TIME)
        parking = _hours(period, CdrDimensionType.PARKING_TIME)
    elif energy > 0:
        charging = length
    else:
        parking = length
    return PeriodFacts(
        index=index,
        period=period,
        phase=phase,
        start=start,
        end=end,
        local_start=start.astimezone(zone),
        energy=energy,
        charging_seconds=charging,
        parking_seconds=parking,
        reservation_seconds=reservation,
        energy_before=_ZERO,
        elapsed_seconds=_ZERO,
        current=_level(
            period,
            CdrDimensionType.MIN_CURRENT,
            CdrDimensionType.CURRENT,
            CdrDimensionType.MAX_CURRENT,
            None,
        ),
        power=_level(
            period,
            CdrDimensionType.MIN_POWER,
            CdrDimensionType.POWER,
            CdrDimensionType.MAX_POWER,
            energy * SECONDS_PER_HOUR / charging if charging > 0 else None,
        ),
    )


def _with_context(fact: PeriodFacts, energy_before: Decimal, elapsed: Decimal) -> PeriodFacts:
    return replace(fact, energy_before=energy_before, elapsed_seconds=elapsed)


def _hours(period: ChargingPeriod, dimension: CdrDimensionType) -> Decimal:
    return (period.volume(dimension) or _ZERO) * SECONDS_PER_HOUR


def _level(
    period: ChargingPeriod,
    lowest: CdrDimensionType,
    average: CdrDimensionType,
    highest: CdrDimensionType,
    derived: Decimal | None,
) -> Level | None:
    """The period's level; missing bounds fall back to the average, then the other bound, then ``derived``."""
    low_value, mean, high_value = (period.volume(d) for d in (lowest, average, highest))
    low = _first(low_value, mean, high_value, derived)
    high = _first(high_value, mean, low_value, derived)
    if low is None or high is None:
        return None
    return Level(low, high)


def _first(*values: Decimal | None) -> Decimal | None:
    return next((value for value in values if value is not None), None)
