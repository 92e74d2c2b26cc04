"""Tariff wire <-> domain, and reading tariff files (one Tariff or a list) for import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ocpi_cpo.config import Settings
from ocpi_cpo.domain import tariffs as domain
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.ocpi.v2_2_1.tariffs.schemas import Tariff
from ocpi_cpo.ocpi.v2_2_1.types import DateTime, format_datetime


class TariffDocumentError(ValueError):
    """A tariff document is not an OCPI 2.2.1 Tariff; the message names the JSON path."""


def our_parties(settings: Settings) -> frozenset[domain.Party]:
    """The owners our tariffs may have: one party per configured operation."""
    return frozenset(
        domain.Party(o.operator.country_code, o.operator.party_id) for o in settings.operations
    )


def to_domain(tariff: Tariff) -> domain.Tariff:
    content: dict[str, Any] = tariff.model_dump(mode="json", exclude_none=True)
    content.pop("last_updated", None)
    content["country_code"] = tariff.country_code.upper()
    content["party_id"] = tariff.party_id.upper()
    target = None
    if tariff.target_operator_country_code and tariff.target_operator_party_id:
        target = domain.Party(
            tariff.target_operator_country_code.upper(), tariff.target_operator_party_id.upper()
        )
        content["target_operator_country_code"] = target.country_code
        content["target_operator_party_id"] = target.party_id
    return domain.Tariff(
        key=domain.TariffKey(content["country_code"], content["party_id"], tariff.id, target),
        type=tariff.type.value if tariff.type else None,
        currency=tariff.currency,
        start_date_time=tariff.start_date_time,
        end_date_time=tariff.end_date_time,
        content=content,
        last_updated=tariff.last_updated,
    )


def _problem(where: str, error: ValidationError) -> TariffDocumentError:
    first = error.errors()[0]
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    path = json_path(first.get("loc", ())) or "(document)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return TariffDocumentError(f"{where}{path}: {message}{more}")


def read_tariffs(
    document: object, *, owner: domain.Party | None, now: datetime
) -> list[domain.Tariff]:
    """A Tariff object or a list of them, as an operator writes it for import.

    ``last_updated`` may be left out (we set it when the description changes); ``country_code``
    and ``party_id`` may be left out when ``owner`` is given, and are replaced by it.
    """
    items = document if isinstance(document, list) else [document]
    if not items:
        raise TariffDocumentError("the file holds an empty list: give at least one Tariff")
    found = []
    for index, item in enumerate(items):
        where = f"[{index}]." if isinstance(document, list) else ""
        if not isinstance(item, dict):
            raise TariffDocumentError(f"{where or '(document)'}: expected a Tariff JSON object")
        data = {"last_updated": format_datetime(now), **item}
        if owner is not None:
            data.update(country_code=owner.country_code, party_id=owner.party_id)
        try:
            found.append(to_domain(Tariff.model_validate(data)))
        except ValidationError as exc:
            raise _problem(where, exc) from None
    return found


_MOMENT: TypeAdapter[datetime] = TypeAdapter(DateTime)


def parse_moment(name: str, text: str) -> datetime:
    """An OCPI DateTime given by an operator (``--at``), e.g. 2026-12-01T00:00:00Z."""
    try:
        return _MOMENT.validate_python(text)
    except ValidationError:
        raise TariffDocumentError(
            f"{name} {text!r} is not an RFC 3339 UTC date-time such as 2026-12-01T00:00:00Z"
        ) from None
