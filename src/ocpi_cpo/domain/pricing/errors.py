"""Errors of the pricing engine.

Exception tree (one boundary: documents and arguments given to the engine)::

    PricingError (ValueError)
     ├── DocumentError        a Tariff, CDR or Session JSON value is missing or malformed; names the JSON path
     ├── TimeZoneError        the time zone is not a known IANA name
     └── CurrencyMismatchError the charge is in another currency than the tariff

Each message says what was wrong, so the CLI can print it as is.
"""

from __future__ import annotations


class PricingError(ValueError):
    """Base of every error raised by :mod:`ocpi_cpo.domain.pricing`."""


class DocumentError(PricingError):
    """A JSON document does not hold what OCPI 2.2.1 says; ``path`` is where (``elements[0].price_components[1].step_size``)."""

    def __init__(self, path: str, problem: str, *, document: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.document = document
        where = f"{document} {path}" if document else path
        super().__init__(f"{where}: {problem}")

    def in_document(self, document: str) -> DocumentError:
        """The same error, labelled with the document it was found in (``tariff``, ``cdr``)."""
        return DocumentError(self.path, self.problem, document=document)


class TimeZoneError(PricingError):
    """The location's time zone is not a known IANA name such as ``Europe/Paris``."""


class CurrencyMismatchError(PricingError):
    """The CDR or Session is in another currency than the tariff: its prices do not apply."""
