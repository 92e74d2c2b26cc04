"""Sessions (live) and CDRs (cost per dimension and period, delivery per partner, Credit)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocpi_cpo.api.console.actions import actor_of, flash_of
from ocpi_cpo.api.console.auth import Operator, Viewer, form_of
from ocpi_cpo.api.console.live import stream
from ocpi_cpo.api.console.render import fragment, page
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.services import audit, charge_reads
from ocpi_cpo.services import cdrs as cdr_service
from ocpi_cpo.services.errors import ServiceError


async def _sessions_body(context: OcpiContext) -> str:
    async with context.storage.read() as uow:
        found = await charge_reads.sessions(uow)
    return fragment("sessions_body.html", sessions=found)


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/sessions")
    async def sessions(request: Request, principal: Viewer, context: Context) -> Response:
        body = await _sessions_body(context)
        return page(request, "sessions.html", principal, body=body)

    @api.get("/live/sessions")
    async def sessions_live(request: Request, principal: Viewer, context: Context) -> Response:
        return stream(request, lambda: _sessions_body(context))

    @api.get("/cdrs")
    async def cdrs(request: Request, principal: Viewer, context: Context) -> Response:
        async with context.storage.read() as uow:
            found = await charge_reads.cdrs(uow)
            deliveries = await charge_reads.deliveries(uow)
            held = await charge_reads.held(uow)
        return page(
            request,
            "cdrs.html",
            principal,
            cdrs=found,
            held=held,
            deliveries=deliveries,
            key_of=charge_reads.delivery_key,
        )

    @api.get("/cdrs/{cdr_id}")
    async def cdr(request: Request, principal: Viewer, context: Context, cdr_id: str) -> Response:
        async with context.storage.read() as uow:
            found = await cdr_service.one(uow, cdr_id)
            credits = await charge_reads.credits_of(uow, cdr_id)
            deliveries = await charge_reads.deliveries(uow)
            document = charge_reads.cdr_document(found)
            zone = await charge_reads.time_zone_of(uow, document)
        flash, kind = flash_of(request)
        return page(
            request,
            "cdr.html",
            principal,
            cdr=document,
            priced=charge_reads.breakdown(document, zone),
            time_zone=zone,
            credits=credits,
            delivery=deliveries.get(charge_reads.delivery_key(document), []),
            flash=flash,
            flash_kind=kind,
        )

    @api.post("/cdrs/{cdr_id}/credit")
    async def credit(
        request: Request, principal: Operator, context: Context, cdr_id: str
    ) -> Response:
        reason = (await form_of(request)).get("reason", "").strip()
        target = f"/console/cdrs/{cdr_id}"
        if not reason or len(reason) > 255:
            return RedirectResponse(f"{target}?error=reason", status_code=303)
        now = context.clock.now()
        try:
            async with context.storage.transaction() as uow:
                made = await cdr_service.credit(uow, context.publisher, cdr_id, reason, now)
                await audit.record(
                    uow, now, actor_of(principal), "cdr.credit", f"cdr {cdr_id}",
                    after={"credit_cdr": made["id"], "reason": reason},
                )  # fmt: skip
        except ServiceError as exc:
            return RedirectResponse(f"{target}?error={exc.message[:200]}", status_code=303)
        return RedirectResponse(f"{target}?done=credited", status_code=303)

    return api
