"""OCPI 2.2.1 CDR or Session JSON (a decoded dict) -> :class:`~ocpi_cpo.domain.pricing.charge.Charge`.

Only what pricing needs is read: ``start_date_time``, ``end_date_time``, ``currency`` (optional here)
and ``charging_periods`` (``tariff_id`` optional). A document with ``kwh`` and without
``total_energy`` is a Session: its end defaults to ``last_updated`` while it is ongoing, and a Session
without periods is priced as one period holding ``kwh``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from ocpi_cpo.domain.pricing.charge import CdrDimension, CdrDimensionType, Charge, ChargingPeriod
from ocpi_cpo.domain.pricing.errors import DocumentError
from ocpi_cpo.domain.pricing.json_fields import (
    as_datetime,
    as_decimal,
    as_enum,
    as_list,
    as_object,
    as_str,
    child,
    required,
)

_ZERO = Decimal(0)
# Amounts that cannot be negative; currents and powers can (energy flowing back to the grid).
_NON_NEGATIVE = frozenset(
    {
        CdrDimensionType.ENERGY,
        CdrDimensionType.TIME,
        CdrDimensionType.PARKING_TIME,
        CdrDimensionType.RESERVATION_TIME,
        CdrDimensionType.ENERGY_IMPORT,
        CdrDimensionType.ENERGY_EXPORT,
        CdrDimensionType.MAX_CURRENT,
        CdrDimensionType.MAX_POWER,
        CdrDimensionType.STATE_OF_CHARGE,
    }
)


def is_session(document: Mapping[str, object]) -> bool:
    return "kwh" in document and "total_energy" not in document


def load_charge(document: object) -> Charge:
    """Read a CDR or a Session; raise :class:`DocumentError` naming the first wrong JSON path."""
    obj = as_object(document, "")
    session = is_session(obj)
    start = as_datetime(required(obj, "start_date_time", ""), "start_date_time")
    end = _end(obj, session)
    if end < start:
        raise DocumentError("end_date_time", f"expected a time after start_date_time ({start})")
    raw_periods = obj.get("charging_periods")
    if session and not raw_periods:
        kwh = as_decimal(obj.get("kwh", 0), "kwh", minimum=_ZERO)
        periods: tuple[ChargingPeriod, ...] = (
            ChargingPeriod(start, (CdrDimension(CdrDimensionType.ENERGY, kwh),)),
        )
    else:
        items = as_list(required(obj, "charging_periods", ""), "charging_periods", non_empty=True)
        periods = tuple(
            _period(item, child("charging_periods", index)) for index, item in enumerate(items)
        )
    currency = obj.get("currency")
    return Charge(
        start_date_time=start,
        end_date_time=end,
        charging_periods=periods,
        currency=None if currency is None else as_str(currency, "currency"),
    )


def _end(obj: Mapping[str, object], session: bool) -> datetime:
    if obj.get("end_date_time") is not None:
        return as_datetime(obj["end_date_time"], "end_date_time")
    if session and obj.get("last_updated") is not None:
        return as_datetime(obj["last_updated"], "last_updated")
    raise DocumentError(
        "end_date_time",
        "is required (an ongoing Session needs last_updated instead)" if session else "is required",
    )


def _period(value: object, path: str) -> ChargingPeriod:
    obj = as_object(value, path)
    dimensions_path = child(path, "dimensions")
    raw = as_list(required(obj, "dimensions", path), dimensions_path, non_empty=True)
    tariff_id = obj.get("tariff_id")
    return ChargingPeriod(
        start_date_time=as_datetime(
            required(obj, "start_date_time", path), child(path, "start_date_time")
        ),
        dimensions=tuple(
            _dimension(item, child(dimensions_path, index)) for index, item in enumerate(raw)
        ),
        tariff_id=None if tariff_id is None else as_str(tariff_id, child(path, "tariff_id")),
    )


def _dimension(value: object, path: str) -> CdrDimension:
    obj = as_object(value, path)
    kind = as_enum(required(obj, "type", path), CdrDimensionType, child(path, "type"))
    minimum = _ZERO if kind in _NON_NEGATIVE else None
    volume = as_decimal(required(obj, "volume", path), child(path, "volume"), minimum=minimum)
    return CdrDimension(kind, volume)
