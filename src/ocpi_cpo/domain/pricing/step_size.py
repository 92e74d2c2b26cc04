"""``step_size``: billed amounts are rounded up to whole steps, once per session (mod_cdrs, step_size).

Our reading (docs/pricing.md, "step_size"), which is the one of mod_cdrs and of the worked examples of
the 2.2.1 bug-fix release of mod_tariffs:

* ENERGY: the session's total priced energy is rounded up with the step_size of the last ENERGY
  component used; the extra is billed at that last component's price.
* TIME and PARKING_TIME together: only the dimension of the *last* priced time line is rounded
  (its total, with the step_size of its last component); the other one is billed as measured.
* reservation TIME: its total is rounded with the step_size of the last reservation TIME component.

A step_size of 0 means no rounding. The step multiplier is 1 Wh for ENERGY and 1 s for times.

Before rounding up, a time total is taken to the nearest second: OCPI states times in decimal hours, so
40 minutes arrive as 0.666667 h = 2400.0012 s, and rounding that noise up would bill a whole extra step.
An energy total is taken to the nearest mWh for the same reason (115.2 Wh still bills 116 Wh).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from ocpi_cpo.domain.pricing.tariff import PriceComponent, TariffDimensionType
from ocpi_cpo.domain.pricing.timeline import Phase

_KWH_PER_WH = Decimal("0.001")
_SECOND = Decimal(1)
_ENERGY_RESOLUTION = Decimal("0.000001")  # kWh, i.e. 1 mWh
_TIMES = (TariffDimensionType.TIME, TariffDimensionType.PARKING_TIME)


@dataclass(frozen=True, slots=True)
class Line:
    """One priced dimension of one period: ``volume`` in kWh (ENERGY), seconds (times) or 1 (FLAT)."""

    position: int  # index in the timeline
    phase: Phase
    dimension: TariffDimensionType
    element_index: int
    component: PriceComponent
    volume: Decimal
    billed: Decimal


def apply_step_sizes(lines: Sequence[Line]) -> list[Line]:
    result = list(lines)
    session = Phase.SESSION
    result = _round_total(
        result, lambda line: line.phase is session and line.dimension is TariffDimensionType.ENERGY
    )
    timed = [line for line in result if line.phase is session and line.dimension in _TIMES]
    if timed:
        last_dimension = timed[-1].dimension
        result = _round_total(
            result, lambda line: line.phase is session and line.dimension is last_dimension
        )
    return _round_total(
        result,
        lambda line: line.phase is Phase.RESERVATION and line.dimension is TariffDimensionType.TIME,
    )


def _round_total(lines: list[Line], selected: Callable[[Line], bool]) -> list[Line]:
    positions = [index for index, line in enumerate(lines) if selected(line)]
    if not positions:
        return lines
    last = lines[positions[-1]]
    energy = last.dimension is TariffDimensionType.ENERGY
    step = (_KWH_PER_WH if energy else _SECOND) * last.component.step_size
    if step <= 0:
        return lines
    total = sum((lines[index].billed for index in positions), Decimal(0))
    measured = total.quantize(_ENERGY_RESOLUTION if energy else _SECOND, rounding=ROUND_HALF_EVEN)
    steps = (measured / step).to_integral_value(rounding=ROUND_CEILING)
    extra = steps * step - total
    lines[positions[-1]] = replace(last, billed=last.billed + extra)
    return lines
