"""Tariff documents written inline for the edge-case tests."""

from __future__ import annotations

from decimal import Decimal

from ocpi_cpo.domain.pricing import Tariff, load_tariff


def component(kind: str, price: str, step: int = 1, vat: str | None = "20") -> dict[str, object]:
    result: dict[str, object] = {"type": kind, "price": Decimal(price), "step_size": step}
    if vat is not None:
        result["vat"] = Decimal(vat)
    return result


def element(*components: dict[str, object], **restrictions: object) -> dict[str, object]:
    result: dict[str, object] = {"price_components": list(components)}
    if restrictions:
        result["restrictions"] = restrictions
    return result


def tariff(*elements: dict[str, object], **fields: object) -> Tariff:
    return load_tariff({"id": "T1", "currency": "EUR", "elements": list(elements), **fields})
