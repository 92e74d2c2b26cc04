"""Credentials as client: we start the handshake ("Register ToIOP"), update, unregister.

Failures raise :class:`RegistrationError` with a message for an operator; nothing is left half
done: a POST that fails revokes the token we had issued for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from ocpi_cpo.domain.partners import (
    PLAIN_TOKEN_VERSIONS,
    Partner,
    PartnerState,
    PartyRole,
    Profile,
    get_profile,
    identity_problem,
    roles_problem,
    unbound_problem,
)
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpi.discovery import Discovery, discover
from ocpi_cpo.ocpi.errors import OcpiError
from ocpi_cpo.ocpi.transport import OcpiReply, TransportError
from ocpi_cpo.ocpi.v2_1_1.credentials import server as v211
from ocpi_cpo.ocpi.v2_1_1.credentials.schemas import Credentials as Credentials211
from ocpi_cpo.ocpi.v2_2_1.credentials.mapping import our_credentials, party_roles
from ocpi_cpo.ocpi.v2_2_1.credentials.schemas import Credentials
from ocpi_cpo.services import https_rule, version_moves
from ocpi_cpo.services import partners as service
from ocpi_cpo.services.errors import RuleViolation, ServiceError

log = logging.getLogger("ocpi_cpo.partners")


class RegistrationError(Exception):
    pass


async def _discover(
    context: OcpiContext, profile: Profile, url: str, token: str, version: str | None = None
) -> Discovery:
    """The partner's endpoints on ``version`` (or the profile's), else the highest common one;
    a 2.1.1 pin sends the token as it is (no Base64)."""
    pin = version or profile.version
    try:
        found = await discover(
            context.transport,
            url,
            token,
            token_base64=profile.token_base64 and pin not in PLAIN_TOKEN_VERSIONS,
            timeout=context.settings.partner_timeout,
            versions=[pin] if pin else None,
        )
    except OcpiError as exc:
        raise RegistrationError(exc.message) from None
    missing = service.missing_endpoints(profile, found.endpoints)
    if missing:
        raise RegistrationError(
            f"the partner's version details lack {', '.join(missing)}, required by profile"
            f" {profile.name}; not registering"
        )
    # The partner's endpoints, like its versions URL, must be https:// under a Gireve profile:
    # RuleViolation (bad input, exit 2) before anything is stored.
    https_rule.refuse_insecure(
        profile.name,
        {f"endpoint {e.identifier} {e.role}".rstrip(): e.url for e in found.endpoints},
        allowed=context.settings.allow_insecure_http,
    )
    return found


async def _send_credentials(
    context: OcpiContext,
    profile: Profile,
    method: str,
    url: str,
    token: str,
    ours: str,
    version: str,
    operation: str | None = None,
) -> Theirs:
    """Our credentials in ``version``'s form (on 2.1.1 naming the partner's ``operation``, when
    bound to one); the partner's token and parties from its answer."""
    plain = version in PLAIN_TOKEN_VERSIONS
    mine = (
        v211.our_credentials(context.settings, ours, operation)
        if plain
        else our_credentials(context.settings, ours)
    )
    body = orjson.dumps(mine.model_dump(mode="json"))
    try:
        reply: OcpiReply = await context.transport.send(
            method,
            url,
            token=token,
            token_base64=profile.token_base64 and not plain,
            body=body,
            timeout=context.settings.partner_timeout,
        )
    except TransportError as exc:
        raise RegistrationError(str(exc)) from None
    if not reply.ok:
        raise RegistrationError(f"{method} {url} was refused: {reply.problem()}")
    try:
        if plain:
            one = Credentials211.model_validate(reply.data)
            theirs = Theirs(one.token, [v211.party_role(profile, one)])
        else:
            many = Credentials.model_validate(reply.data)
            theirs = Theirs(many.token, party_roles(many))
    except ValidationError as exc:
        raise RegistrationError(f"{method} {url} answered invalid credentials: {exc}") from None
    problem = identity_problem(profile, theirs.roles) or roles_problem(theirs.roles)
    if problem is not None:
        raise RegistrationError(problem)
    return theirs


@dataclass(frozen=True, slots=True)
class Theirs:
    """What the partner's credentials say, whatever their version."""

    token: str
    roles: list[PartyRole]


def _connection(found: Discovery, theirs: Theirs, versions_url: str) -> service.Connection:
    return service.Connection(
        versions_url=versions_url,
        version=found.version,
        endpoints=found.endpoints,
        roles=theirs.roles,
        outbound_token=theirs.token,
    )


