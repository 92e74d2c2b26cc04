"""Charging preferences into a charging profile (mod_sessions ChargingPreferences; docs/smart-charging.md).

Pure: no I/O, no clock. ``plan`` takes what the driver asked (``Preferences``), what the EVSE and
its connector can do (``EvseLimits``), what the session has already delivered, the power the site
leaves for this charge, and a price per time (the tariff's time restrictions) and answers either a
``ChargingPreferencesResponse`` word (why not) or a ``ChargingPlan``: power limits in W from
``start``, which the services send as an OCPP TxProfile.

| profile_type | needs                          | plan                                             |
| ------------ | ------------------------------ | ------------------------------------------------ |
| FAST         | nothing                        | full power from now                              |
| REGULAR      | departure_time and energy_need | the same power until departure, as low as it can |
| CHEAP        | departure_time and energy_need | the cheapest slots first, at full power          |
| GREEN        | departure_time and energy_need | the green windows first, at full power           |

``energy_need`` is the energy the driver wants from this session (kWh): what the session has
delivered already counts. A need that full power cannot meet before the departure is
NOT_POSSIBLE (a demand the EVSE knows it cannot fulfil). After the departure a car still plugged
in keeps the highest power of its plan (at least the floor): a plan's peak is what it may ever
draw, which the site limit counts on. A limit is never below ``MIN_CURRENT`` amperes on
every phase unless it is 0 (IEC 61851: below 6 A an EV may stop charging altogether).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.pricing import (
    CdrDimension,
    CdrDimensionType,
    Charge,
    ChargingPeriod,
    PricingError,
    Tariff,
    price_charge,
)

#: amperes per phase below which an AC charge cannot go (IEC 61851-1)
MIN_CURRENT = 6
#: the length of a planning slot (tariff restrictions are in minutes: quarter hours align)
SLOT = timedelta(minutes=15)
#: a plan covers at most this long (a departure further away is NOT_POSSIBLE)
HORIZON = timedelta(days=2)


class ProfileType(enum.StrEnum):
    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class Answer(enum.StrEnum):
    """ChargingPreferencesResponse (mod_sessions): the only words the PUT may answer."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"


@dataclass(frozen=True, slots=True)
class Preferences:
    profile_type: str
    departure_time: datetime | None = None
    energy_need_kwh: Decimal | None = None
    discharge_allowed: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Preferences:
        departure = data.get("departure_time")
        need = data.get("energy_need")
        return cls(
            profile_type=str(data["profile_type"]),
            departure_time=None if departure is None else _parse(str(departure)),
            energy_need_kwh=None if need is None else Decimal(str(need)),
            discharge_allowed=bool(data.get("discharge_allowed", False)),
        )


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class EvseLimits:
    """What the connector can deliver: OCPI Connector max_electric_power (W), max_voltage (V),
    max_amperage (A) and power_type (phases)."""

    max_power_w: int
    phases: int
    voltage: int

    @classmethod
    def of_connector(cls, connector: dict[str, Any]) -> EvseLimits | None:
        """None when the connector says too little to plan with (no power, no voltage)."""
        power_type = str(connector.get("power_type", ""))
        phases = {"AC_1_PHASE": 1, "AC_2_PHASE": 2, "AC_2_PHASE_SPLIT": 2, "AC_3_PHASE": 3}.get(
            power_type, 1
        )
        voltage = int(connector.get("max_voltage") or 0)
        amperage = int(connector.get("max_amperage") or 0)
        power = connector.get("max_electric_power")
        if power is None and voltage and amperage:
            # phase-to-neutral voltage times the current of every phase
            power = voltage * amperage * phases
        if not power or not voltage:
            return None
        return cls(int(power), phases, voltage)

    @property
    def min_power_w(self) -> int:
        """The lowest power above 0 the connector can be held at (DC: none)."""
        return MIN_CURRENT * self.phases * self.voltage if self.voltage <= 500 else 0


@dataclass(frozen=True, slots=True)
class ProfilePeriod:
    start_s: int  # seconds after the plan's start
    limit_w: int

    def to_json(self) -> dict[str, int]:
        return {"start_s": self.start_s, "limit_w": self.limit_w}


