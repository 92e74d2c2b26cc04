"""CDR money totals that add up: ``total_cost`` = the sum of the ``total_*_cost`` parts, excl. and
incl. VAT, after rounding (issue "Money right", item 4: an invoice whose lines do not add up is a
dispute).

1. ``min_price`` raised the total: the difference is a fixed charge, added to the fixed part.
   ``max_price`` lowered it: every part is lowered in proportion (the cap is on the whole).
2. ``total_cost`` is rounded once, half up, from the exact total (pricing.md, "Rounding").
3. The parts are rounded half up, then the few minor units they are off from the rounded total
   go to the parts whose rounding moved them most (largest remainder): at most one unit each.

Pure: Decimal only.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from ocpi_cpo.domain.pricing.tariff import Price, round_money

FIXED = "fixed"


def _limited(parts: Mapping[str, Decimal], total: Decimal) -> dict[str, Decimal]:
    """The exact parts once a limit moved the total: they sum to ``total`` exactly, or within the
    last digits of a proportional share (absorbed by the allocation below)."""
    whole = sum(parts.values(), Decimal(0))
    if total == whole:
        return dict(parts)
    if total > whole or whole == 0:
        return {**parts, FIXED: parts.get(FIXED, Decimal(0)) + total - whole}
    return {name: amount * total / whole for name, amount in parts.items()}


def _allocate(parts: Mapping[str, Decimal], total: Decimal, decimals: int) -> dict[str, Decimal]:
    rounded_total = round_money(total, decimals)
    exact = _limited(parts, total)
    rounded = {name: round_money(amount, decimals) for name, amount in exact.items()}
    unit = Decimal(1).scaleb(-decimals)
    off = ((rounded_total - sum(rounded.values(), Decimal(0))) / unit).to_integral_value(ROUND_DOWN)
    if off:
        step = unit if off > 0 else -unit
        # who gains a unit: the parts rounded down the most; who loses one: rounded up the most
        order = sorted(exact, key=lambda n: (exact[n] - rounded[n]) * (1 if off > 0 else -1))
        for name in order[len(order) - int(abs(off)) :]:
            rounded[name] += step
    return rounded


def allocate(
    parts: Mapping[str, Price], total: Price, decimals: int
) -> tuple[Price, dict[str, Price]]:
    """(rounded ``total_cost``, rounded parts adding up to it) from exact parts and the exact
    total after ``min_price``/``max_price``. When the total incl. VAT is unknown (a priced
    component without ``vat``), the parts that know theirs are each rounded alone."""
    excl = _allocate({n: p.excl_vat for n, p in parts.items()}, total.excl_vat, decimals)
    incl: dict[str, Decimal] | None = None
    known = all(p.incl_vat is not None for p in parts.values())
    if total.incl_vat is not None and known:
        incl = _allocate(
            {n: p.incl_vat for n, p in parts.items() if p.incl_vat is not None},
            total.incl_vat,
            decimals,
        )
    rounded_total = total.rounded(decimals)

    if incl is not None:
        _keep_vat_non_negative(excl, incl)

    def alone(name: str, price: Price) -> Decimal | None:
        # never below the part excl. VAT, which the allocation may have raised by a unit
        if price.incl_vat is None:
            return None
        return max(round_money(price.incl_vat, decimals), excl[name])

    return rounded_total, {
        name: Price(excl[name], alone(name, price) if incl is None else incl[name])
        for name, price in parts.items()
    }


def _keep_vat_non_negative(excl: Mapping[str, Decimal], incl: dict[str, Decimal]) -> None:
    """Allocating excl. and incl. VAT apart may leave a part 0.01 excl. and 0.00 incl. VAT: move
    such units incl. VAT from the part with the most VAT (totals: incl >= excl, so one exists)."""
    for name in incl:
        while incl[name] < excl[name]:
            donor = max(incl, key=lambda n: incl[n] - excl[n])
            if incl[donor] - excl[donor] <= 0:
                return
            moved = min(excl[name] - incl[name], incl[donor] - excl[donor])
            incl[name] += moved
            incl[donor] -= moved
