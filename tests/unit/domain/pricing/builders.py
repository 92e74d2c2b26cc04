"""Small builders for charges: segments of charging, parking or reservation, laid end to end."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from ocpi_cpo.domain.pricing import CdrDimension, CdrDimensionType, Charge, ChargingPeriod
from tests.conftest import TEST_DATA

EXAMPLES = TEST_DATA / "ocpi-examples" / "2.2.1" / "examples"
VECTORS = TEST_DATA / "pricing-vectors"


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def example(name: str) -> object:
    return read_json(EXAMPLES / name)


@dataclass(frozen=True)
class Segment:
    """``kind``: charge (TIME), park (PARKING_TIME) or reserve (RESERVATION_TIME)."""

    kind: str
    minutes: Decimal
    kwh: Decimal = Decimal(0)
    levels: dict[CdrDimensionType, Decimal] = field(default_factory=dict)


def charging(minutes: float | str, kwh: float | str = 0, **levels: float | str) -> Segment:
    return Segment("charge", Decimal(str(minutes)), Decimal(str(kwh)), _levels(levels))


def parking(minutes: float | str) -> Segment:
    return Segment("park", Decimal(str(minutes)))


def reserving(minutes: float | str) -> Segment:
    return Segment("reserve", Decimal(str(minutes)))


def _levels(levels: dict[str, float | str]) -> dict[CdrDimensionType, Decimal]:
    return {CdrDimensionType(name.upper()): Decimal(str(value)) for name, value in levels.items()}


_KIND = {
    "charge": CdrDimensionType.TIME,
    "park": CdrDimensionType.PARKING_TIME,
    "reserve": CdrDimensionType.RESERVATION_TIME,
}


def charge(local_start: str, zone: str, *segments: Segment, currency: str | None = "EUR") -> Charge:
    """Segments laid end to end from ``local_start`` (``YYYY-MM-DD HH:MM`` in ``zone``)."""
    moment = datetime.fromisoformat(local_start).replace(tzinfo=ZoneInfo(zone))
    periods = []
    for segment in segments:
        dimensions = [CdrDimension(_KIND[segment.kind], segment.minutes / 60)]
        if segment.kind == "charge":
            dimensions.append(CdrDimension(CdrDimensionType.ENERGY, segment.kwh))
        dimensions += [CdrDimension(kind, value) for kind, value in segment.levels.items()]
        periods.append(ChargingPeriod(moment, tuple(dimensions)))
        # Real elapsed time: adding to an aware UTC instant crosses summer-time changes correctly.
        moment = (
            moment.astimezone(ZoneInfo("UTC")) + timedelta(minutes=float(segment.minutes))
        ).astimezone(ZoneInfo(zone))
    return Charge(periods[0].start_date_time, moment, tuple(periods), currency)


def price(value: str, incl: str | None = None) -> dict[str, float]:
    result = {"excl_vat": float(Decimal(value))}
    if incl is not None:
        result["incl_vat"] = float(Decimal(incl))
    return result
