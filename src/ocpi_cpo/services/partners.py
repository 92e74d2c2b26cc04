"""Partner registration use cases (credentials module, OCPI 2.2.1 §3; gireve.md §2).

The HTTP parts (fetching the partner's versions, POSTing credentials) happen in the OCPI and
outbound layers; these functions hold the state changes, each inside the caller's transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from ocpi_cpo.domain.partners import (
    Direction,
    Endpoint,
    Partner,
    PartnerState,
    PartyRole,
    Profile,
    TokenKind,
    get_profile,
)
from ocpi_cpo.domain.sync import SyncReason
from ocpi_cpo.services import partner_sync
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.storage.protocols import UnitOfWork


def new_token() -> str:
    """A credentials token: 256 random bits, URL-safe, within OCPI's string(64) printable ASCII."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Connection:
    """What a handshake learnt about the partner."""

    versions_url: str
    version: str
    endpoints: list[Endpoint]
    roles: list[PartyRole]
    outbound_token: str


def missing_endpoints(profile: Profile, endpoints: list[Endpoint]) -> list[str]:
    offered = {(e.identifier, e.role) for e in endpoints}
    offered |= {("credentials", "SENDER") for e in endpoints if e.identifier == "credentials"}
    return [f"{m} {r}" for m, r in profile.required_endpoints if (m, r) not in offered]


async def get_partner(uow: UnitOfWork, name: str) -> Partner:
    partner = await uow.partners.get_by_name(name)
    if partner is None:
        raise NotFoundError(f"no partner named {name!r}: see 'ocpi-cpo partners list'")
    return partner


#: the OCPI versions a partner may be pinned to
VERSIONS = ("2.2.1", "2.1.1")


def pinned_version(profile_name: str, version: str | None) -> str | None:
    """The version ``--version`` or the profile pins (None: the highest both sides offer)."""
    if version is not None and version not in VERSIONS:
        raise RuleViolation(f"unknown OCPI version {version!r}: choose {' or '.join(VERSIONS)}")
    pinned = get_profile(profile_name).version
    if version is not None and pinned is not None and version != pinned:
        raise RuleViolation(f"profile {profile_name} speaks OCPI {pinned}, not {version}")
    return version or pinned


async def invite(
    uow: UnitOfWork,
    name: str,
    profile_name: str,
    now: datetime,
    version: str | None = None,
    operation: str | None = None,
) -> str:
    """Create (or re-open) a partner and return a fresh one-time registration token (token A).
    ``version`` pins the OCPI version it must register on (kept until it registers);
    ``operation`` binds it to one of our operations (its eMI3 Operator Id), None to every one."""
    try:
        get_profile(profile_name)
    except ValueError as exc:
        raise RuleViolation(str(exc)) from None
    pin = pinned_version(profile_name, version)
    partner = await uow.partners.get_by_name(name)
    if partner is not None and partner.profile_name != profile_name:
        raise ConflictError(
            f"partner {name!r} exists with profile {partner.profile_name}: use that profile"
        )
    if partner is None:
        partner = await uow.partners.create(
            name, profile_name, PartnerState.INVITED, now, operation
        )
        if pin is not None:
            await _pin(uow, partner.id, pin)
    elif partner.state in (PartnerState.REGISTERED, PartnerState.REGISTERING):
        raise ConflictError(
            f"partner {name!r} is {partner.state.value.lower()}: unregister it first"
            f" ('ocpi-cpo partners unregister {name}')"
        )
    else:
        await uow.partners.save_connection(
            partner.id,
            state=PartnerState.INVITED,
            direction=None,
            versions_url=None,
            version=pin,
            endpoints=[],
            roles=[],
            outbound_token=None,
            registered_at=None,
        )
        await uow.partners.set_operation(partner.id, operation)
        await uow.tokens.revoke_all(partner.id)
    token = new_token()
    await uow.tokens.add(partner.id, TokenKind.REGISTRATION, token, now)
    return token


async def accept_registration(
    uow: UnitOfWork,
    partner: Partner,
    registration_token: str,
    connection: Connection,
    now: datetime,
) -> str:
    """The partner POSTed its credentials with token A: store it and return its new token C."""
    if not await uow.tokens.consume(registration_token):
        raise ConflictError("this registration token was already used")
    await uow.tokens.revoke_all(partner.id)
    await _store(uow, partner, connection, Direction.FROM_PARTNER, now)
    token = new_token()
    await uow.tokens.add(partner.id, TokenKind.ACCESS, token, now)
    return token


async def accept_update(
    uow: UnitOfWork, partner: Partner, connection: Connection, now: datetime
) -> str:
    """The partner PUT new credentials: refresh its endpoints and rotate its token.

    ``partner`` was read when the request came in, before the calls to the partner's versions;
    see :func:`_still_registered`."""
    partner = await _still_registered(uow, partner)
    await uow.tokens.revoke_all(partner.id)
    await _store(
        uow,
        partner,
        connection,
        partner.direction or Direction.FROM_PARTNER,
        now,
        SyncReason.UPDATE,
    )
    token = new_token()
    await uow.tokens.add(partner.id, TokenKind.ACCESS, token, now)
    return token