@dataclass(frozen=True, slots=True)
class ChargingPlan:
    """Power limits from ``start`` (each holds until the next); what OCPP calls a schedule."""

    start: datetime
    periods: tuple[ProfilePeriod, ...]
    phases: int
    #: the energy the plan delivers before the departure (Wh), when there is one
    planned_wh: int

    @property
    def peak_w(self) -> int:
        return max(p.limit_w for p in self.periods)

    def limit_at(self, moment: datetime) -> int:
        """The limit in force at ``moment`` (the first period's before the start)."""
        offset = (moment - self.start).total_seconds()
        current = self.periods[0].limit_w
        for period in self.periods:
            if period.start_s <= offset:
                current = period.limit_w
        return current

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "periods": [p.to_json() for p in self.periods],
            "phases": self.phases,
            "planned_wh": self.planned_wh,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChargingPlan:
        return cls(
            start=_parse(str(data["start"])),
            periods=tuple(
                ProfilePeriod(int(p["start_s"]), int(p["limit_w"])) for p in data["periods"]
            ),
            phases=int(data["phases"]),
            planned_wh=int(data["planned_wh"]),
        )


#: a price (or any cost: lower is better) of charging at a moment
CostAt = Callable[[datetime], Decimal]


def _slots(now: datetime, departure: datetime) -> list[tuple[datetime, datetime]]:
    """[now, departure) cut at quarter hours (UTC quarter hours are local ones too)."""
    slots = []
    begin = now
    while begin < departure:
        minute = (begin.minute // 15 + 1) * 15
        boundary = begin.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=minute)
        end = min(boundary, departure)
        slots.append((begin, end))
        begin = end
    return slots


