"""Partners (one OCPI connection each) and the profiles that hold what differs between them.

Quirks live in a profile, never as scattered ``if gireve:`` (architecture.md, "Partners and profiles").
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ocpi_cpo.domain.emi3 import OperatorId

if TYPE_CHECKING:
    from ocpi_cpo.domain.sync import Reconciliation, SyncProgress


class PartnerState(enum.StrEnum):
    INVITED = "INVITED"  # we handed out a registration token; the partner has not registered yet
    REGISTERING = "REGISTERING"  # we are registering with the partner (we started the handshake)
    REGISTERED = "REGISTERED"
    UNREGISTERED = "UNREGISTERED"


class TokenKind(enum.StrEnum):
    REGISTRATION = "REGISTRATION"  # OCPI token A: versions and credentials only
    ACCESS = "ACCESS"  # the token the partner uses once registered


class Direction(enum.StrEnum):
    FROM_PARTNER = "FROM_PARTNER"  # the partner POSTed its credentials to us (Gireve "FromIOP")
    TO_PARTNER = "TO_PARTNER"  # we POSTed ours to the partner ("ToIOP")


@dataclass(frozen=True, slots=True)
class PartyRole:
    role: str
    country_code: str
    party_id: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.role} {self.country_code}/{self.party_id}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    identifier: str
    role: str
    url: str


@dataclass(frozen=True, slots=True)
class Profile:
    """What differs between partners. Pick one per partner with ``--profile``."""

    name: str
    description: str
    #: the identity the partner must present in its credentials roles, or None for any party
    required_identity: PartyRole | None = None
    #: (module, role) pairs the partner must offer, else registration fails with OCPI 3003
    required_endpoints: tuple[tuple[str, str], ...] = (("credentials", "SENDER"),)
    #: whether the partner implements credentials PUT (Gireve does not: gireve.md §2.3)
    supports_credentials_update: bool = True
    #: send the Authorization token Base64-encoded (OCPI 2.2.1; gireve.md §2.5)
    token_base64: bool = True
    #: Sessions updates as full PUT (Gireve does not implement session PATCH: gireve.md §10.2)
    session_updates_as_put: bool = False
    #: a connector tariff change is sent as an EVSE-level PATCH with status and connectors (§7.4)
    tariff_change_as_evse_patch: bool = False
    #: once registered (either direction, again, or after ``partners update``), queue every
    #: Location and tariff the partner may see as full PUTs. Off for Gireve, which pulls our
    #: Senders itself after registration and refreshes them (gireve.md §5 "Pull EVCI FromIOP:
    #: always", §7.2, §7.8, §12.4): ``ocpi-cpo partners sync`` pushes on demand instead
    push_everything_on_registration: bool = True
    #: the partner takes a Tariffs DELETE (Gireve's 2.1.1 IOP implements PUT and GET only:
    #: gireve-2.1.1.md §7): without it a withdrawn tariff is not sent, and logged
    tariff_delete: bool = True
    #: a hub gets every description of a tariff id, one per target eMSP (Gireve 2.2.1's
    #: target_operator_* extension); without it only the default description (Gireve 2.1.1:
    #: "the CPO is not able to differentiate its tariffs according to eMSPs", gireve-2.1.1.md §7)
    tariff_descriptions_per_emsp: bool = True
    #: Sessions and CDRs carry Gireve's ``authorization_id`` (its 2.1.1 name for 2.2.1's
    #: ``authorization_reference``: gireve-2.1.1.md §6)
    authorization_id: bool = False
    #: the partner takes one registration per operation (Gireve 2.1.1, gireve-2.1.1.md §2): a
    #: partner is bound to one operation, which ``--operation`` names when we host several
    one_registration_per_operation: bool = False
    #: our public_url and the partner's URLs must be https:// (Gireve requires HTTPS,
    #: gireve.md §3); ``allow_insecure_http = true`` lifts it for a lab on 127.0.0.1
    requires_https: bool = False
    #: the OCPI version this profile pins (None: the highest both sides offer)
    version: str | None = None
    #: what differs once the agreed version is another one: version -> {switch: value}
    #: (Gireve's 2.1.1 IOP differs from its 2.2.1 one: docs/gireve-2.1.1.md)
    per_version: Mapping[str, Mapping[str, object]] = field(
        default_factory=dict, hash=False, compare=False
    )
    #: command names the partner may send (Gireve forwards START/STOP only: gireve.md §9.1)
    allowed_commands: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {
                "START_SESSION",
                "STOP_SESSION",
                "RESERVE_NOW",
                "CANCEL_RESERVATION",
                "UNLOCK_CONNECTOR",
            }
        )
    )

    def at(self, version: str | None) -> Profile:
        """The profile as it applies to a partner on ``version`` (None: not agreed yet)."""
        changes = self.per_version.get(version or "")
        if not changes:
            return self
        return dataclasses.replace(self, per_version={}, **changes)  # type: ignore[arg-type]


#: Gireve's 2.1.1 IOP (its guide CNX-GIREVE/GIREVE_Tech_OCPI_V2.1.1; docs/gireve-2.1.1.md): tokens
#: as they are, Tariffs PUT and GET only with one description per id, ``authorization_id`` in
#: Sessions and CDRs. Sessions stay full PUTs (its required use case is "PUT Session") and a
#: connector's tariff change stays an EVSE PATCH with the status (its two dynamic attributes).
GIREVE_2_1_1: Mapping[str, object] = {
    "token_base64": False,
    "tariff_delete": False,
    "tariff_descriptions_per_emsp": False,
    "authorization_id": True,
    "one_registration_per_operation": True,
}


def _gireve(name: str, country: str, party: str, stage: str) -> Profile:
    return Profile(
        name=name,
        description=f"Gireve IOP {stage} (role HUB {country}/{party})",
        required_identity=PartyRole("HUB", country, party),
        required_endpoints=(("credentials", "SENDER"), ("locations", "RECEIVER")),
        supports_credentials_update=False,
        session_updates_as_put=True,
        tariff_change_as_evse_patch=True,
        push_everything_on_registration=False,
        requires_https=True,
        allowed_commands=frozenset({"START_SESSION", "STOP_SESSION"}),
        per_version={"2.1.1": GIREVE_2_1_1},
    )


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _gireve("gireve-preprod", "FR", "107", "pre-production"),
        _gireve("gireve-prod", "FR", "007", "production"),
        Profile(name="ocpi-2.2.1", description="Any OCPI 2.2.1 party, plain spec behaviour"),
        Profile(
            name="ocpi-2.1.1",
            description="Any OCPI 2.1.1 party, plain spec behaviour (tokens as they are)",
            token_base64=False,
            version="2.1.1",
        ),
    )
}


def insecure_urls(profile: Profile, urls: dict[str, str | None]) -> list[str]:
    """The keys of ``urls`` whose URL is not https:// where ``profile`` requires HTTPS (unset
    URLs are not judged)."""
    if not profile.requires_https:
        return []
    return [key for key, url in urls.items() if url and not url.lower().startswith("https://")]


#: OCPI versions whose Authorization header carries the token as it is (no Base64)
PLAIN_TOKEN_VERSIONS = frozenset({"2.1.1"})


class OperationError(ValueError):
    """``--operation`` missing where it is needed, or naming none of our operations."""


def bound_operation(profile: Profile, operators: list[str], operation: str | None) -> str | None:
    """The operation (eMI3 Operator Id) a partner is bound to, from ``--operation`` and the
    operations we host (``operators``); None: it serves every operation.

    A partner that takes one registration per operation (Gireve on 2.1.1, gireve-2.1.1.md §2)
    must be bound: to the only operation when we host one, else ``--operation`` must say which.
    Any partner may be bound with ``--operation``. OperationError says what is wrong."""
    if operation is not None:
        try:
            wanted = OperatorId.parse(operation)
        except ValueError as exc:
            raise OperationError(f"--operation: {exc}") from None
        for operator in operators:
            if OperatorId.parse(operator) == wanted:
                return str(wanted)
        raise OperationError(
            f"--operation {operation}: not one of our operations ({', '.join(operators)})"
        )
    if not profile.one_registration_per_operation:
        return None
    if len(operators) == 1:
        return str(OperatorId.parse(operators[0]))
    raise OperationError(
        f"profile {profile.name} on OCPI 2.1.1 takes one registration per operation"
        f" (docs/gireve-2.1.1.md §2): say which with --operation, one of {', '.join(operators)},"
        " and register each operation as its own partner"
    )


def unbound_problem(profile: Profile, operators: list[str], operation: str | None) -> str | None:
    """Why a partner bound to ``operation`` may not connect under ``profile`` (at the agreed
    version) while we host ``operators``, or None."""
    try:
        bound_operation(profile, operators, operation)
    except OperationError as exc:
        return str(exc)
    return None


class UnknownProfileError(ValueError):
    pass


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfileError(
            f"unknown profile {name!r}: choose one of {', '.join(sorted(PROFILES))}"
        ) from None


def identity_problem(profile: Profile, roles: list[PartyRole]) -> str | None:
    """Say why the roles a partner presented do not fit its profile, or None when they do."""
    expected = profile.required_identity
    if expected is None:
        return None
    for role in roles:
        if (role.role, role.country_code.upper(), role.party_id.upper()) == (
            expected.role,
            expected.country_code,
            expected.party_id,
        ):
            return None
    shown = ", ".join(str(r) for r in roles) or "no role"
    return f"profile {profile.name} expects role {expected}, the partner presented {shown}"


#: the roles that receive what a CPO sends (Locations, Tariffs, Sessions, CDRs, command results)
RECEIVING_ROLES = ("HUB", "EMSP", "NSP")


def roles_problem(roles: list[PartyRole]) -> str | None:
    """Say why none of a partner's roles can receive what we send (issue 16 item 6), or None."""
    if any(role.role in RECEIVING_ROLES for role in roles):
        return None
    shown = ", ".join(str(r) for r in roles) or "no role"
    return (
        f"the partner presented {shown}: a CPO sends Locations, Tariffs, Sessions and CDRs, "
        f"which only a role {', '.join(RECEIVING_ROLES[:-1])} or {RECEIVING_ROLES[-1]} receives"
    )


