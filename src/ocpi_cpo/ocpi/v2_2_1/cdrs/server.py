"""CDRs Sender (mod_cdrs, CPO side): the paginated list and GET of one CDR.

A hub sees every CDR (those of the party its OCPI-from-* names, when it names one); an eMSP the
CDRs of its own tokens; others answer as if they did not exist (services.ownership). CDRs are final: each is served as the
JSON it was POSTed with, never re-encoded (``ocpi.sender``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Request

from ocpi_cpo.domain.cdrs import CdrPage
from ocpi_cpo.ocpi.auth import FunctionalCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import NotFound
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import origin_party, response_routing
from ocpi_cpo.ocpi.sender import charge_query, sender_page
from ocpi_cpo.services import sender_reads
from ocpi_cpo.services.ownership import acting_for, may_act_on

CdrIdPath = Annotated[str, Path(min_length=1, max_length=39)]


def router() -> APIRouter:
    api = APIRouter(tags=["cdrs"])

    @api.get("", summary="Our CDRs, paginated (date_from, date_to, offset, limit)")
    async def list_cdrs(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        query = charge_query(CdrPage, request, caller.partner)

        async def load(page: PageRequest) -> tuple[int, Sequence[bytes]]:
            async with context.storage.read() as uow:
                return await sender_reads.cdr_page(uow, query(page))

        return await sender_page(
            request, context, max_limit=context.settings.page_limits.cdrs, load=load
        )

    @api.get("/{cdr_id}", summary="One CDR")
    async def get_cdr(
        request: Request, caller: FunctionalCaller, context: Context, cdr_id: CdrIdPath
    ) -> OcpiResponse:
        seen_by = acting_for(caller.partner, origin_party(request))
        async with context.storage.read() as uow:
            found = await sender_reads.cdrs_by_id(uow, cdr_id)
        visible = [
            c for c in found if may_act_on(seen_by, (c.token_country_code, c.token_party_id))
        ]
        if not visible:
            raise NotFound(f"no CDR {cdr_id!r}")
        return ocpi_response(
            context.clock.now(), raw_data=visible[0].document, headers=response_routing(request)
        )

    return api
