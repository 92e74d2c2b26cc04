"""Admin: partners (read-only; registration goes through the CLI or the partner itself)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.domain.partners import partner_view
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.services import partner_sync
from ocpi_cpo.storage.protocols import UnitOfWork


async def partner_views(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every partner with its last sync's progress and its last reconciliation."""
    return [partner_view(*found) for found in await partner_sync.overview(uow)]


def router() -> APIRouter:
    api = APIRouter(tags=["admin: partners"])

    @api.get("/partners", summary="Every partner, its identity, endpoints and state")
    async def list_partners(admin: Admin, context: Context) -> OcpiResponse:
        async with context.storage.read() as uow:
            views = await partner_views(uow)
        return ocpi_response(context.clock.now(), views)

    return api
