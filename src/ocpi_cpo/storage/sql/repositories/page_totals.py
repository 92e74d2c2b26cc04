"""The Locations Sender's page totals and whole pages, kept a few seconds (repositories.locations).

Its own module: the storage makes one at start (``SqlStorage.page_totals``), and a command that
touches no Location should not import the Locations repository for it (docs/architecture.md,
"A fast CLI").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: seconds a page total is reused; writes through this process's storage drop them at once
TOTAL_TTL = 2.0
#: bytes of page documents kept (PageTotals); the oldest pages go first beyond it
PAGES_BUDGET = 8 * 1024 * 1024


class PageTotals:
    """The Sender's page totals by filter, shared by the storage's units of work.

    A total is reused for ``ttl`` seconds unless Locations changed since it was counted: written
    through this storage (``changed``, after each such commit) or by another process, as
    ``version`` tells (storage.sql.changes: SQLite's change counter, PostgreSQL's NOTIFY). The
    ``ttl`` bounds what a lost notification could hide.
    """

    def __init__(
        self,
        ttl: float = TOTAL_TTL,
        monotonic: Callable[[], float] = time.monotonic,
        version: Callable[[], int] | None = None,
        budget: int = PAGES_BUDGET,
    ):
        self.ttl = ttl
        self._monotonic = monotonic
        self._version = version
        self._local = 0
        self._totals: dict[tuple[Any, ...], tuple[float, int, int]] = {}
        #: whole pages by (filter, offset, limit): (expiry, version, total, documents, size)
        self._pages: dict[tuple[Any, ...], tuple[float, int, int, list[bytes], int]] = {}
        self._budget = budget
        self._bytes = 0

    @property
    def version(self) -> int:
        return self._version() if self._version is not None else self._local

    def get(self, key: tuple[Any, ...]) -> int | None:
        found = self._totals.get(key)
        if found is None or self._monotonic() >= found[0] or found[2] != self.version:
            return None
        return found[1]

    def put(self, key: tuple[Any, ...], version: int, total: int) -> None:
        """Keep a total counted at ``version`` (taken before counting), unless it changed since."""
        if self.ttl <= 0 or version != self.version:
            return
        if len(self._totals) >= 256:
            self._totals.clear()
        self._totals[key] = (self._monotonic() + self.ttl, total, version)

    def page(self, key: tuple[Any, ...]) -> tuple[int, list[bytes]] | None:
        """A page kept under the same rules as totals: (total, documents), or None."""
        found = self._pages.get(key)
        if found is None or self._monotonic() >= found[0] or found[1] != self.version:
            return None
        return found[2], found[3]

    def put_page(
        self, key: tuple[Any, ...], version: int, total: int, documents: list[bytes]
    ) -> None:
        """Keep a page read at ``version`` (taken before reading), unless it changed since."""
        if self.ttl <= 0 or version != self.version:
            return
        size = sum(len(d) for d in documents) + 64
        if size > self._budget:
            return
        old = self._pages.pop(key, None)
        if old is not None:
            self._bytes -= old[4]
        while self._pages and self._bytes + size > self._budget:
            oldest = next(iter(self._pages))
            self._bytes -= self._pages.pop(oldest)[4]
        self._pages[key] = (self._monotonic() + self.ttl, version, total, documents, size)
        self._bytes += size

    def changed(self) -> None:
        self._local += 1
        self._totals.clear()
        self._pages.clear()
        self._bytes = 0
