"""Sessions Sender, OCPI 2.1.1 (mod_sessions 2.1.1, CPO interface): the paginated list
(``date_from`` required, as the spec says).

The same rows and audience as 2.2.1 (``ocpi.v2_2_1.sessions.server``: a hub sees every published
session, an eMSP the sessions of its own tokens), each in 2.1.1 form (``start_datetime``,
``auth_id``, the charge's ``location``, ``total_cost`` a number) kept ready.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Request

from ocpi_cpo.domain.sessions import SessionKey, SessionPage
from ocpi_cpo.ocpi.auth import FunctionalCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse
from ocpi_cpo.ocpi.sender import charge_query, sender_page
from ocpi_cpo.ocpi.v2_1_1 import charges, render
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import Session
from ocpi_cpo.services import sender_reads

MODULE = "sessions"
KEPT = charges.KeptCharges()


def _key(session: charges.Json) -> SessionKey:
    return SessionKey(str(session["country_code"]), str(session["party_id"]), str(session["id"]))


def router() -> APIRouter:
    api = APIRouter(tags=["sessions 2.1.1"])

    @api.get("", summary="Our sessions in OCPI 2.1.1 form, paginated (date_from required)")
    async def list_sessions(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        query = charge_query(SessionPage, request, caller.partner)

        async def load(page: PageRequest) -> tuple[int, Sequence[bytes]]:
            async with context.storage.read() as uow:
                total, documents = await sender_reads.session_page(uow, query(page))
                wire = await charges.rendered(
                    uow,
                    caller.partner,
                    KEPT,
                    documents,
                    _key,
                    render.session,
                    MODULE,
                    "session",
                    Session,
                )
            return total, wire

        return await sender_page(
            request,
            context,
            max_limit=context.settings.page_limits.sessions,
            load=load,
            date_from_required=True,
        )

    return api
