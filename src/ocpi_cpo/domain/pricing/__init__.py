"""OCPI 2.2.1 pricing engine: tariff + charge (CDR or Session) -> CDR totals, in Decimal.

Entry points:

* :func:`price_documents` -- decoded Tariff JSON + CDR/Session JSON + optional IANA zone -> CDR totals
  as a JSON-ready dict (what ``ocpi-cpo price`` prints);
* :func:`price_document_result` -- the same, returning the :class:`PricingResult` (breakdown, warnings);
* :func:`price_charge` -- domain objects in, :class:`PricingResult` out;
* :func:`load_tariff`, :func:`load_charge` -- JSON -> domain objects, errors naming the JSON path.

Rules and the choices where the spec is ambiguous: docs/pricing.md.
"""

from ocpi_cpo.domain.pricing.charge import CdrDimension, CdrDimensionType, Charge, ChargingPeriod
from ocpi_cpo.domain.pricing.charge_loader import load_charge
from ocpi_cpo.domain.pricing.documents import price_document_result, price_documents
from ocpi_cpo.domain.pricing.engine import price_charge, resolve_time_zone
from ocpi_cpo.domain.pricing.errors import (
    CurrencyMismatchError,
    DocumentError,
    PricingError,
    TimeZoneError,
)
from ocpi_cpo.domain.pricing.result import DimensionPrice, PeriodPrice, PricingResult
from ocpi_cpo.domain.pricing.tariff import (
    DayOfWeek,
    Price,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)
from ocpi_cpo.domain.pricing.tariff_loader import load_tariff
from ocpi_cpo.domain.pricing.timeline import Phase

__all__ = [
    "CdrDimension",
    "CdrDimensionType",
    "Charge",
    "ChargingPeriod",
    "CurrencyMismatchError",
    "DayOfWeek",
    "DimensionPrice",
    "DocumentError",
    "PeriodPrice",
    "Phase",
    "Price",
    "PriceComponent",
    "PricingError",
    "PricingResult",
    "ReservationRestrictionType",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
    "TimeZoneError",
    "load_charge",
    "load_tariff",
    "price_charge",
    "price_document_result",
    "price_documents",
    "resolve_time_zone",
]
