"""Locations Sender (mod_locations, CPO side): the paginated list and GET of one object.

Pages are built from each Location's wire JSON kept ready (``ocpi.sender``); nothing is re-encoded
on the list. A partner sees the Locations it may see (``domain.locations``, visibility): PRIVATE
ones are neither listed nor found. A request addressed to one of our operations (OCPI-to-*) sees
that operation's Locations only (gireve.md §4.2).
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Request

from ocpi_cpo.domain.locations import (
    PARTNER_VISIBLE,
    LocationPage,
    StoredLocation,
    find_connector,
    find_evse,
)
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.ocpi.auth import Caller, FunctionalCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import UnknownLocation
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import addressed_party, response_routing
from ocpi_cpo.ocpi.sender import sender_page
from ocpi_cpo.services import locations as service

IdPath = Annotated[str, Path(max_length=36)]


def addressed_owner(
    request: Request, context: OcpiContext, partner: Partner
) -> tuple[str, str] | None:
    """The operation whose Locations the caller sees: the one it is bound to, else the one its
    OCPI-to-* headers name, else None (every operation)."""
    party = addressed_party(request, partner)
    if partner.operation_party is not None:
        return party
    if party is None:
        return None
    ours = {(o.operator.country_code, o.operator.party_id) for o in context.settings.operations}
    return party if party in ours else None


async def visible_location(
    request: Request, context: OcpiContext, location_id: str, partner: Partner
) -> StoredLocation:
    async with context.storage.read() as uow:
        found = await service.by_location_id(uow, location_id)
    owner = addressed_owner(request, context, partner)
    visible = [
        s
        for s in found
        if s.visibility in PARTNER_VISIBLE
        and (owner is None or (s.key.country_code, s.key.party_id) == owner)
    ]
    if len(visible) != 1:
        # Two operations may use the same id; without OCPI-to-* we cannot tell which is meant.
        raise UnknownLocation(f"unknown Location {location_id!r}")
    return visible[0]


async def locations_page(request: Request, caller: Caller, context: OcpiContext) -> OcpiResponse:
    """GET of the list (a ``SenderList``): the FastAPI route below and the fast path before the
    router (``api.sender_lists``) both answer with this."""
    owner = addressed_owner(request, context, caller.partner)

    async def load(page: PageRequest) -> tuple[int, list[bytes]]:
        query = LocationPage(
            visibilities=PARTNER_VISIBLE,
            offset=page.offset,
            limit=page.limit,
            date_from=page.date_from,
            date_to=page.date_to,
            owner=owner,
        )
        # One statement (the total is a subquery or kept): no snapshot needed.
        async with context.storage.read(snapshot=False) as uow:
            return await service.page(uow, query)

    return await sender_page(
        request, context, max_limit=context.settings.page_limits.locations, load=load
    )


def router() -> APIRouter:
    api = APIRouter(tags=["locations"])

    @api.get("", summary="Our Locations, paginated (date_from, date_to, offset, limit)")
    async def list_locations(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        # Served before this route by api.sender_lists; kept for OpenAPI and as the reference.
        return await locations_page(request, caller, context)

    @api.get("/{location_id}", summary="One Location")
    async def get_location(
        request: Request, caller: FunctionalCaller, context: Context, location_id: IdPath
    ) -> OcpiResponse:
        stored = await visible_location(request, context, location_id, caller.partner)
        return ocpi_response(
            context.clock.now(), raw_data=stored.document, headers=response_routing(request)
        )

    @api.get("/{location_id}/{evse_uid}", summary="One EVSE")
    async def get_evse(
        request: Request,
        caller: FunctionalCaller,
        context: Context,
        location_id: IdPath,
        evse_uid: IdPath,
    ) -> OcpiResponse:
        stored = await visible_location(request, context, location_id, caller.partner)
        evse = find_evse(orjson.loads(stored.document), evse_uid)
        if evse is None:
            raise UnknownLocation(f"Location {location_id!r} has no EVSE {evse_uid!r}")
        return ocpi_response(
            context.clock.now(), raw_data=orjson.dumps(evse), headers=response_routing(request)
        )

    @api.get("/{location_id}/{evse_uid}/{connector_id}", summary="One connector")
    async def get_connector(
        request: Request,
        caller: FunctionalCaller,
        context: Context,
        location_id: IdPath,
        evse_uid: IdPath,
        connector_id: IdPath,
    ) -> OcpiResponse:
        stored = await visible_location(request, context, location_id, caller.partner)
        evse = find_evse(orjson.loads(stored.document), evse_uid)
        connector = find_connector(evse, connector_id) if evse is not None else None
        if connector is None:
            raise UnknownLocation(
                f"Location {location_id!r} has no connector {evse_uid!r}/{connector_id!r}"
            )
        return ocpi_response(
            context.clock.now(),
            raw_data=orjson.dumps(connector),
            headers=response_routing(request),
        )

    return api
