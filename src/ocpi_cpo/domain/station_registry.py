"""Charging stations we accept on the OCPP gateway, and how their OCPP numbering maps to OCPI EVSEs.

One OCPP number per OCPI EVSE (ocpp-bridge.md §2.2): the connectorId of an OCPP 1.6 station (the
OCA application note: 1.6 has no EVSE, so each connector is its own EVSE), the evseId of an OCPP
2.0.1 station. The mapping is explicit and stored; ids are never parsed out of strings.

Each station has an OCPP security profile (docs/security.md, "Stations at the door"): 1, HTTP Basic
auth when a password is set, over ws or wss; 2, HTTP Basic auth over TLS; 3, a client certificate
from the CPO's CA whose CN is the station id, no password. Station passwords are stored as scrypt
hashes and verified in constant time; the password itself is never stored or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

#: OCPP 2.0.1 identifierString (max 48) without ':', which Basic auth forbids in a user name.
STATION_ID = re.compile(r"^[A-Za-z0-9*\-_=+|@.]{1,48}$")
#: OCPP 2.0.1 BasicAuthPassword: passwordString of 16 to 40 characters.
PASSWORD_LENGTHS = (16, 40)
EVSE_UID_MAX = 36  # OCPI CiString(36)
LOCATION_ID_MAX = 36

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1

#: OCPP security profiles: 1 Basic auth (when a password is set), 2 Basic auth over TLS,
#: 3 TLS with a client certificate
SECURITY_PROFILES = (1, 2, 3)


class StationRuleError(ValueError):
    """A station definition breaks a rule; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class Station:
    station_id: str
    location_id: str
    #: OCPP connectorId (1.6) or evseId (2.0.1) -> OCPI evse_uid
    evses: Mapping[int, str]
    created_at: datetime
    password_hash: str | None = None
    ocpp_version: str | None = None
    vendor: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    online: bool = False
    connected_at: datetime | None = None
    disconnected_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    security_profile: int = 1

    @property
    def needs_password(self) -> bool:
        return self.password_hash is not None

    def is_connected(self, now: datetime, grace: timedelta) -> bool:
        """Online and heard from within the grace period (a crashed server leaves stale flags)."""
        if not self.online:
            return False
        seen = [t for t in (self.connected_at, self.last_heartbeat_at) if t is not None]
        return bool(seen) and max(seen) >= now - grace


def check_station(station_id: str, location_id: str, evses: Mapping[int, str]) -> None:
    if not STATION_ID.match(station_id):
        raise StationRuleError(
            f"station id {station_id!r}: expected 1 to 48 characters among"
            " A-Z a-z 0-9 * - _ = + | @ . (OCPP identifierString, no ':')"
        )
    if not 1 <= len(location_id) <= LOCATION_ID_MAX:
        raise StationRuleError(f"location id {location_id!r}: expected 1 to 36 characters")
    if not evses:
        raise StationRuleError("give at least one --evse N=EVSE_UID")
    for number, uid in evses.items():
        if number < 1:
            raise StationRuleError(
                f"--evse {number}={uid}: N is the OCPP connectorId (1.6) or evseId (2.0.1), from 1"
            )
        if not 1 <= len(uid) <= EVSE_UID_MAX:
            raise StationRuleError(f"--evse {number}={uid}: an EVSE uid has 1 to 36 characters")
    uids = list(evses.values())
    if len(set(uids)) != len(uids):
        raise StationRuleError("each OCPP number needs its own EVSE uid (one EVSE per number)")


def check_security_profile(profile: int, has_password: bool) -> None:
    """Profile 2 needs a password (Basic auth over TLS); profile 3 takes none (the certificate
    is the credential)."""
    if profile not in SECURITY_PROFILES:
        raise StationRuleError(
            f"security profile {profile}: expected 1 (Basic auth), 2 (Basic auth over TLS)"
            " or 3 (TLS client certificate)"
        )
    if profile == 2 and not has_password:
        raise StationRuleError(
            "security profile 2 is HTTP Basic auth over TLS: give the station a --password"
        )
    if profile == 3 and has_password:
        raise StationRuleError(
            "security profile 3 authenticates with the client certificate (its CN is the"
            " station id): give no --password"
        )


def check_password(password: str) -> None:
    low, high = PASSWORD_LENGTHS
    if not low <= len(password) <= high or not password.isprintable():
        raise StationRuleError(
            f"the station password must have {low} to {high} printable characters"
            " (OCPP BasicAuthPassword)"
        )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    encoded = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded[0]}${encoded[1]}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` value."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
