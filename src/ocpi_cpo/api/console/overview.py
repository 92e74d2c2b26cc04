"""The overview page: partners, the outbox, stations, EVSEs, sessions, CDRs and alerts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ocpi_cpo.api.console.auth import Viewer, console_state
from ocpi_cpo.api.console.live import stream
from ocpi_cpo.api.console.render import fragment, page
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.services import overview as service


async def _view(context: OcpiContext) -> service.Overview:
    async with context.storage.read() as uow:
        return await service.overview(uow, context.clock.now())


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/")
    async def overview(request: Request, principal: Viewer, context: Context) -> Response:
        return page(
            request,
            "overview.html",
            principal,
            view=await _view(context),
            check_alerts=console_state(request).check_alerts(),
        )

    @api.get("/live/overview")
    async def overview_live(request: Request, principal: Viewer, context: Context) -> Response:
        async def render() -> str:
            return fragment(
                "overview_body.html",
                view=await _view(context),
                check_alerts=console_state(request).check_alerts(),
            )

        return stream(request, render)

    return api