@dataclass(slots=True)
class Partner:
    id: int
    name: str
    profile_name: str
    state: PartnerState
    direction: Direction | None
    versions_url: str | None
    version: str | None
    endpoints: list[Endpoint]
    roles: list[PartyRole]
    #: the token the partner gave us (OCPI token B or C): a secret, kept out of repr
    outbound_token: str | None = field(repr=False)
    created_at: datetime
    registered_at: datetime | None
    last_seen_at: datetime | None
    #: the one operation (eMI3 Operator Id, e.g. ``FR*AB1``) this partner is bound to, or None
    #: for every operation (gireve-2.1.1.md §2: one registration per operation)
    operation: str | None = None

    @property
    def operation_party(self) -> tuple[str, str] | None:
        """The OCPI party (country_code, party_id) of the bound operation, or None."""
        if self.operation is None:
            return None
        operator = OperatorId.parse(self.operation)
        return operator.country_code, operator.party_id

    @property
    def profile(self) -> Profile:
        """The partner's profile as it applies on the version agreed with it."""
        return get_profile(self.profile_name).at(self.version)

    @property
    def token_base64(self) -> bool:
        """Whether the Authorization token goes Base64-encoded: OCPI 2.2.1 says so
        (transport_and_format), 2.1.1 sends it as it is."""
        return self.profile.token_base64 and self.version not in PLAIN_TOKEN_VERSIONS

    def endpoint(self, identifier: str, role: str) -> Endpoint | None:
        for endpoint in self.endpoints:
            if endpoint.identifier == identifier and (
                identifier == "credentials" or endpoint.role == role
            ):
                return endpoint
        return None


