"""Station passwords already checked: a reconnect skips scrypt.

A station's HTTP Basic password is stored as scrypt (``domain.station_registry``), which is slow on
purpose: about 65 ms of CPU per check on a 2-vCPU machine. After a carrier outage every station
reconnects with the password it used before; 10,000 checks would take more than 10 CPU-minutes,
far beyond the 2 minutes a reconnect storm may last (issue 21). So the gateway keeps, per station,
a keyed hash (HMAC-SHA256 under a key drawn at start-up, never stored or logged) of the password
it last let the station in with, together with the stored scrypt hash it was checked against. A
connection presenting the same password for the same stored hash is let in after an HMAC and a
constant-time comparison; anything else (another password, a password changed since: a new
stored hash) is checked with scrypt as before. Only successful checks are remembered.

What this keeps in memory is no easier to reverse than the scrypt hash on disk while the key stays
unknown; the key lives only in this process (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


class CheckedPasswords:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        #: station id -> (the stored scrypt hash, HMAC of the password let in against it)
        self._checked: dict[str, tuple[str, bytes]] = {}

    def _digest(self, password: str) -> bytes:
        return hmac.new(self._key, password.encode(), hashlib.sha256).digest()

    def known(self, station_id: str, password: str, stored: str) -> bool:
        """``password`` let this station in before, against this same stored hash."""
        entry = self._checked.get(station_id)
        if entry is None or entry[0] != stored:
            return False
        return hmac.compare_digest(entry[1], self._digest(password))

    def remember(self, station_id: str, password: str, stored: str) -> None:
        """``password`` was just checked against ``stored`` with scrypt, and matched."""
        self._checked[station_id] = (stored, self._digest(password))