def _seconds(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def _merge(start: datetime, pieces: Sequence[tuple[datetime, int]]) -> tuple[ProfilePeriod, ...]:
    periods: list[ProfilePeriod] = []
    for begin, limit in pieces:
        if periods and periods[-1].limit_w == limit:
            continue
        periods.append(ProfilePeriod(math.floor(_seconds(start, begin)), limit))
    return tuple(periods)


def plan(
    preferences: Preferences,
    limits: EvseLimits,
    *,
    now: datetime,
    delivered_wh: Decimal,
    available_w: int | None = None,
    supported: Sequence[str] = tuple(ProfileType),
    cost: CostAt | None = None,
) -> ChargingPlan | Answer:
    """The plan for ``preferences``, or the answer saying why there is none.

    ``available_w``: the power the site leaves for this charge (None: no site limit); ``cost``:
    the order of preference of moments for CHEAP (the tariff's price) and GREEN (0 inside a green
    window); none: every moment costs the same.
    """
    if preferences.profile_type not in supported:
        return Answer.PROFILE_TYPE_NOT_SUPPORTED
    top = limits.max_power_w if available_w is None else min(limits.max_power_w, available_w)
    floor = limits.min_power_w
    if top <= 0 or top < floor:
        return Answer.NOT_POSSIBLE
    if preferences.profile_type == ProfileType.FAST:
        if preferences.departure_time is not None and preferences.departure_time <= now:
            return Answer.NOT_POSSIBLE
        return ChargingPlan(now, (ProfilePeriod(0, top),), limits.phases, 0)
    if preferences.departure_time is None:
        return Answer.DEPARTURE_REQUIRED
    if preferences.energy_need_kwh is None:
        return Answer.ENERGY_NEED_REQUIRED
    departure = preferences.departure_time
    if departure <= now or departure - now > HORIZON:
        return Answer.NOT_POSSIBLE
    need_wh = max(Decimal(0), preferences.energy_need_kwh * 1000 - delivered_wh)
    span = _seconds(now, departure)
    if need_wh > Decimal(top) * Decimal(span) / 3600:
        return Answer.NOT_POSSIBLE
    slots = _slots(now, departure)
    if preferences.profile_type == ProfileType.REGULAR or cost is None:
        flat = math.ceil(need_wh * 3600 / Decimal(span)) if need_wh else 0
        return _level(now, departure, flat, floor, top, limits.phases, need_wh)
    return _fill(now, departure, slots, cost, floor, top, limits.phases, need_wh)


def _level(
    now: datetime,
    departure: datetime,
    flat: int,
    floor: int,
    top: int,
    phases: int,
    need_wh: Decimal,
) -> ChargingPlan:
    """One power until the need is met: the flat one, or the floor for as long as needed."""
    if flat == 0:
        return ChargingPlan(now, _merge(now, [(now, 0), (departure, floor or top)]), phases, 0)
    power = max(flat, floor)
    until = min(now + timedelta(seconds=math.ceil(need_wh * 3600 / Decimal(power))), departure)
    pieces = [(now, power)]
    if departure - until >= SLOT:  # a pause worth the name (not a rounding second)
        pieces.append((until, 0))
    pieces.append((departure, power))
    planned = int(Decimal(power) * Decimal(_seconds(now, until)) / 3600)
    return ChargingPlan(now, _merge(now, pieces), phases, planned)


def _fill(
    now: datetime,
    departure: datetime,
    slots: list[tuple[datetime, datetime]],
    cost: CostAt,
    floor: int,
    top: int,
    phases: int,
    need_wh: Decimal,
) -> ChargingPlan:
    """The cheapest slots first (the earlier of two equal ones), at full power; the last slot
    chosen at the power that completes the need (never below the floor)."""
    order = sorted(range(len(slots)), key=lambda i: (cost(slots[i][0]), i))
    power = [0] * len(slots)
    left = need_wh
    for index in order:
        if left <= 0:
            break
        begin, end = slots[index]
        hours = Decimal(_seconds(begin, end)) / 3600
        full = Decimal(top) * hours
        if full <= left:
            power[index] = top
            left -= full
        else:
            power[index] = min(top, max(floor, math.ceil(left / hours)))
            left = Decimal(0)
    planned = sum(
        (
            Decimal(p) * Decimal(_seconds(b, e)) / 3600
            for p, (b, e) in zip(power, slots, strict=True)
        ),
        Decimal(0),
    )
    pieces = [(b, p) for p, (b, _) in zip(power, slots, strict=True)]
    pieces.append((departure, max(max(power), floor)))
    return ChargingPlan(now, _merge(now, pieces), phases, int(planned))


def share(site_limit_w: int | None, others_peak_w: Sequence[int]) -> int | None:
    """The power a site with ``site_limit_w`` leaves for one more profile when the other profiles
    at the Location may each reach their peak (None: the site has no limit)."""
    if site_limit_w is None:
        return None
    return max(0, site_limit_w - sum(others_peak_w))


def green_cost(windows: Sequence[tuple[time, time]], zone: Any) -> CostAt:
    """0 inside one of the local ``windows`` (start, end; end before start wraps midnight), 1
    outside: GREEN prefers the windows."""

    def at(moment: datetime) -> Decimal:
        local = moment.astimezone(zone).time()
        for start, end in windows:
            inside = start <= local < end if start < end else (local >= start or local < end)
            if inside:
                return Decimal(0)
        return Decimal(1)

    return at


def tariff_cost(tariff: Tariff, zone: str) -> CostAt:
    """CHEAP's order of moments: what the tariff charges (excl. VAT) for a quarter hour's charge
    of 1 kWh starting then (the tariff engine, its time and day restrictions in the Location's
    zone); a moment the tariff cannot price costs the most."""

    def at(moment: datetime) -> Decimal:
        end = moment + SLOT
        period = ChargingPeriod(
            moment,
            (
                CdrDimension(CdrDimensionType.ENERGY, Decimal(1)),
                CdrDimension(CdrDimensionType.TIME, Decimal("0.25")),
            ),
        )
        try:
            result = price_charge(tariff, Charge(moment, end, (period,)), zone, decimals=4)
        except PricingError:
            return Decimal("Infinity")
        return result.exact_total_cost.excl_vat

    return at