class ConnectionStatus(enum.StrEnum):
    """HubClientInfo: whether a party behind the hub can be reached."""

    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """A party behind a hub and its connection status, as the hub reports it (hubclientinfo)."""

    country_code: str
    party_id: str
    role: str
    status: ConnectionStatus
    last_updated: datetime


def partner_view(
    partner: Partner,
    sync: SyncProgress | None = None,
    reconciliation: Reconciliation | None = None,
) -> dict[str, Any]:
    """A partner as operators see it (admin API, ``partners list --json``): never its token."""
    return {
        "name": partner.name,
        "profile": partner.profile_name,
        "state": partner.state.value,
        "direction": partner.direction.value if partner.direction else None,
        "roles": [
            {"role": r.role, "country_code": r.country_code, "party_id": r.party_id, "name": r.name}
            for r in partner.roles
        ],
        "version": partner.version,
        "operation": partner.operation,
        "versions_url": partner.versions_url,
        "endpoints": [
            {"identifier": e.identifier, "role": e.role, "url": e.url} for e in partner.endpoints
        ],
        "registered_at": partner.registered_at.isoformat() if partner.registered_at else None,
        "last_seen_at": partner.last_seen_at.isoformat() if partner.last_seen_at else None,
        "sync": sync.as_dict() if sync is not None else None,
        "reconciliation": reconciliation.as_dict() if reconciliation is not None else None,
    }
