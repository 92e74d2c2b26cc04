"""Price preview for the operator console: a charge described by start, duration, kWh and power,
priced with a published tariff by the same engine as ``ocpi-cpo price`` (docs/pricing.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ocpi_cpo.domain.pricing import PricingError, price_document_result
from ocpi_cpo.domain.pricing.result import PricingResult
from ocpi_cpo.domain.tariffs import Tariff, format_utc
from ocpi_cpo.services.errors import RuleViolation
from ocpi_cpo.storage.protocols import UnitOfWork


@dataclass(frozen=True, slots=True)
class Charge:
    """What the operator typed; ``start`` is local time in ``time_zone``."""

    start: str
    minutes: str
    kwh: str
    power_kw: str
    time_zone: str


def _number(value: str, what: str, *, positive: bool = True) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise RuleViolation(f"{what} {value!r}: expected a number") from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise RuleViolation(f"{what} {value!r}: expected a number above 0")
    return number


def charge_document(charge: Charge) -> tuple[dict[str, Any], str]:
    """The minimal CDR the engine reads (``charge_loader``) and the zone; RuleViolation names
    the field that is wrong."""
    try:
        zone = ZoneInfo(charge.time_zone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleViolation(
            f"time zone {charge.time_zone!r}: expected an IANA zone such as Europe/Paris"
        ) from None
    try:
        local = datetime.fromisoformat(charge.start.strip())
    except ValueError:
        raise RuleViolation(f"start {charge.start!r}: expected a date and time") from None
    start = (local if local.tzinfo else local.replace(tzinfo=zone)).astimezone(ZoneInfo("UTC"))
    minutes = _number(charge.minutes, "duration (minutes)")
    kwh = _number(charge.kwh, "energy (kWh)", positive=False)
    dimensions: list[dict[str, Any]] = [{"type": "ENERGY", "volume": kwh}]
    if charge.power_kw.strip():
        dimensions.append({"type": "MAX_POWER", "volume": _number(charge.power_kw, "power (kW)")})
    end = start + timedelta(minutes=float(minutes))
    document = {
        "start_date_time": format_utc(start),
        "end_date_time": format_utc(end),
        "total_energy": kwh,
        "charging_periods": [{"start_date_time": format_utc(start), "dimensions": dimensions}],
    }
    return document, charge.time_zone.strip()


def preview(tariff: Tariff, charge: Charge) -> PricingResult:
    document, zone = charge_document(charge)
    try:
        return price_document_result(tariff.document(), document, zone)
    except PricingError as exc:
        raise RuleViolation(str(exc)) from None


async def published(uow: UnitOfWork) -> list[Tariff]:
    """Every tariff description we publish (what the preview may use)."""
    return list(await uow.tariffs.all())
