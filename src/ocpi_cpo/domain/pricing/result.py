"""What pricing a charge yields: a breakdown per ChargingPeriod and the totals an OCPI CDR carries.

Breakdown amounts are exact (Decimal, never rounded); ``total_cost`` is rounded once, half up, to the
currency's minor unit (or ``[pricing] total_decimals``) from the exact sum, and the rounded parts
add up to it (``allocation.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from ocpi_cpo.domain.pricing.tariff import ZERO_PRICE, Price, PriceComponent, TariffDimensionType
from ocpi_cpo.domain.pricing.timeline import Phase

#: Hours in CDR totals are written with 6 decimals (3.6 ms), enough to carry whole seconds.
HOURS_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class DimensionPrice:
    """One dimension of one period: ``volume``/``billed_volume`` in kWh, hours, or 1 for FLAT."""

    dimension: TariffDimensionType
    element_index: int  # in Tariff.elements
    component: PriceComponent
    volume: Decimal
    billed_volume: Decimal  # after step_size
    cost: Price  # exact


@dataclass(frozen=True, slots=True)
class PeriodPrice:
    index: int  # in the charge's charging_periods
    phase: Phase
    start_date_time: datetime
    end_date_time: datetime
    local_start: datetime
    dimensions: tuple[DimensionPrice, ...]

    @property
    def cost(self) -> Price:
        return sum((d.cost for d in self.dimensions), ZERO_PRICE)


@dataclass(frozen=True, slots=True)
class PricingResult:
    """Rounded CDR totals plus the exact breakdown behind them.

    ``total_*_cost`` and ``total_cost`` are rounded; ``exact_total_cost`` is the same after
    min_price/max_price but before rounding. ``total_time`` (hours) is the session from its first
    period to the end (reservation time excluded); ``total_parking_time`` its non-charging part.
    """

    currency: str
    decimals: int
    periods: tuple[PeriodPrice, ...]
    total_cost: Price
    total_fixed_cost: Price
    total_energy_cost: Price
    total_time_cost: Price
    total_parking_cost: Price
    total_reservation_cost: Price
    total_energy: Decimal
    total_time: Decimal
    total_parking_time: Decimal
    total_reservation_time: Decimal
    exact_total_cost: Price
    min_price_applied: bool = False
    max_price_applied: bool = False
    warnings: tuple[str, ...] = ()

    def to_cdr_totals(self) -> dict[str, object]:
        """The CDR total fields as JSON-ready values (``json.dumps`` works on the result).

        Prices are ``{"excl_vat": n, "incl_vat": n}``, ``incl_vat`` left out when unknown. Numbers are
        floats made from the already rounded Decimals; a float's repr is the shortest text that reads
        back the same, so the JSON shows exactly the rounded digits.
        """
        return {
            "total_cost": _price(self.total_cost),
            "total_fixed_cost": _price(self.total_fixed_cost),
            "total_energy": float(self.total_energy),
            "total_energy_cost": _price(self.total_energy_cost),
            "total_time": _hours(self.total_time),
            "total_time_cost": _price(self.total_time_cost),
            "total_parking_time": _hours(self.total_parking_time),
            "total_parking_cost": _price(self.total_parking_cost),
            "total_reservation_cost": _price(self.total_reservation_cost),
        }


def _price(price: Price) -> dict[str, float]:
    result = {"excl_vat": float(price.excl_vat)}
    if price.incl_vat is not None:
        result["incl_vat"] = float(price.incl_vat)
    return result


def _hours(hours: Decimal) -> float:
    return float(hours.quantize(Decimal(1).scaleb(-HOURS_DECIMALS), rounding=ROUND_HALF_UP))
