"""Does a TariffElement's TariffRestrictions hold for a period? (mod_tariffs, TariffRestrictions class)

Everything but ``reservation`` is checked here, at the period's start, in local time; the engine
chooses which elements are candidates for reservation and session periods.

* ``start_time``/``end_time``: ``start <= t < end``; ``end_time`` ``00:00`` is the end of the day; a
  window whose end is before its start wraps past midnight; equal ends mean the whole day.
* ``start_date`` inclusive, ``end_date`` exclusive, ``day_of_week`` on the local date.
* ``min_kwh``/``max_kwh``: energy delivered before the period, min inclusive, max exclusive.
* ``min_duration``/``max_duration``: seconds since the session (or reservation) started, same bounds.
* ``min_current``/``min_power`` hold when the period's lowest level is >= the limit, ``max_current``/
  ``max_power`` when its highest level is < the limit; a period with no known level matches neither.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from ocpi_cpo.domain.pricing.tariff import DayOfWeek, TariffRestrictions
from ocpi_cpo.domain.pricing.timeline import Level, PeriodFacts

_MIDNIGHT = time(0, 0)


def restrictions_hold(restrictions: TariffRestrictions, facts: PeriodFacts) -> bool:
    local = facts.local_start
    return (
        in_time_window(local.time(), restrictions.start_time, restrictions.end_time)
        and (restrictions.start_date is None or local.date() >= restrictions.start_date)
        and (restrictions.end_date is None or local.date() < restrictions.end_date)
        and (not restrictions.day_of_week or DayOfWeek.of(local.date()) in restrictions.day_of_week)
        and _in_range(facts.energy_before, restrictions.min_kwh, restrictions.max_kwh)
        and _in_range(
            facts.elapsed_seconds,
            _decimal(restrictions.min_duration),
            _decimal(restrictions.max_duration),
        )
        and _level_in_range(facts.current, restrictions.min_current, restrictions.max_current)
        and _level_in_range(facts.power, restrictions.min_power, restrictions.max_power)
    )


def in_time_window(moment: time, start: time | None, end: time | None) -> bool:
    begin = start or _MIDNIGHT
    if end == begin:  # 00:00-00:00 and 08:00-08:00 cover the whole day
        return True
    if end is None or end == _MIDNIGHT:  # until the end of the day
        return moment >= begin
    if end > begin:
        return begin <= moment < end
    return moment >= begin or moment < end


def _in_range(value: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value < maximum)


def _level_in_range(level: Level | None, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    if minimum is None and maximum is None:
        return True
    if level is None:
        return False
    return (minimum is None or level.low >= minimum) and (maximum is None or level.high < maximum)


def _decimal(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)
