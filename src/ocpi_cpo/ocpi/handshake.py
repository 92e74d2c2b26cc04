"""The credentials handshake as server, the part both versions share (credentials §"Interfaces").

Each version's ``credentials/server.py`` keeps its wire object, its checks of the partner's
identity and the credentials it answers with; here: the discovery of the partner's endpoints
with the token it gave us, and what POST (register), PUT (update, rotate) and DELETE (unregister)
do to the partner, with their 405 answers out of turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ocpi_cpo.domain.partners import (
    PLAIN_TOKEN_VERSIONS,
    PartnerState,
    PartyRole,
    Profile,
    TokenKind,
)
from ocpi_cpo.ocpi.auth import Caller
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.discovery import discover
from ocpi_cpo.ocpi.errors import MethodNotAllowed, NoMatchingEndpoints, Unauthorized
from ocpi_cpo.services import partners as partner_service
from ocpi_cpo.services.errors import ConflictError

Connect = Callable[[], Awaitable[partner_service.Connection]]


async def connection(
    context: OcpiContext,
    profile: Profile,
    *,
    versions_url: str,
    token: str,
    roles: Sequence[PartyRole],
    version: str,
) -> partner_service.Connection:
    """Fetch the partner's versions and ``version``'s details with *its* token; the endpoints
    its profile requires must be there."""
    found = await discover(
        context.transport,
        versions_url,
        token,
        token_base64=profile.token_base64 and version not in PLAIN_TOKEN_VERSIONS,
        timeout=context.settings.partner_timeout,
        versions=[version],
    )
    missing = partner_service.missing_endpoints(profile, found.endpoints)
    if missing:
        raise NoMatchingEndpoints(
            f"the partner's version details lack {', '.join(missing)}, required by profile"
            f" {profile.name}"
        )
    return partner_service.Connection(
        versions_url=versions_url,
        version=found.version,
        endpoints=found.endpoints,
        roles=list(roles),
        outbound_token=token,
    )


async def register(context: OcpiContext, caller: Caller, connect: Connect) -> str:
    """POST: with the registration token we handed out, once; our new token."""
    if caller.partner.state is PartnerState.REGISTERED:
        raise MethodNotAllowed(
            "already registered: PUT updates the credentials, DELETE unregisters"
        )
    if caller.token_kind is not TokenKind.REGISTRATION:
        raise MethodNotAllowed("registration needs the registration token we handed out")
    found = await connect()
    try:
        async with context.storage.transaction() as uow:
            return await partner_service.accept_registration(
                uow, caller.partner, caller.token, found, context.clock.now()
            )
    except ConflictError as exc:
        raise Unauthorized(exc.message) from None


async def update(context: OcpiContext, caller: Caller, connect: Connect) -> str:
    """PUT: new token and endpoints from the partner; our token rotated."""
    _require_registered(caller)
    found = await connect()
    try:
        async with context.storage.transaction() as uow:
            return await partner_service.accept_update(
                uow, caller.partner, found, context.clock.now()
            )
    except ConflictError as exc:
        raise MethodNotAllowed(exc.message) from None


async def unregister(context: OcpiContext, caller: Caller) -> None:
    """DELETE: both tokens stop working."""
    _require_registered(caller)
    async with context.storage.transaction() as uow:
        await partner_service.unregister(uow, caller.partner)


def _require_registered(caller: Caller) -> None:
    if (
        caller.partner.state is not PartnerState.REGISTERED
        or caller.token_kind is not TokenKind.ACCESS
    ):
        raise MethodNotAllowed("not registered: POST your credentials first")
