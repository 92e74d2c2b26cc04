"""Credentials as server (credentials §"Interfaces"; gireve.md §2: Gireve registers FromIOP).

POST with the registration token: fetch the partner's versions and details with *its* token before
answering, keep 2.2.1, store its endpoints, answer with a fresh token. PUT re-fetches and rotates.
DELETE unregisters. 405 for POST when registered and for PUT/DELETE when not.
"""

from __future__ import annotations

from fastapi import APIRouter

from ocpi_cpo.domain.partners import PartnerState, TokenKind, identity_problem, roles_problem
from ocpi_cpo.ocpi.auth import Caller, ConfigurationCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.discovery import discover
from ocpi_cpo.ocpi.errors import (
    InvalidParameters,
    MethodNotAllowed,
    NoMatchingEndpoints,
    Unauthorized,
    UnsupportedVersion,
)
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_2_1.credentials.mapping import our_credentials, party_roles
from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import Credentials
from ocpi_cpo.services import partners as partner_service
from ocpi_cpo.services.errors import ConflictError


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
    found = await discover(
        context.transport,
        body.url,
        body.token,
        token_base64=profile.token_base64,
        timeout=context.settings.partner_timeout,
        versions=["2.2.1"],
    )
    missing = partner_service.missing_endpoints(profile, found.endpoints)
    if missing:
        raise NoMatchingEndpoints(
            f"the partner's version details lack {', '.join(missing)}, required by profile"
            f" {profile.name}"
        )
    return partner_service.Connection(
        versions_url=body.url,
        version=found.version,
        endpoints=found.endpoints,
        roles=connection_roles,
        outbound_token=body.token,
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
        if caller.partner.state is PartnerState.REGISTERED:
            raise MethodNotAllowed(
                "already registered: PUT updates the credentials, DELETE unregisters"
            )
        if caller.token_kind is not TokenKind.REGISTRATION:
            raise MethodNotAllowed("registration needs the registration token we handed out")
        connection = await _connect(context, caller, body)
        try:
            async with context.storage.transaction() as uow:
                token = await partner_service.accept_registration(
                    uow, caller.partner, caller.token, connection, context.clock.now()
                )
        except ConflictError as exc:
            raise Unauthorized(exc.message) from None
        return ocpi_response(context.clock.now(), our_credentials(context.settings, token))

    @api.put("", summary="Update: new token and endpoints from the partner; we rotate ours")
    async def put_credentials(
        body: Credentials, caller: ConfigurationCaller, context: Context
    ) -> OcpiResponse:
        _require_registered(caller)
        connection = await _connect(context, caller, body)
        async with context.storage.transaction() as uow:
            token = await partner_service.accept_update(
                uow, caller.partner, connection, context.clock.now()
            )
        return ocpi_response(context.clock.now(), our_credentials(context.settings, token))

    @api.delete("", summary="Unregister: both tokens stop working")
    async def delete_credentials(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        _require_registered(caller)
        async with context.storage.transaction() as uow:
            await partner_service.unregister(uow, caller.partner)
        return ocpi_response(context.clock.now())

    return api


def _require_registered(caller: Caller) -> None:
    if (
        caller.partner.state is not PartnerState.REGISTERED
        or caller.token_kind is not TokenKind.ACCESS
    ):
        raise MethodNotAllowed("not registered: POST your credentials first")


__all__ = ["router"]
