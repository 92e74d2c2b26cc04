"""Network pages: operations, Locations on a map, EVSEs with live status and their stations,
and one Location's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ocpi_cpo.api.admin.locations import operations_view
from ocpi_cpo.api.console.auth import Viewer, console_state
from ocpi_cpo.api.console.live import stream
from ocpi_cpo.api.console.render import fragment, page
from ocpi_cpo.api.console.svgmap import HEIGHT, WIDTH, dots
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.services import locations as location_service
from ocpi_cpo.services import network as service
from ocpi_cpo.services import tariff_preview
from ocpi_cpo.services.errors import NotFoundError

STATUSES = [s.value for s in EvseStatus]


async def _body(context: OcpiContext, q: str, status: str) -> str:
    async with context.storage.read() as uow:
        views = await service.locations(uow, q, status)
    return fragment(
        "network_body.html",
        views=views,
        evse_count=sum(len(v.evses) for v in views),
        dots=dots(views),
        width=WIDTH,
        height=HEIGHT,
        now=context.clock.now(),
    )


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/network")
    async def network(
        request: Request, principal: Viewer, context: Context, q: str = "", status: str = ""
    ) -> Response:
        status = status if status in STATUSES else ""
        async with context.storage.read() as uow:
            counts = await location_service.operation_counts(uow)
        return page(
            request,
            "network.html",
            principal,
            operations=operations_view(context.settings, counts),
            body=await _body(context, q, status),
            q=q,
            status=status,
            statuses=STATUSES,
        )

    @api.get("/live/network")
    async def network_live(
        request: Request, principal: Viewer, context: Context, q: str = "", status: str = ""
    ) -> Response:
        status = status if status in STATUSES else ""
        return stream(request, lambda: _body(context, q, status))

    @api.get("/locations/{country_code}/{party_id}/{location_id}")
    async def location(
        request: Request,
        principal: Viewer,
        context: Context,
        country_code: str,
        party_id: str,
        location_id: str,
    ) -> Response:
        key = LocationKey(country_code.upper(), party_id.upper(), location_id)
        async with context.storage.read() as uow:
            view = await service.location(uow, key)
            tariffs = {t.key.id: t for t in await tariff_preview.published(uow)}
        if view is None:
            raise NotFoundError(f"no Location {country_code}/{party_id}/{location_id}")
        return page(
            request,
            "location.html",
            principal,
            view=view,
            tariffs=tariffs,
            checks=sorted(console_state(request).checks.items()),
        )

    return api