async def register(
    context: OcpiContext,
    name: str,
    versions_url: str,
    token: str,
    profile_name: str,
    version: str | None = None,
    operation: str | None = None,
) -> Partner:
    """Discover the partner with its token A, POST our credentials (token B), keep its token C.
    ``version`` pins the OCPI version (default: the profile's, else the highest common one);
    ``operation`` binds the partner to one of our operations (its eMI3 Operator Id)."""
    try:
        profile = get_profile(profile_name)
        version = service.pinned_version(profile_name, version)
    except (ValueError, ServiceError) as exc:
        raise RegistrationError(str(exc)) from None
    found = await _discover(context, profile, versions_url, token, version)
    operators = [str(o.operator) for o in context.settings.operations]
    problem = unbound_problem(profile.at(found.version), operators, operation)
    if problem is not None:
        raise RuleViolation(problem)
    try:
        async with context.storage.transaction() as uow:
            partner, ours = await service.begin_registration(
                uow, name, profile_name, context.clock.now(), operation
            )
    except ServiceError as exc:
        raise RegistrationError(exc.message) from None
    credentials_url = _credentials_url(found)
    try:
        theirs = await _send_credentials(
            context, profile, "POST", credentials_url, token, ours, found.version, operation
        )
    except RegistrationError:
        async with context.storage.transaction() as uow:
            await service.abandon_registration(uow, partner)
        raise
    async with context.storage.transaction() as uow:
        await service.complete_registration(
            uow, partner, _connection(found, theirs, versions_url), context.clock.now()
        )
        stored = await uow.partners.get(partner.id)
    assert stored is not None
    return stored


async def update(context: OcpiContext, name: str, version: str | None = None) -> Partner:
    """Credentials PUT: refresh the partner's endpoints and rotate both tokens; with ``version``,
    on that version's credentials endpoint, which moves the partner to it (OCPI's way to change
    version: versions, the new version's details, then credentials PUT there). RuleViolation
    when the profile pins another version."""
    partner = await _registered(context, name)
    if version is not None:
        service.pinned_version(partner.profile_name, version)
    target = version or partner.version
    profile = get_profile(partner.profile_name).at(target)
    if not profile.supports_credentials_update:
        raise RegistrationError(
            f"profile {profile.name} has no credentials update (Gireve does not implement PUT):"
            f" to rotate tokens or change endpoints, run 'ocpi-cpo partners unregister {name}'"
            " and register again"
        )
    if partner.versions_url is None or partner.outbound_token is None:
        raise RegistrationError(f"partner {name!r} has no versions URL or token on record")
    found = await _discover(context, profile, partner.versions_url, partner.outbound_token, target)
    async with context.storage.transaction() as uow:
        ours = await service.rotate_own_token(uow, partner, context.clock.now())
    theirs = await _send_credentials(
        context,
        profile,
        "PUT",
        _credentials_url(found),
        partner.outbound_token,
        ours,
        found.version,
        partner.operation,
    )
    async with context.storage.transaction() as uow:
        await service.finish_rotation(
            uow,
            partner,
            ours,
            _connection(found, theirs, partner.versions_url),
            context.clock.now(),
        )
        stored = await uow.partners.get(partner.id)
        assert stored is not None
        if stored.version != partner.version:
            # what waits in the old version's wire goes again in the new one's (a CDR is money)
            requeued, left = await version_moves.requeue(
                uow, context.publisher, stored, context.clock.now()
            )
            if requeued or left:
                log.info(
                    "partner %s moved to OCPI %s: %d objects queued again in its form%s",
                    stored.name,
                    stored.version,
                    requeued,
                    f"; not: {'; '.join(left)}" if left else "",
                )
    return stored


async def unregister(context: OcpiContext, name: str, *, force: bool = False) -> str | None:
    """Credentials DELETE at the partner, then end it here. Returns a warning when forced."""
    partner = await _registered(context, name)
    warning = None
    credentials = partner.endpoint("credentials", "SENDER")
    try:
        if credentials is None or partner.outbound_token is None:
            raise RegistrationError("no credentials endpoint known for this partner")
        reply = await context.transport.send(
            "DELETE",
            credentials.url,
            token=partner.outbound_token,
            token_base64=partner.token_base64,
            timeout=context.settings.partner_timeout,
        )
        if not reply.ok:
            raise RegistrationError(f"DELETE {credentials.url} was refused: {reply.problem()}")
    except (TransportError, RegistrationError) as exc:
        if not force:
            raise RegistrationError(f"{exc}; use --force to unregister on our side only") from None
        warning = f"the partner was not told ({exc}); unregistered on our side only"
    async with context.storage.transaction() as uow:
        await service.unregister(uow, partner)
    return warning


async def _registered(context: OcpiContext, name: str) -> Partner:
    async with context.storage.read() as uow:
        try:
            partner = await service.get_partner(uow, name)
        except ServiceError as exc:
            raise RegistrationError(exc.message) from None
    if partner.state is not PartnerState.REGISTERED:
        raise RegistrationError(
            f"partner {name!r} is {partner.state.value.lower()}, not registered"
        )
    return partner


def _credentials_url(found: Discovery) -> str:
    for endpoint in found.endpoints:
        if endpoint.identifier == "credentials":
            return endpoint.url
    raise RegistrationError("the partner offers no credentials endpoint")
