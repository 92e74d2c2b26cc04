"""Tariffs Sender, OCPI 2.1.1 (mod_tariffs 2.1.1, CPO interface): the paginated list.

The same rows and audience as 2.2.1 (``ocpi.v2_2_1.tariffs.server``: a hub sees every
description, any other partner the ones of its parties and the default ones), each in 2.1.1 form
(no owner, type, min/max price nor validity dates; no ``vat``) kept ready. A tariff with a
restriction 2.1.1 cannot say is left out (logged), never sent wider than it is. A hub whose
profile holds one description per id on 2.1.1 (Gireve: docs/gireve-2.1.1.md §7) sees the default
descriptions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request

from ocpi_cpo.domain.tariffs import Party, TariffPage
from ocpi_cpo.ocpi.auth import Caller, FunctionalCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse
from ocpi_cpo.ocpi.routing import addressed_party
from ocpi_cpo.ocpi.sender import sender_page
from ocpi_cpo.ocpi.v2_1_1 import render
from ocpi_cpo.ocpi.v2_1_1.sender import VERSION, Kept, present
from ocpi_cpo.ocpi.v2_1_1.tariffs.schemas import Tariff
from ocpi_cpo.ocpi.v2_2_1.tariffs.server import audience
from ocpi_cpo.services import sender_reads
from ocpi_cpo.services.errors import WireRefused

MODULE = "tariffs"
KEPT = Kept()


def _render(document: dict[str, Any]) -> dict[str, Any]:
    problem = render.tariff_problem(document)
    if problem is not None:
        raise WireRefused(VERSION, MODULE, f"tariff.{problem[0]}", problem[1])
    return render.tariff(document)


def _wire(stored: bytes) -> bytes | None:
    return KEPT.rendered(stored, _render, MODULE, "tariff", Tariff)


async def tariffs_page(request: Request, caller: Caller, context: OcpiContext) -> OcpiResponse:
    """GET of the list (a ``SenderList``, also served before the router: api.sender_lists)."""
    seen_by = audience(caller)
    if seen_by is None and not caller.partner.profile.tariff_descriptions_per_emsp:
        seen_by = frozenset()  # no party of its own: the default description of each id
    addressed = addressed_party(request, caller.partner)
    ours = {(o.operator.country_code, o.operator.party_id) for o in context.settings.operations}
    owner = Party(*addressed) if addressed in ours and addressed is not None else None

    async def load(page: PageRequest) -> tuple[int, Sequence[bytes]]:
        query = TariffPage(
            offset=page.offset,
            limit=page.limit,
            date_from=page.date_from,
            date_to=page.date_to,
            audience=seen_by,
            owner=owner,
        )
        async with context.storage.read() as uow:
            total, documents = await sender_reads.tariff_page(uow, query)
        return total, present([_wire(d) for d in documents])

    return await sender_page(
        request, context, max_limit=context.settings.page_limits.tariffs, load=load
    )


def router() -> APIRouter:
    api = APIRouter(tags=["tariffs 2.1.1"])

    @api.get("", summary="Our tariffs in OCPI 2.1.1 form, paginated")
    async def list_tariffs(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        return await tariffs_page(request, caller, context)

    return api
