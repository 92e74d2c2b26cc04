"""Delivery: the outbox with filters, every attempt of a message, Retry for dead letters, and
Check a partner (reads its copies back, shows the differences, offers the repair)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ocpi_cpo.api.console.actions import actor_of, flash_of
from ocpi_cpo.api.console.auth import CheckMemo, Operator, Viewer, console_state, form_of
from ocpi_cpo.api.console.render import page
from ocpi_cpo.domain.delivery import MessageState, QueueFilter
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.transport import TransportError
from ocpi_cpo.ocpi.v2_2_1.locations.check import check_partner
from ocpi_cpo.ocpi.v2_2_1.locations.client import ReadBackError
from ocpi_cpo.services import audit, outbox_reads
from ocpi_cpo.services.errors import ServiceError
from ocpi_cpo.services.partners import get_partner

MODULES = ("locations", "sessions", "cdrs", "tariffs", "commands")
SHOWN = 200


@dataclass(frozen=True, slots=True)
class Filters:
    partner: str = ""
    module: str = ""
    state: str = ""

    @classmethod
    def of(cls, partner: str, module: str, state: str) -> Filters:
        states = {s.value for s in MessageState}
        return cls(partner, module if module in MODULES else "", state if state in states else "")

    async def query(self, context: OcpiContext) -> QueueFilter:
        partner_id = None
        if self.partner:
            async with context.storage.read() as uow:
                partner_id = (await get_partner(uow, self.partner)).id
        return QueueFilter(
            partner_id=partner_id,
            module=self.module or None,
            state=MessageState(self.state) if self.state else None,
        )


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/delivery")
    async def outbox(
        request: Request,
        principal: Viewer,
        context: Context,
        partner: str = "",
        module: str = "",
        state: str = "",
    ) -> Response:
        filters = Filters.of(partner, module, state)
        query = await filters.query(context)
        async with context.storage.read() as uow:
            found = await outbox_reads.find(uow, query, SHOWN)
        messages, total, partners = found.messages, found.total, found.partners
        flash, kind = flash_of(request)
        return page(
            request,
            "delivery.html",
            principal,
            messages=messages,
            total=total,
            filters=filters,
            partners=partners,
            names={p.id: p.name for p in partners},
            modules=MODULES,
            states=[s.value for s in MessageState],
            flash=flash,
            flash_kind=kind,
        )

    @api.get("/delivery/{message_id}")
    async def message(
        request: Request, principal: Viewer, context: Context, message_id: int
    ) -> Response:
        async with context.storage.read() as uow:
            found, attempts, partner = await outbox_reads.message(uow, message_id)
        flash, kind = flash_of(request)
        body = (found.body or b"").decode("utf-8", errors="replace")[:4000]
        return page(
            request,
            "message.html",
            principal,
            message=found,
            attempts=attempts,
            partner=partner,
            body=body,
            flash=flash,
            flash_kind=kind,
        )

    @api.post("/delivery/retry")
    async def retry(request: Request, principal: Operator, context: Context) -> Response:
        form = await form_of(request)
        ids = [int(form["id"])] if form.get("id", "").isdigit() else []
        filters = Filters.of(form.get("partner", ""), form.get("module", ""), "")
        query = await filters.query(context)
        now = context.clock.now()
        async with context.storage.transaction() as uow:
            count = await outbox_reads.retry(uow, query, ids, now)
            await audit.record(
                uow, now, actor_of(principal), "outbox.retry",
                f"outbox {ids[0]}" if ids else f"outbox dead letters {filters}",
                after={"queued_again": count},
            )  # fmt: skip
        back = f"/console/delivery/{ids[0]}" if ids else "/console/delivery?state=PENDING"
        return RedirectResponse(f"{back}{'&' if '?' in back else '?'}done=retried", 303)

    @api.post("/delivery/check")
    async def check(request: Request, principal: Operator, context: Context) -> Response:
        form = await form_of(request)
        name, fix = form.get("partner", ""), form.get("fix") == "1"
        async with context.storage.read() as uow:
            partner = await get_partner(uow, name)
        try:
            report = await check_partner(context, partner, fix=fix)
        except (ReadBackError, TransportError, ServiceError) as exc:
            return page(request, "check.html", principal, partner=name, report=None, error=str(exc))
        console_state(request).checks[name] = CheckMemo(
            context.clock.now(),
            frozenset(
                "/".join((d.key.country_code, d.key.party_id, d.key.id)) for d in report.differences
            ),
            repaired=fix,
        )
        if fix:
            await audit.record_alone(
                context.storage, context.clock, actor_of(principal), "locations.check-fix",
                f"partner {name}", after={"queued": report.queued},
            )  # fmt: skip
        return page(request, "check.html", principal, partner=name, report=report, fixed=fix)

    return api
