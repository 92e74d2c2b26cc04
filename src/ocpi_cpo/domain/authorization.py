"""Real-time authorization rules (mod_tokens WhitelistType; gireve.md §8; ocpp-bridge.md §2.4).

Decided here, without I/O:
* whether a locally known token is allowed without asking the eMSP (whitelist ALWAYS, valid);
* what the hub's AllowedType means for the driver;
* what to do when the hub does not answer in time or is down: ALWAYS, ALLOWED and
  ALLOWED_OFFLINE allow a valid token; NEVER and unknown tokens are refused. Such a decision is
  marked offline.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ocpi_cpo.domain.stations import AuthorizationDecision, AuthorizationOutcome


class Whitelist(enum.StrEnum):
    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class DecisionSource(enum.StrEnum):
    """How a decision was reached (kept with it, shown in the admin API and metrics)."""

    LOCAL = "LOCAL"  # a token we hold, whitelist ALWAYS: no request
    REAL_TIME = "REAL_TIME"  # the eMSP answered through the hub
    OFFLINE = "OFFLINE"  # the hub was slow, down or answered nonsense: whitelist rules
    COMMAND = "COMMAND"  # a START_SESSION of the eMSP pre-authorized this token
    REFUSED = "REFUSED"  # the uid itself is malformed, or the EVSE unknown


@dataclass(frozen=True, slots=True)
class TokenKey:
    country_code: str
    party_id: str
    uid: str
    type: str

    def __str__(self) -> str:
        return f"{self.country_code}/{self.party_id}/{self.uid} ({self.type})"


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A token an eMSP pushed to us (or we pulled): its wire JSON and the columns rules need."""

    key: TokenKey
    contract_id: str
    valid: bool
    whitelist: Whitelist
    last_updated: datetime
    document: bytes
    partner_id: int | None = None


def local_decision(token: StoredToken | None) -> AuthorizationDecision | None:
    """Allowed without asking: a valid token whose whitelist is ALWAYS. None: ask the hub."""
    if token is not None and token.valid and token.whitelist is Whitelist.ALWAYS:
        return AuthorizationDecision(AuthorizationOutcome.ALLOWED, reason="whitelist ALWAYS")
    return None


_ALLOWED_OFFLINE = {Whitelist.ALWAYS, Whitelist.ALLOWED, Whitelist.ALLOWED_OFFLINE}


def offline_decision(token: StoredToken | None, why: str) -> AuthorizationDecision:
    """The hub gave no usable answer: follow the whitelist of the token we hold, if any."""
    if token is None:
        return AuthorizationDecision(
            AuthorizationOutcome.UNKNOWN, offline=True, reason=f"{why}; token unknown here"
        )
    if not token.valid:
        return AuthorizationDecision(
            AuthorizationOutcome.BLOCKED, offline=True, reason=f"{why}; token not valid"
        )
    if token.whitelist in _ALLOWED_OFFLINE:
        return AuthorizationDecision(
            AuthorizationOutcome.ALLOWED,
            offline=True,
            reason=f"{why}; whitelist {token.whitelist.value} allows it",
        )
    return AuthorizationDecision(
        AuthorizationOutcome.NOT_ALLOWED,
        offline=True,
        reason=f"{why}; whitelist {token.whitelist.value} needs the eMSP",
    )


def from_allowed(allowed: str) -> AuthorizationOutcome:
    """The hub's AllowedType as our outcome."""
    try:
        return AuthorizationOutcome(allowed)
    except ValueError:
        return AuthorizationOutcome.NOT_ALLOWED


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One decision, as kept and shown."""

    id: int | None
    at: datetime
    uid: str
    token_type: str
    location_id: str | None
    evse_uid: str | None
    outcome: AuthorizationOutcome
    source: DecisionSource
    offline: bool
    reason: str
    latency_ms: float
    authorization_reference: str | None
    #: the eMSP's token as the hub returned it (or as we hold it), JSON; None when unknown
    token_document: bytes | None = None
    #: the session that used this decision (a decision serves one session); None while unused
    session_id: str | None = None


class HubVerdict(enum.StrEnum):
    ANSWERED = "ANSWERED"  # an AuthorizationInfo came back
    UNKNOWN_TOKEN = "UNKNOWN_TOKEN"  # HTTP 404 or OCPI 2004: the eMSP does not know it
    FAILED = "FAILED"  # no usable answer: timeout, down, 5xx, 3xxx, malformed


@dataclass(frozen=True, slots=True)
class HubAnswer:
    verdict: HubVerdict
    allowed: str | None = None
    authorization_reference: str | None = None
    token_document: bytes | None = None
    reason: str = ""
    #: whether ``token_document`` is the eMSP's whole Token (2.2.1 answers carry it); OCPI 2.1.1
    #: answers carry none, so the token we hold, when we hold it, is better
    token_complete: bool = True
