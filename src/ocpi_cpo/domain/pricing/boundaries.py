"""Where a tariff's price can change during a charge: the instants its time restrictions start or
stop holding, in the Location's local time (mod_cdrs: "a new ChargingPeriod is started whenever
the price of a dimension changes"; ocpp-bridge.md §2.5).

``start_time``/``end_time`` on each local day, local midnight for ``day_of_week``, ``start_date``
and ``end_date``, and ``min_duration``/``max_duration`` counted from the start. Local times are
turned into instants with the zone's rules of that day, so a charge across midnight or a
daylight-saving change (last Sundays of March and October in Europe/Paris) is cut where the local
clock says; a local time that happens twice (the autumn night) is cut at both. A local time that
does not exist (02:30 on the spring-forward night) is read with the offset before the change
(Python's fold=0), 03:30 summer time: restrictions are still evaluated on the local time at each
period's start. Pure: ``zoneinfo`` only.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

from ocpi_cpo.domain.pricing.tariff import Tariff, TariffRestrictions


def _times(restrictions: TariffRestrictions) -> set[time]:
    found = set()
    for moment in (restrictions.start_time, restrictions.end_time):
        if moment is not None:
            found.add(moment)
    if restrictions.day_of_week or restrictions.start_date or restrictions.end_date:
        found.add(time(0, 0))
    return found


def boundaries(tariff: Tariff, zone: tzinfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants strictly between ``start`` and ``end`` (aware) where a restriction of
    ``tariff`` may start or stop holding, in order, as aware UTC datetimes."""
    restrictions = [e.restrictions for e in tariff.elements]
    clock: set[time] = set()
    cuts: set[datetime] = set()
    for restriction in restrictions:
        clock |= _times(restriction)
        for seconds in (restriction.min_duration, restriction.max_duration):
            if seconds is not None:
                cuts.add(start + timedelta(seconds=seconds))
    if clock:
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() + timedelta(days=1)
        while day <= last:
            for moment in clock:
                for fold in (0, 1):  # both instants of a time the autumn change repeats
                    local = datetime.combine(day, moment, tzinfo=zone).replace(fold=fold)
                    cuts.add(local.astimezone(UTC))
            day += timedelta(days=1)
    return sorted(c.astimezone(UTC) for c in cuts if start < c < end)
