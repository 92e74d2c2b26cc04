"""Admin: partners (read-only; registration goes through the CLI or the partner itself)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.domain.partners import Partner
from ocpi_cpo.domain.sync import Reconciliation, SyncProgress
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.services import partner_sync
from ocpi_cpo.storage.protocols import UnitOfWork


async def partner_views(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every partner with its last sync's progress and its last reconciliation."""
    return [partner_view(*found) for found in await partner_sync.overview(uow)]


def partner_view(
    partner: Partner,
    sync: SyncProgress | None = None,
    reconciliation: Reconciliation | None = None,
) -> dict[str, Any]:
    """A partner as operators see it: never its token."""
    return {
        "name": partner.name,
        "profile": partner.profile_name,
        "state": partner.state.value,
        "direction": partner.direction.value if partner.direction else None,
        "roles": [
            {"role": r.role, "country_code": r.country_code, "party_id": r.party_id, "name": r.name}
            for r in partner.roles
        ],
        "version": partner.version,
        "versions_url": partner.versions_url,
        "endpoints": [
            {"identifier": e.identifier, "role": e.role, "url": e.url} for e in partner.endpoints
        ],
        "registered_at": partner.registered_at.isoformat() if partner.registered_at else None,
        "last_seen_at": partner.last_seen_at.isoformat() if partner.last_seen_at else None,
        "sync": sync.as_dict() if sync is not None else None,
        "reconciliation": reconciliation.as_dict() if reconciliation is not None else None,
    }


def router() -> APIRouter:
    api = APIRouter(tags=["admin: partners"])

    @api.get("/partners", summary="Every partner, its identity, endpoints and state")
    async def list_partners(admin: Admin, context: Context) -> OcpiResponse:
        async with context.storage.read() as uow:
            views = await partner_views(uow)
        return ocpi_response(context.clock.now(), views)

    return api
