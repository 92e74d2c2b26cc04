"""OCPP MeterValue -> readings in Wh / W / A / % (ocpp-bridge.md §2.5).

* Energy is ``Energy.Active.Import.Register`` (also what an absent ``measurand`` means); samples with
  a ``phase`` or measured at the EV or the inlet (``location`` EV / Inlet) are skipped.
* Units: Wh by default; 1.6 may say ``kWh`` (a string value); 2.0.1 gives a number and
  ``unitOfMeasure{unit, multiplier}`` (a power of ten).
* 1.6 ``format=SignedData`` values are signed meter data (Eichrecht), kept aside for the CDR.

Payload keys arrive in snake_case (the ``ocpp`` library converts them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ocpi_cpo.domain.stations import SignedValue

LOG = logging.getLogger(__name__)

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
SOC = "SoC"

#: unit -> factor to the base unit (Wh, W, A, Percent)
UNIT_FACTORS: Mapping[str, Decimal] = {
    "Wh": Decimal(1),
    "kWh": Decimal(1000),
    "W": Decimal(1),
    "kW": Decimal(1000),
    "A": Decimal(1),
    "Percent": Decimal(1),
}
SKIPPED_LOCATIONS = frozenset({"EV", "Inlet"})
SIGNED_NATURES: Mapping[str, str] = {"Transaction.Begin": "Start", "Transaction.End": "End"}


@dataclass(frozen=True, slots=True)
class Sample:
    """One MeterValue (one timestamp) reduced to what sessions need."""

    at: datetime
    context: str | None = None
    register_wh: Decimal | None = None
    power_w: Decimal | None = None
    current_a: Decimal | None = None
    state_of_charge: Decimal | None = None
    signed: tuple[SignedValue, ...] = ()


def parse_timestamp(value: str | None, default: datetime) -> datetime:
    if not value:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        LOG.warning("unreadable OCPP timestamp %r, using the time it arrived", value)
        return default
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _number(raw: Any) -> Decimal | None:
    try:
        # str() first: 2.0.1 numbers arrive as floats, whose binary value is not the reading
        return Decimal(str(raw)) if raw is not None else None
    except InvalidOperation:
        return None


def _unit_and_multiplier(sampled: Mapping[str, Any], default_unit: str) -> tuple[str, int]:
    unit_of_measure = sampled.get("unit_of_measure")
    if isinstance(unit_of_measure, Mapping):
        return (
            str(unit_of_measure.get("unit") or default_unit),
            int(unit_of_measure.get("multiplier") or 0),
        )
    return str(sampled.get("unit") or default_unit), 0


def scaled(sampled: Mapping[str, Any], default_unit: str) -> Decimal | None:
    """The sampled value in the base unit of ``default_unit``; None when unreadable."""
    value = _number(sampled.get("value"))
    if value is None:
        return None
    unit, multiplier = _unit_and_multiplier(sampled, default_unit)
    factor = UNIT_FACTORS.get(unit)
    if factor is None:
        LOG.warning("meter value in unexpected unit %r skipped", unit)
        return None
    return value * factor * Decimal(10) ** multiplier


def _signed(sampled: Mapping[str, Any], context: str | None) -> SignedValue | None:
    nature = SIGNED_NATURES.get(context or "", "Intermediate")
    if sampled.get("format") == "SignedData":  # 1.6 (OCA signed meter values)
        return SignedValue(nature=nature, plain_data="", signed_data=str(sampled.get("value")))
    signed = sampled.get("signed_meter_value")  # 2.0.1
    if isinstance(signed, Mapping):
        return SignedValue(
            nature=nature,
            plain_data=str(sampled.get("value")),
            signed_data=str(signed.get("signed_meter_data", "")),
        )
    return None


def parse_meter_value(meter_value: Mapping[str, Any], received_at: datetime) -> Sample:
    at = parse_timestamp(meter_value.get("timestamp"), received_at)
    values: dict[str, Decimal] = {}
    signed: list[SignedValue] = []
    context: str | None = None
    for sampled in meter_value.get("sampled_value") or []:
        context = sampled.get("context") or context
        signature = _signed(sampled, sampled.get("context"))
        if signature is not None:
            signed.append(signature)
            if sampled.get("format") == "SignedData":
                continue
        measurand = sampled.get("measurand") or ENERGY
        if sampled.get("phase"):
            continue
        if measurand != SOC and sampled.get("location") in SKIPPED_LOCATIONS:
            continue
        default_unit = {ENERGY: "Wh", POWER: "W", CURRENT: "A", SOC: "Percent"}.get(measurand)
        if default_unit is None or measurand in values:
            continue
        value = scaled(sampled, default_unit)
        if value is not None:
            values[measurand] = value
    return Sample(
        at=at,
        context=context,
        register_wh=values.get(ENERGY),
        power_w=values.get(POWER),
        current_a=values.get(CURRENT),
        state_of_charge=values.get(SOC),
        signed=tuple(signed),
    )


def parse_meter_values(
    meter_values: Iterable[Mapping[str, Any]] | None, received_at: datetime
) -> list[Sample]:
    samples = [parse_meter_value(mv, received_at) for mv in meter_values or []]
    return sorted(samples, key=lambda s: s.at)


def begin_register(samples: Iterable[Sample]) -> Decimal | None:
    """The Transaction.Begin register, else the first register in the list."""
    first: Decimal | None = None
    for sample in samples:
        if sample.register_wh is None:
            continue
        if sample.context == "Transaction.Begin":
            return sample.register_wh
        if first is None:
            first = sample.register_wh
    return first
