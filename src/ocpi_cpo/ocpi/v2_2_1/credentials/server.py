"""Credentials as server (credentials §"Interfaces"; gireve.md §2: Gireve registers FromIOP).

POST with the registration token: fetch the partner's versions and details with *its* token before
answering, keep 2.2.1, store its endpoints, answer with a fresh token. PUT re-fetches and rotates.
DELETE unregisters. 405 for POST when registered and for PUT/DELETE when not.
"""

from __future__ import annotations

from fastapi import APIRouter

from ocpi_cpo.domain.partners import identity_problem, roles_problem
from ocpi_cpo.ocpi import handshake
from ocpi_cpo.ocpi.auth import Caller, ConfigurationCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import (
    InvalidParameters,
    UnsupportedVersion,
)
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_2_1.credentials.mapping import our_credentials, party_roles
from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import Credentials
from ocpi_cpo.services import partners as partner_service


async def _connect(
    context: OcpiContext, caller: Caller, body: Credentials
) -> partner_service.Connection:
    """Check the partner's identity, then fetch its endpoints with the token it gave us."""
    profile = caller.partner.profile
    agreed = caller.partner.version
    if agreed is not None and agreed != "2.2.1":
        raise UnsupportedVersion(
            f"partner {caller.partner.name!r} is on OCPI {agreed}: use /ocpi/{agreed}/credentials"
        )
    connection_roles = party_roles(body)
    problem = identity_problem(profile, connection_roles) or roles_problem(connection_roles)
    if problem is not None:
        raise InvalidParameters(f"roles: {problem}")
    return await handshake.connection(
        context,
        profile,
        versions_url=body.url,
        token=body.token,
        roles=connection_roles,
        version="2.2.1",
    )


def router() -> APIRouter:
    api = APIRouter(tags=["credentials"])

    @api.get("", summary="Our credentials, as the caller should use them")
    async def get_credentials(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        return ocpi_response(context.clock.now(), our_credentials(context.settings, caller.token))

    @api.post("", summary="Register: the partner sends its credentials, we answer with ours")
    async def post_credentials(
        body: Credentials, caller: ConfigurationCaller, context: Context
    ) -> OcpiResponse:
        token = await handshake.register(context, caller, lambda: _connect(context, caller, body))
        return ocpi_response(context.clock.now(), our_credentials(context.settings, token))

    @api.put("", summary="Update: new token and endpoints from the partner; we rotate ours")
    async def put_credentials(
        body: Credentials, caller: ConfigurationCaller, context: Context
    ) -> OcpiResponse:
        token = await handshake.update(context, caller, lambda: _connect(context, caller, body))
        return ocpi_response(context.clock.now(), our_credentials(context.settings, token))

    @api.delete("", summary="Unregister: both tokens stop working")
    async def delete_credentials(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        await handshake.unregister(context, caller)
        return ocpi_response(context.clock.now())

    return api


__all__ = ["router"]
