"""Sessions Sender (mod_sessions, CPO side): the paginated list (``date_from`` required, as the
spec says), GET of one session, and the charging preferences Receiver.

A hub sees every published session (those of the party its OCPI-from-* names, when it names one);
an eMSP the sessions of its own tokens; others answer as if they did not exist (services.ownership). Pages are built from
each session's wire JSON kept ready (``ocpi.sender``), never re-encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Request

from ocpi_cpo.domain.sessions import SessionPage
from ocpi_cpo.ocpi.auth import FunctionalCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import InvalidParameters, NotFound
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import origin_party, response_routing
from ocpi_cpo.ocpi.sender import charge_query, sender_page
from ocpi_cpo.ocpi.v2_2_1.sessions.schemas import ChargingPreferences
from ocpi_cpo.services import sender_reads, session_reads
from ocpi_cpo.services.ownership import acting_for
from ocpi_cpo.services.smart_charging import NotCapable

SessionIdPath = Annotated[str, Path(min_length=1, max_length=36)]


def router() -> APIRouter:
    api = APIRouter(tags=["sessions"])

    @api.get("", summary="Our sessions, paginated (date_from required, date_to, offset, limit)")
    async def list_sessions(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        query = charge_query(SessionPage, request, caller.partner)

        async def load(page: PageRequest) -> tuple[int, Sequence[bytes]]:
            async with context.storage.read() as uow:
                return await sender_reads.session_page(uow, query(page))

        return await sender_page(
            request,
            context,
            max_limit=context.settings.page_limits.sessions,
            load=load,
            date_from_required=True,
        )

    @api.get("/{session_id}", summary="One session")
    async def get_session(
        request: Request, caller: FunctionalCaller, context: Context, session_id: SessionIdPath
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await session_reads.visible(
                uow, session_id, acting_for(caller.partner, origin_party(request))
            )
        if found is None:
            raise NotFound(f"no session {session_id!r}")
        return ocpi_response(context.clock.now(), raw_data=found, headers=response_routing(request))

    @api.put(
        "/{session_id}/charging_preferences",
        summary="Set the driver's charging preferences: a charging profile at the station"
        " (answered once the station answers; HTTP 404 with OCPI 2001 unless the EVSE is capable)",
    )
    async def put_charging_preferences(
        request: Request,
        body: ChargingPreferences,
        caller: FunctionalCaller,
        context: Context,
        session_id: SessionIdPath,
    ) -> OcpiResponse:
        try:
            answer = await context.smart_charging.set_preferences(
                session_id,
                acting_for(caller.partner, origin_party(request)),
                body.model_dump(mode="json", exclude_none=True),
            )
        except NotCapable as exc:
            # OCPI 2.2.1 mod_sessions: an EVSE without the capability answers 404 with 2001.
            raise InvalidParameters(
                str(exc), http_status=404, headers=response_routing(request)
            ) from exc
        if answer is None:
            raise NotFound(f"no session {session_id!r}")
        return ocpi_response(context.clock.now(), answer, headers=response_routing(request))

    return api
