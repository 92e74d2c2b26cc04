"""Admin: sessions and CDRs. The CLI's ``ocpi-cpo sessions`` / ``ocpi-cpo cdrs`` do the same.

* ``GET /admin/sessions[?limit=&offset=]``, ``GET /admin/sessions/{session_id}``: newest first,
  with the status, energy and cost so far, whether partners see it.
* ``GET /admin/cdrs[?limit=&offset=]``, ``GET /admin/cdrs/{cdr_id}``: the CDRs as POSTed.
* ``POST /admin/cdrs/{cdr_id}/credit``, body ``{"reason": "..."}``: the Credit CDR (credit=true,
  credit_reference_id, negated amounts), POSTed where the original went.
* ``GET /admin/cdrs/held``: CDRs held because they could not be priced, with the reason.
* ``POST /admin/cdrs/{cdr_id}/reprice``: price a held CDR again and send it.
* ``POST /admin/cdrs/{cdr_id}/release``, body ``{"zero_cost": true, "reason": "..."}``: send a held
  CDR free, on purpose.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.domain.cdrs import StoredCdr
from ocpi_cpo.domain.sessions import ChargeSession
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.services import cdrs as cdr_service
from ocpi_cpo.services import session_reads

Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=2_000_000_000)]


class CreditRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=255)


class ReleaseRequest(BaseModel):
    zero_cost: Literal[True]
    reason: str = Field(min_length=1, max_length=255)


def session_view(session: ChargeSession) -> dict[str, Any]:
    return {
        "session": session.document(),
        "station_id": session.station_id,
        "transaction_id": session.transaction_id,
        "published": session.published,
        "advenir": session.advenir,
        "cdr_id": session.cdr_id,
        "charging_preferences": session.charging_preferences,
        "charging_profile": session.charging_profile,
    }


def cdr_view(cdr: StoredCdr) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(cdr.document)
    return document


def router() -> APIRouter:
    api = APIRouter(tags=["admin: sessions and CDRs"])

    @api.get("/sessions", summary="Sessions, newest first")
    async def list_sessions(
        _: Admin, context: Context, limit: Limit = 100, offset: Offset = 0
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await uow.sessions.recent(limit, offset)
        return ocpi_response(context.clock.now(), [session_view(s) for s in found])

    @api.get("/sessions/{session_id}", summary="One session")
    async def get_session(_: Admin, context: Context, session_id: str) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await session_reads.one(uow, session_id)
        return ocpi_response(context.clock.now(), session_view(found))

    @api.get("/cdrs", summary="CDRs, newest first")
    async def list_cdrs(
        _: Admin, context: Context, limit: Limit = 100, offset: Offset = 0
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await uow.cdrs.recent(limit, offset)
        return ocpi_response(context.clock.now(), [cdr_view(c) for c in found])

    @api.get("/cdrs/held", summary="Held CDRs (could not be priced, never sent)")
    async def held_cdrs(_: Admin, context: Context) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await uow.cdrs.held()
        now = context.clock.now()
        return ocpi_response(now, [cdr_service.held_view(c, now) for c in found])

    @api.post("/cdrs/{cdr_id}/reprice", summary="Price a held CDR again and send it")
    async def reprice_cdr(_: Admin, context: Context, cdr_id: str) -> OcpiResponse:
        async with context.storage.transaction() as uow:
            cdr = await cdr_service.reprice(
                uow,
                context.publisher,
                cdr_id,
                context.clock.now(),
                context.settings.pricing.total_decimals,
            )
        return ocpi_response(context.clock.now(), cdr)

    @api.post("/cdrs/{cdr_id}/release", summary="Send a held CDR at zero cost, on purpose")
    async def release_cdr(
        _: Admin, context: Context, cdr_id: str, body: ReleaseRequest
    ) -> OcpiResponse:
        async with context.storage.transaction() as uow:
            cdr = await cdr_service.release_free(
                uow, context.publisher, cdr_id, body.reason, context.clock.now()
            )
        return ocpi_response(context.clock.now(), cdr)

    @api.get("/cdrs/{cdr_id}", summary="One CDR")
    async def get_cdr(_: Admin, context: Context, cdr_id: str) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await cdr_service.one(uow, cdr_id)
        return ocpi_response(context.clock.now(), cdr_view(found))

    @api.post("/cdrs/{cdr_id}/credit", summary="Credit a CDR (and push the Credit CDR)")
    async def credit_cdr(
        _: Admin, context: Context, cdr_id: str, body: CreditRequest
    ) -> OcpiResponse:
        async with context.storage.transaction() as uow:
            credit = await cdr_service.credit(
                uow, context.publisher, cdr_id, body.reason, context.clock.now()
            )
        return ocpi_response(context.clock.now(), credit, http_status=201)

    return api
