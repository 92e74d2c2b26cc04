"""Callers by token, kept for a few seconds so that a partner's burst of requests (a hub pulling
every page of our Locations) reads its token and partner once, not once per request.

Measured on the Locations page (docs/performance.md): the token lookup was two statements in their
own transaction, about half of the request's cost on SQLite.

Correctness: an entry is used only while ``Storage.credentials_version`` is the one it was read at,
so a token revoked or a partner changed anywhere (this process, the CLI, another ``serve``) stops
working from the next request on (storage.sql.changes); ``CALLER_TTL`` only bounds how long an
entry lives (documented in docs/performance.md). Unknown tokens are never
kept, so guessing costs memory nothing; the table is bounded and emptied when full.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from ocpi_cpo.domain.partners import Partner, TokenKind

#: seconds a token read from the database is trusted without reading it again
CALLER_TTL = 5.0
_SIZE = 1024


class CallerCache:
    def __init__(
        self,
        ttl: float = CALLER_TTL,
        size: int = _SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._size = size
        self._monotonic = monotonic
        # token digest -> (credentials version, expires at, partner, token kind)
        self._entries: dict[bytes, tuple[int, float, Partner, TokenKind]] = {}

    @staticmethod
    def _key(token: str) -> bytes:
        # Keyed by digest: the table never holds a token, and lookups compare digests.
        return hashlib.sha256(token.encode("utf-8")).digest()

    def get(self, token: str, version: int) -> tuple[Partner, TokenKind] | None:
        if self.ttl <= 0:
            return None
        key = self._key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        read_at_version, expires_at, partner, kind = entry
        if read_at_version != version or self._monotonic() >= expires_at:
            del self._entries[key]
            return None
        return partner, kind

    def put(self, token: str, version: int, partner: Partner, kind: TokenKind) -> None:
        """Keep what was read; ``version`` is the credentials version taken *before* reading."""
        if self.ttl <= 0:
            return
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[self._key(token)] = (version, self._monotonic() + self.ttl, partner, kind)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