async def unregister(uow: UnitOfWork, partner: Partner) -> None:
    """Both tokens die; the partner row, and anything queued for it, stays."""
    await uow.tokens.revoke_all(partner.id)
    await uow.partners.save_connection(
        partner.id,
        state=PartnerState.UNREGISTERED,
        direction=partner.direction,
        versions_url=partner.versions_url,
        version=partner.version,
        endpoints=partner.endpoints,
        roles=partner.roles,
        outbound_token=None,
        registered_at=partner.registered_at,
    )


async def begin_registration(
    uow: UnitOfWork, name: str, profile_name: str, now: datetime, operation: str | None = None
) -> tuple[Partner, str]:
    """We start the handshake: create the partner and issue token B before we POST it."""
    try:
        get_profile(profile_name)
    except ValueError as exc:
        raise RuleViolation(str(exc)) from None
    partner = await uow.partners.get_by_name(name)
    if partner is None:
        partner = await uow.partners.create(
            name, profile_name, PartnerState.REGISTERING, now, operation
        )
    elif partner.state is PartnerState.REGISTERED:
        raise ConflictError(
            f"partner {name!r} is already registered: 'ocpi-cpo partners update {name}' refreshes"
            " it, 'ocpi-cpo partners unregister' ends it"
        )
    elif partner.profile_name != profile_name:
        raise ConflictError(
            f"partner {name!r} exists with profile {partner.profile_name}: use that profile"
        )
    await uow.tokens.revoke_all(partner.id)
    await uow.partners.set_state(partner.id, PartnerState.REGISTERING)
    await uow.partners.set_operation(partner.id, operation)
    token = new_token()
    await uow.tokens.add(partner.id, TokenKind.ACCESS, token, now)
    return partner, token


async def complete_registration(
    uow: UnitOfWork, partner: Partner, connection: Connection, now: datetime
) -> None:
    """The partner answered our POST with its token C."""
    await _store(uow, partner, connection, Direction.TO_PARTNER, now)


async def abandon_registration(uow: UnitOfWork, partner: Partner) -> None:
    """Our POST failed: token B dies and the partner is left unregistered."""
    await uow.tokens.revoke_all(partner.id)
    await uow.partners.set_state(partner.id, PartnerState.UNREGISTERED)


async def rotate_own_token(uow: UnitOfWork, partner: Partner, now: datetime) -> str:
    """Issue a new token B' for a credentials PUT we send; the old one stays valid until it ends."""
    token = new_token()
    await uow.tokens.add(partner.id, TokenKind.ACCESS, token, now)
    return token


async def _still_registered(uow: UnitOfWork, partner: Partner) -> Partner:
    """``partner`` as stored now, read holding its row, so a partner unregistered during a
    credentials update's calls (by an operator, or by its own DELETE) is not registered again:
    ConflictError."""
    current = await uow.partners.get(partner.id, for_update=True)
    if current is None or current.state is not PartnerState.REGISTERED:
        raise ConflictError(f"partner {partner.name} was unregistered meanwhile: register again")
    return current


async def finish_rotation(
    uow: UnitOfWork, partner: Partner, keep_token: str, connection: Connection, now: datetime
) -> None:
    """Our credentials PUT succeeded: only the new token B' stays valid. ``partner`` was read
    before the calls to the partner; see :func:`_still_registered`."""
    partner = await _still_registered(uow, partner)
    await uow.tokens.revoke_all(partner.id)
    await uow.tokens.add(partner.id, TokenKind.ACCESS, keep_token, now)
    await _store(
        uow, partner, connection, partner.direction or Direction.TO_PARTNER, now, SyncReason.UPDATE
    )


async def _store(
    uow: UnitOfWork,
    partner: Partner,
    connection: Connection,
    direction: Direction,
    now: datetime,
    reason: SyncReason = SyncReason.REGISTRATION,
) -> None:
    """Keep the connection; a profile that pushes gets a sync of everything it may see
    (issue 16 item 3), queued by the sync driver once this transaction commits."""
    await uow.partners.save_connection(
        partner.id,
        state=PartnerState.REGISTERED,
        direction=direction,
        versions_url=connection.versions_url,
        version=connection.version,
        endpoints=connection.endpoints,
        roles=connection.roles,
        outbound_token=connection.outbound_token,
        registered_at=now,
    )
    await partner_sync.on_registered(uow, partner.id, reason, now)


async def _pin(uow: UnitOfWork, partner_id: int, version: str) -> None:
    await uow.partners.save_connection(
        partner_id,
        state=PartnerState.INVITED,
        direction=None,
        versions_url=None,
        version=version,
        endpoints=[],
        roles=[],
        outbound_token=None,
        registered_at=None,
    )
