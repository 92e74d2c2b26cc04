"""Who is calling: ``Authorization: Token <base64 token>`` (transport_and_format; gireve.md §2.5).

Many older peers send the token without Base64, so both readings are tried. Our tokens are kept as
SHA-256 digests only and looked up by digest (see the token repository), so neither the stored
value nor the comparison leaks the token. Unknown or missing tokens get HTTP 401. Known callers are
kept a few seconds (``ocpi.callers``): revoked anywhere (this process, the CLI, another instance), a
token is refused from the next request on (storage.sql.changes).
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request

from ocpi_cpo.domain.partners import Partner, PartnerState, TokenKind
from ocpi_cpo.ocpi.context import OcpiContext, get_context
from ocpi_cpo.ocpi.errors import Forbidden, Unauthorized
from ocpi_cpo.services import sender_reads

_TOUCH_EVERY = timedelta(seconds=30)


class Access(enum.Enum):
    """What a route accepts."""

    CONFIGURATION = "configuration"  # versions, credentials: token A or the final token
    FUNCTIONAL = "functional"  # every other module: the final token of a registered partner


@dataclass(frozen=True, slots=True)
class Caller:
    partner: Partner
    token_kind: TokenKind
    token: str  # kept to answer GET credentials; a secret, never logged

    def __repr__(self) -> str:
        return f"Caller(partner={self.partner.name!r}, token_kind={self.token_kind.value})"


def token_candidates(header: str | None) -> list[str]:
    """The tokens an Authorization header may carry: the Base64-decoded one first, then raw."""
    if not header:
        raise Unauthorized("Authorization header missing: expected 'Token <base64 token>'")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        raise Unauthorized("Authorization header malformed: expected 'Token <base64 token>'")
    candidates = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
        if decoded and decoded.isprintable() and " " not in decoded:
            candidates.append(decoded)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    candidates.append(value)
    return candidates


def version_of(path: str) -> str | None:
    """The OCPI version a module's path is under: ``/ocpi/{version}/{module}...``."""
    parts = [part for part in path.split("/") if part]
    if "ocpi" not in parts:
        return None
    at = parts.index("ocpi")
    return parts[at + 1] if len(parts) > at + 2 else None


def check_version(partner: Partner, path: str) -> None:
    """A partner calls the functional modules of the version agreed with it only.

    Its token is known (so not 401) but not good for this route: HTTP 403 with OCPI 2000, as
    for any known caller not allowed where it calls (ocpi.errors.Forbidden; OCPI's
    transport_and_format: only authenticated *and authorized* requests reach the OCPI layer,
    and 3002 "unsupported version" is a server error of registration, not this). Versions,
    version details and credentials of every version stay open to it (Access.CONFIGURATION):
    that is how a partner changes version (GET versions, then credentials on the new one)."""
    called = version_of(path)
    if called is None or partner.version is None or called == partner.version:
        return
    raise Forbidden(
        f"OCPI {called} is not the version agreed with you ({partner.version}): call"
        f" /ocpi/{partner.version}/..., or change version through the credentials module"
    )


async def authenticate(
    context: OcpiContext, header: str | None, access: Access, path: str | None = None
) -> Caller:
    """The caller of a request; a functional route (``path``) must be of its agreed version."""
    # Taken before reading: a change committed meanwhile makes what we read stale at once.
    version = context.storage.credentials_version
    for token in token_candidates(header):
        known = context.callers.get(token, version)
        if known is None:
            async with context.storage.read(snapshot=False) as uow:
                found = await sender_reads.caller_of(uow, token)
            if found is None:
                continue
            known = found
            context.callers.put(token, version, *found)
        partner, kind = known
        if access is Access.FUNCTIONAL and (
            kind is not TokenKind.ACCESS or partner.state is not PartnerState.REGISTERED
        ):
            raise Unauthorized(
                "this token may only call versions and credentials until registration completes"
            )
        if access is Access.FUNCTIONAL:
            if path is not None:
                check_version(partner, path)
            context.limiter.check(partner.id)
        await _touch(context, partner)
        return Caller(partner, kind, token)
    raise Unauthorized("unknown token")


async def _touch(context: OcpiContext, partner: Partner) -> None:
    """Remember when the partner last called us, at most every 30 s (a write costs)."""
    now = context.clock.now()
    if partner.last_seen_at is None or now - partner.last_seen_at > _TOUCH_EVERY:
        async with context.storage.transaction() as uow:
            await sender_reads.seen(uow, partner.id, now)
        partner.last_seen_at = now


def _dependency(access: Access) -> Callable[..., Awaitable[Caller]]:
    async def caller(
        request: Request,
        authorization: Annotated[str | None, Header(description="Token <base64 token>")] = None,
    ) -> Caller:
        return await authenticate(get_context(request), authorization, access, request.url.path)

    return caller


ConfigurationCaller = Annotated[Caller, Depends(_dependency(Access.CONFIGURATION))]
FunctionalCaller = Annotated[Caller, Depends(_dependency(Access.FUNCTIONAL))]
