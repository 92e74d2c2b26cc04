"""Tariffs Sender: the paginated list, and one tariff by id (mod_tariffs; gireve.md §12.4, §14).

A hub (role HUB: Gireve) sees every description, so the same id appears once per per-eMSP
description; any other partner sees, per id, the description targeted at one of its parties, else
the default one (docs/tariffs.md). Documents are served as stored, never re-encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Request

from ocpi_cpo.domain.tariffs import Party, TariffPage, visible_description
from ocpi_cpo.ocpi.auth import Caller, FunctionalCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import NotFound
from ocpi_cpo.ocpi.pagination import PageRequest
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.routing import addressed_party, response_routing
from ocpi_cpo.ocpi.sender import sender_page
from ocpi_cpo.services import sender_reads

CountryCodePath = Annotated[str, Path(min_length=2, max_length=2)]
PartyIdPath = Annotated[str, Path(min_length=3, max_length=3)]
TariffIdPath = Annotated[str, Path(min_length=1, max_length=36)]


def audience(caller: Caller) -> frozenset[Party] | None:
    """None for a hub (it gets every description), else the caller's own parties."""
    if any(role.role == "HUB" for role in caller.partner.roles):
        return None
    return frozenset(
        Party(r.country_code.upper(), r.party_id.upper()) for r in caller.partner.roles
    )


def _requesting_parties(request: Request, caller: Caller) -> Sequence[Party]:
    """Whose description GET one answers with: the OCPI-from party, else the caller's parties."""
    country = request.headers.get("ocpi-from-country-code")
    party = request.headers.get("ocpi-from-party-id")
    if country and party:
        return [Party(country.upper(), party.upper())]
    return [Party(r.country_code.upper(), r.party_id.upper()) for r in caller.partner.roles]


async def tariffs_page(request: Request, caller: Caller, context: OcpiContext) -> OcpiResponse:
    """GET of the list (a ``SenderList``): the FastAPI route below and the fast path before the
    router (``api.sender_lists``) both answer with this."""
    seen_by = audience(caller)
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
            return await sender_reads.tariff_page(uow, query)

    return await sender_page(
        request, context, max_limit=context.settings.page_limits.tariffs, load=load
    )


def router() -> APIRouter:
    api = APIRouter(tags=["tariffs"])

    @api.get("", summary="Our tariffs, paginated (one entry per per-eMSP description for a hub)")
    async def list_tariffs(
        request: Request, caller: FunctionalCaller, context: Context
    ) -> OcpiResponse:
        # Served before this route by api.sender_lists; kept for OpenAPI and as the reference.
        return await tariffs_page(request, caller, context)

    @api.get(
        "/{country_code}/{party_id}/{tariff_id}",
        summary="One tariff: the caller's description, else the default one",
    )
    async def get_tariff(
        request: Request,
        caller: FunctionalCaller,
        country_code: CountryCodePath,
        party_id: PartyIdPath,
        tariff_id: TariffIdPath,
        context: Context,
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            found = await sender_reads.tariff_descriptions(
                uow, country_code.upper(), party_id.upper(), tariff_id
            )
        tariff = visible_description(found, _requesting_parties(request, caller))
        if tariff is None:
            raise NotFound(f"no tariff {country_code.upper()}/{party_id.upper()}/{tariff_id}")
        return ocpi_response(
            context.clock.now(), tariff.document(), headers=response_routing(request)
        )

    return api
