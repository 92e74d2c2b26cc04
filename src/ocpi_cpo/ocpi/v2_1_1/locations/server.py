"""Locations Sender, OCPI 2.1.1 (mod_locations 2.1.1, CPO interface): the paginated list and GET
of one Location, EVSE or connector.

The same rows, visibility and paging as 2.2.1 (``ocpi.v2_2_1.locations.server``: a partner sees
the Locations it may see, PRIVATE ones are neither listed nor found), each object in 2.1.1 form
(``render``) kept ready (``ocpi.v2_1_1.sender``).
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from fastapi import APIRouter, Request

from ocpi_cpo.domain.locations import PARTNER_VISIBLE, LocationPage, find_connector, find_evse
from ocpi_cpo.ocpi.auth import Caller, FunctionalCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import UnknownLocation
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.sender import sender_page
from ocpi_cpo.ocpi.v2_1_1.locations import render, schemas
from ocpi_cpo.ocpi.v2_1_1.sender import Kept, present
from ocpi_cpo.ocpi.v2_2_1.locations.server import IdPath, addressed_owner, visible_location
from ocpi_cpo.ocpi.wire_check import checked
from ocpi_cpo.services import locations as service

MODULE = "locations"
KEPT = Kept()


def _wire(stored: bytes) -> bytes | None:
    return KEPT.rendered(stored, render.location, MODULE, "location", schemas.Location)


async def locations_page(request: Request, caller: Caller, context: OcpiContext) -> OcpiResponse:
    """GET of the list (a ``SenderList``, also served before the router: api.sender_lists)."""
    owner = addressed_owner(request, context, caller.partner)

    async def load(page: PageRequest) -> tuple[int, Sequence[bytes]]:
        query = LocationPage(
            visibilities=PARTNER_VISIBLE,
            offset=page.offset,
            limit=page.limit,
            date_from=page.date_from,
            date_to=page.date_to,
            owner=owner,
        )
        async with context.storage.read(snapshot=False) as uow:
            total, documents = await service.page(uow, query)
        return total, present([_wire(d) for d in documents])

    return await sender_page(
        request, context, max_limit=context.settings.page_limits.locations, load=load
    )


def router() -> APIRouter:
    api = APIRouter(tags=["locations 2.1.1"])

    @api.get("", summary="Our Locations in OCPI 2.1.1 form, paginated")
    async def list_locations(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        return await locations_page(request, caller, context)

    @api.get("/{location_id}", summary="One Location (OCPI 2.1.1)")
    async def get_location(
        request: Request, caller: FunctionalCaller, context: Context, location_id: IdPath
    ) -> OcpiResponse:
        stored = await visible_location(request, context, location_id, caller.partner)
        wire = _wire(stored.document)
        if wire is None:
            raise UnknownLocation(f"Location {location_id!r} cannot be said in OCPI 2.1.1")
        return ocpi_response(context.clock.now(), raw_data=wire)

    @api.get("/{location_id}/{evse_uid}", summary="One EVSE (OCPI 2.1.1)")
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
        body = checked("2.1.1", MODULE, "evse", schemas.EVSE, render.evse(evse))
        return ocpi_response(context.clock.now(), body)

    @api.get("/{location_id}/{evse_uid}/{connector_id}", summary="One connector (OCPI 2.1.1)")
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
        body = checked("2.1.1", MODULE, "connector", schemas.Connector, render.connector(connector))
        return ocpi_response(context.clock.now(), body)

    return api
