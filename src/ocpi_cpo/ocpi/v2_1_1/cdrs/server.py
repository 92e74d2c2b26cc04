"""CDRs Sender, OCPI 2.1.1 (mod_cdrs 2.1.1, CPO interface): the paginated list.

The same rows and audience as 2.2.1 (``ocpi.v2_2_1.cdrs.server``: a hub sees every CDR, an eMSP
the CDRs of its own tokens), each in 2.1.1 form (``stop_date_time``, ``auth_id``, the charge's
``location``, ``total_cost`` a number) kept ready. 2.1.1 has no Credit CDRs: they are not listed.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request

from ocpi_cpo.domain.cdrs import CdrPage
from ocpi_cpo.domain.sessions import SessionKey
from ocpi_cpo.ocpi.auth import FunctionalCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse
from ocpi_cpo.ocpi.sender import charge_query, sender_page
from ocpi_cpo.ocpi.v2_1_1 import charges, render
from ocpi_cpo.ocpi.v2_1_1.cdrs.schemas import CDR
from ocpi_cpo.services import sender_reads

MODULE = "cdrs"
KEPT = charges.KeptCharges()


def _key(cdr: charges.Json) -> SessionKey | None:
    if cdr.get("credit") or not cdr.get("session_id"):
        return None
    return SessionKey(str(cdr["country_code"]), str(cdr["party_id"]), str(cdr["session_id"]))


def _render(cdr: charges.Json, place: charges.Json | None) -> charges.Json:
    if cdr.get("credit"):
        # Never listed: 2.1.1 has no Credit CDRs (the model check leaves it out, logged).
        return {"id": cdr["id"], "credit": True}
    return render.cdr(cdr, place)


def router() -> APIRouter:
    api = APIRouter(tags=["cdrs 2.1.1"])

    @api.get("", summary="Our CDRs in OCPI 2.1.1 form, paginated")
    async def list_cdrs(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        query = charge_query(CdrPage, request, caller.partner)

        async def load(page: PageRequest) -> tuple[int, Sequence[bytes]]:
            async with context.storage.read() as uow:
                total, documents = await sender_reads.cdr_page(uow, query(page))
                wire = await charges.rendered(
                    uow, caller.partner, KEPT, documents, _key, _render, MODULE, "cdr", CDR
                )
            return total, wire

        return await sender_page(
            request, context, max_limit=context.settings.page_limits.cdrs, load=load
        )

    return api
