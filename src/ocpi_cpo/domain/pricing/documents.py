"""Price decoded JSON documents: the entry point for ``ocpi-cpo price --tariff T.json --cdr C.json``.

Decode the files with ``json.loads(text, parse_float=Decimal)`` to keep every digit (plain floats work
too: they are read through their shortest repr).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from ocpi_cpo.domain.pricing.charge_loader import load_charge
from ocpi_cpo.domain.pricing.engine import price_charge
from ocpi_cpo.domain.pricing.errors import DocumentError
from ocpi_cpo.domain.pricing.result import PricingResult
from ocpi_cpo.domain.pricing.tariff_loader import load_tariff

NO_TIME_ZONE_WARNING = "no time zone given: tariff restrictions were evaluated in UTC"


def price_document_result(
    tariff_document: object, charge_document: object, time_zone: str | tzinfo | None = None
) -> PricingResult:
    """Load a Tariff and a CDR (or Session) and price them, keeping the breakdown and the warnings.

    ``time_zone`` is the IANA name of the location's zone (OCPI ``Location.time_zone``); a CDR does not
    carry it. Without it, restrictions are evaluated in UTC and a warning says so. Errors:
    :class:`DocumentError` labelled ``tariff`` or ``cdr`` with the JSON path, :class:`TimeZoneError`,
    :class:`CurrencyMismatchError`.
    """
    try:
        tariff = load_tariff(tariff_document)
    except DocumentError as error:
        raise error.in_document("tariff") from None
    try:
        charge = load_charge(charge_document)
    except DocumentError as error:
        raise error.in_document("cdr") from None
    result = price_charge(tariff, charge, "UTC" if time_zone is None else time_zone)
    if time_zone is None:
        return replace(result, warnings=(NO_TIME_ZONE_WARNING, *result.warnings))
    return result


def price_documents(
    tariff_document: object, charge_document: object, time_zone: str | tzinfo | None = None
) -> dict[str, object]:
    """The CDR totals (JSON-ready dict) for a Tariff and a CDR or Session; see :func:`price_document_result`."""
    return price_document_result(tariff_document, charge_document, time_zone).to_cdr_totals()
