"""The journal: the latest OCPI requests in and out and OCPP messages of this process, for the
operator console (issue 20). Outside the layers, like ``logs`` and ``metrics``: the API, the
outbound transport and the OCPP gateway write to it.

Bounded (``SIZE`` entries, the oldest dropped) and in memory: it is a window on what happens
now, not an archive (the outbox's attempts and the audit log are kept in the database). Secrets
never enter it: no header is kept (so no Authorization token), query strings are dropped, and
OCPP payloads have their secret-named fields (passwords, tokens, keys) replaced.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from ocpi_cpo.domain.audit import redacted

SIZE = 2000
EXCERPT = 300


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    #: "OCPI in", "OCPI out", "OCPP in" or "OCPP out"
    kind: str
    summary: str
    status: str
    request_id: str = ""
    correlation_id: str = ""
    station: str = ""
    latency_ms: float | None = None
    detail: str = ""

    def matches(self, needle: str) -> bool:
        text = " ".join(
            (self.summary, self.request_id, self.correlation_id, self.station, self.detail)
        )
        return needle.lower() in text.lower()


class Journal:
    def __init__(self, size: int = SIZE) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)

    def add(self, entry: Entry) -> None:
        self._entries.append(entry)

    def latest(self, needle: str = "", kind: str = "", limit: int = 200) -> list[Entry]:
        """Newest first, filtered by a text (ids, station, EVSE, session...) and a kind."""
        found = []
        for entry in _newest_first(self._entries):
            if kind and entry.kind != kind:
                continue
            if needle and not entry.matches(needle):
                continue
            found.append(entry)
            if len(found) >= limit:
                break
        return found

    def __len__(self) -> int:
        return len(self._entries)


def _newest_first(entries: deque[Entry]) -> Iterator[Entry]:
    return reversed(list(entries))


def now() -> datetime:
    return datetime.now(UTC)


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def ocpp_detail(payload: Any) -> str:
    """An OCPP payload as the journal shows it: secrets replaced, cut to ``EXCERPT``."""
    text = orjson.dumps(redacted(payload), default=str).decode()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
