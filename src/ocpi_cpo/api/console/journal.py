"""Journal: the latest OCPI requests in and out and OCPP messages of this process, searchable by
X-Request-ID, X-Correlation-ID, station, EVSE or session (ocpi_cpo.journal)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ocpi_cpo.api.console.auth import Viewer
from ocpi_cpo.api.console.render import page
from ocpi_cpo.journal import SIZE
from ocpi_cpo.ocpi.context import Context

KINDS = ("OCPI in", "OCPI out", "OCPP in", "OCPP out")


def router() -> APIRouter:
    api = APIRouter()

    @api.get("/journal")
    async def journal(
        request: Request, principal: Viewer, context: Context, q: str = "", kind: str = ""
    ) -> Response:
        kind = kind if kind in KINDS else ""
        entries = context.journal.latest(q.strip()[:100], kind)
        return page(
            request,
            "journal.html",
            principal,
            entries=entries,
            held=len(context.journal),
            size=SIZE,
            q=q,
            kind=kind,
            kinds=KINDS,
        )

    return api
