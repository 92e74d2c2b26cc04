"""HubClientInfo Receiver: the hub PUTs the status of a party behind it; it may GET it back.

No routing headers on this module (transport_and_format §"Routing headers").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ocpi_cpo.ocpi.auth import FunctionalCaller
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.ocpi.errors import InvalidParameters, NotFound
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_2_1.hubclientinfo.mapping import to_domain, to_wire
from ocpi_cpo.ocpi.v2_2_1.hubclientinfo.schemas import ClientInfo
from ocpi_cpo.services import sender_reads

CountryCodePath = Annotated[str, Path(min_length=2, max_length=2)]
PartyIdPath = Annotated[str, Path(min_length=3, max_length=3)]


def router() -> APIRouter:
    api = APIRouter(tags=["hubclientinfo"])

    @api.get("/{country_code}/{party_id}", summary="Our copy of a party's connection status")
    async def get_client_info(
        caller: FunctionalCaller,
        country_code: CountryCodePath,
        party_id: PartyIdPath,
        context: Context,
    ) -> OcpiResponse:
        async with context.storage.read() as uow:
            info = await sender_reads.client_info(
                uow, caller.partner.id, country_code.upper(), party_id.upper()
            )
        if info is None:
            raise NotFound(f"no ClientInfo for {country_code.upper()}/{party_id.upper()}")
        return ocpi_response(context.clock.now(), to_wire(info))

    @api.put("/{country_code}/{party_id}", summary="The hub tells us a party's connection status")
    async def put_client_info(
        body: ClientInfo,
        caller: FunctionalCaller,
        country_code: CountryCodePath,
        party_id: PartyIdPath,
        context: Context,
    ) -> OcpiResponse:
        if (body.country_code.upper(), body.party_id.upper()) != (
            country_code.upper(),
            party_id.upper(),
        ):
            raise InvalidParameters(
                f"country_code/party_id in the body ({body.country_code}/{body.party_id}) differ"
                f" from the URL ({country_code}/{party_id})"
            )
        async with context.storage.transaction() as uow:
            created = await sender_reads.put_client_info(uow, caller.partner.id, to_domain(body))
        return ocpi_response(context.clock.now(), http_status=201 if created else 200)

    return api
