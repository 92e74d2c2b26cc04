"""Sessions and CDRs as the operator console shows them: the OCPI documents we send, and where
each CDR was delivered (its POST's outbox state at each partner)."""

from __future__ import annotations

from typing import Any

import orjson

from ocpi_cpo.domain.cdrs import StoredCdr
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.pricing import PricingError, price_document_result
from ocpi_cpo.domain.pricing.result import PricingResult
from ocpi_cpo.domain.sessions import ChargeSession
from ocpi_cpo.services.session_pushes import cdr_object_key
from ocpi_cpo.storage.protocols import UnitOfWork

#: what one console page shows at most
LIMIT = 200


def session_document(session: ChargeSession) -> dict[str, Any]:
    """The OCPI Session as partners get it (kWh and cost so far), with the driving station."""
    document: dict[str, Any] = orjson.loads(orjson.dumps(session.document()))
    document["_station_id"] = session.station_id
    return document


def cdr_document(cdr: StoredCdr) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(cdr.document)
    return document


async def sessions(uow: UnitOfWork, limit: int = LIMIT) -> list[dict[str, Any]]:
    return [session_document(s) for s in await uow.sessions.recent(limit)]


async def deliveries(uow: UnitOfWork) -> dict[str, list[tuple[str, str]]]:
    """CDR object key -> [(partner, outbox state of its latest POST)]."""
    found: dict[str, dict[str, str]] = {}
    for partner in await uow.partners.all():
        for key, state, _ in await uow.cdrs.sent_to(partner.id):
            found.setdefault(key, {})[partner.name] = state  # latest POST wins (ordered by id)
    return {key: sorted(states.items()) for key, states in found.items()}


def delivery_key(document: dict[str, Any]) -> str:
    return cdr_object_key(document)


def breakdown(document: dict[str, Any], time_zone: str | None) -> PricingResult | None:
    """The CDR priced again with the tariff it carries, by the same engine as ``ocpi-cpo price``:
    the cost of each dimension of each charging period. None for a credit or without a tariff."""
    tariffs = document.get("tariffs") or []
    if document.get("credit") or not tariffs:
        return None
    try:
        return price_document_result(tariffs[0], document, time_zone)
    except PricingError:
        return None


async def time_zone_of(uow: UnitOfWork, document: dict[str, Any]) -> str | None:
    place = document.get("cdr_location") or {}
    key = LocationKey(
        str(document.get("country_code")), str(document.get("party_id")), str(place.get("id"))
    )
    stored = await uow.locations.get(key)
    if stored is None:
        return None
    zone = orjson.loads(stored.document).get("time_zone")
    return str(zone) if zone else None


async def cdrs(uow: UnitOfWork, limit: int = LIMIT) -> list[dict[str, Any]]:
    """CDRs sent, newest first."""
    return [cdr_document(c) for c in await uow.cdrs.recent(limit)]


async def held(uow: UnitOfWork) -> list[dict[str, Any]]:
    """CDRs held back (never sent), with the reason under ``_reason``."""
    return [cdr_document(c) | {"_reason": c.held_reason} for c in await uow.cdrs.held()]


async def credits_of(uow: UnitOfWork, cdr_id: str) -> list[dict[str, Any]]:
    return [cdr_document(c) for c in await uow.cdrs.credits_of(cdr_id)]
