"""Credentials as server, OCPI 2.1.1 (credentials.md 2.1.1).

The same handshake as 2.2.1 (``ocpi.v2_2_1.credentials.server``), with 2.1.1's object: it names
one party and no roles. The partner's party is taken as an eMSP (what a CPO's 2.1.1 partner is),
or as the hub its profile expects (Gireve's 2.1.1 IOP). Ours names the operation the partner is
bound to (``partners invite/register --operation``: one registration per operation, Gireve's
2.1.1 rule, docs/gireve-2.1.1.md §2), else our first operation, whose connection then carries
the objects of every operation, each with its own ``country_code``/``party_id`` in the Receiver
URL (docs/architecture.md, "OCPI 2.1.1 partners").
Discovery is pinned to 2.1.1: a partner calling our 2.1.1 endpoint speaks 2.1.1.
"""

from __future__ import annotations

from fastapi import APIRouter

from ocpi_cpo.config import Operation, Settings
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.partners import (
    PartyRole,
    Profile,
    identity_problem,
    unbound_problem,
)
from ocpi_cpo.ocpi import handshake
from ocpi_cpo.ocpi.auth import Caller, ConfigurationCaller
from ocpi_cpo.ocpi.context import Context, OcpiContext
from ocpi_cpo.ocpi.errors import (
    InvalidParameters,
    UnsupportedVersion,
)
from ocpi_cpo.ocpi.responses import OcpiResponse, ocpi_response
from ocpi_cpo.ocpi.v2_1_1.credentials.schemas import Credentials
from ocpi_cpo.ocpi.v2_2_1.types import BusinessDetails
from ocpi_cpo.services import partners as partner_service

VERSION = "2.1.1"


def party_role(profile: Profile, body: Credentials) -> PartyRole:
    expected = profile.required_identity
    role = expected.role if expected is not None else "EMSP"
    name = body.business_details.name
    return PartyRole(role, body.country_code.upper(), body.party_id.upper(), name)


def our_operation(settings: Settings, bound: str | None) -> Operation:
    """The operation our 2.1.1 credentials name: the one the partner is bound to, else our
    first."""
    if bound is not None:
        wanted = OperatorId.parse(bound)
        for operation in settings.operations:
            if operation.operator == wanted:
                return operation
    return settings.operations[0]


def our_credentials(settings: Settings, token: str, bound: str | None = None) -> Credentials:
    operation = our_operation(settings, bound)
    return Credentials(
        token=token,
        url=settings.versions_url,
        business_details=BusinessDetails(
            name=operation.name,
            website=operation.website or settings.business_details.website,
        ),
        party_id=operation.operator.party_id,
        country_code=operation.operator.country_code,
    )


async def _connect(
    context: OcpiContext, caller: Caller, body: Credentials
) -> partner_service.Connection:
    profile = caller.partner.profile
    agreed = caller.partner.version
    if agreed is not None and agreed != "2.1.1":
        raise UnsupportedVersion(
            f"partner {caller.partner.name!r} is on OCPI {agreed}: use /ocpi/{agreed}/credentials"
        )
    role = party_role(profile, body)
    problem = identity_problem(profile, [role])
    if problem is not None:
        raise InvalidParameters(f"party: {problem}")
    operators = [str(o.operator) for o in context.settings.operations]
    unbound = unbound_problem(profile.at(VERSION), operators, caller.partner.operation)
    if unbound is not None:
        # invited without --version and --operation, it registers on 2.1.1 (gireve-2.1.1.md §2)
        raise InvalidParameters(
            f"partner {caller.partner.name!r} is bound to no operation: {unbound}"
        )
    return await handshake.connection(
        context,
        profile,
        versions_url=body.url,
        token=body.token,
        roles=[role],
        version=VERSION,
    )


def router() -> APIRouter:
    api = APIRouter(tags=["credentials 2.1.1"])

    @api.get("", summary="Our credentials (OCPI 2.1.1)")
    async def get_credentials(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        return ocpi_response(
            context.clock.now(),
            our_credentials(context.settings, caller.token, caller.partner.operation),
        )

    @api.post("", summary="Register on OCPI 2.1.1: the partner's credentials, ours in return")
    async def post_credentials(
        body: Credentials, caller: ConfigurationCaller, context: Context
    ) -> OcpiResponse:
        token = await handshake.register(context, caller, lambda: _connect(context, caller, body))
        return ocpi_response(
            context.clock.now(),
            our_credentials(context.settings, token, caller.partner.operation),
        )

    @api.put("", summary="Update on OCPI 2.1.1: new token and endpoints; we rotate ours")
    async def put_credentials(
        body: Credentials, caller: ConfigurationCaller, context: Context
    ) -> OcpiResponse:
        token = await handshake.update(context, caller, lambda: _connect(context, caller, body))
        return ocpi_response(
            context.clock.now(),
            our_credentials(context.settings, token, caller.partner.operation),
        )

    @api.delete("", summary="Unregister: both tokens stop working")
    async def delete_credentials(caller: ConfigurationCaller, context: Context) -> OcpiResponse:
        await handshake.unregister(context, caller)
        return ocpi_response(context.clock.now())

    return api
