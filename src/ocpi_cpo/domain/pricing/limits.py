"""Tariff ``min_price`` and ``max_price`` (mod_tariffs, Tariff object notes).

Both apply to the whole cost, separately excl. and incl. VAT: the total excl. VAT is never below
``min_price.excl_vat`` nor above ``max_price.excl_vat``, and likewise incl. VAT. When a limit moves the
total excl. VAT but gives no ``incl_vat``, the total incl. VAT is unknown: we do not invent a VAT.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocpi_cpo.domain.pricing.tariff import Price


@dataclass(frozen=True, slots=True)
class Limited:
    price: Price
    min_price_applied: bool
    max_price_applied: bool


def apply_price_limits(total: Price, minimum: Price | None, maximum: Price | None) -> Limited:
    excl, incl = total.excl_vat, total.incl_vat
    raised = lowered = False
    if minimum is not None:
        if excl < minimum.excl_vat:
            excl, raised = minimum.excl_vat, True
            incl = None if minimum.incl_vat is None else incl
        if incl is not None and minimum.incl_vat is not None and incl < minimum.incl_vat:
            incl, raised = minimum.incl_vat, True
    if maximum is not None:
        if excl > maximum.excl_vat:
            excl, lowered = maximum.excl_vat, True
            incl = None if maximum.incl_vat is None else incl
        if incl is not None and maximum.incl_vat is not None and incl > maximum.incl_vat:
            incl, lowered = maximum.incl_vat, True
    return Limited(Price(excl, incl), raised, lowered)
