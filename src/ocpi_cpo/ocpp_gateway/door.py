"""Limits at the door of the OCPP gateway (docs/security.md, "Stations at the door").

Connection attempts are counted per station id and per source address in token buckets: a
burst is let through, then attempts are refused with HTTP 429 and ``Retry-After`` and a log line
naming the id and the address, until the bucket refills. Attempts naming a station id we do not
know are counted per address in a bucket of their own: a scan of ids from one address is
refused once it is spent. A connected station sending more messages than
``[ocpp] messages_per_second`` allows (after a burst) is closed (``MessageLimit``): its flood
costs the others nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ocpi_cpo.config import OcppSettings

#: buckets kept per kind; the oldest are dropped beyond this (a spread scan costs bounded memory)
MAX_KEYS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class Buckets:
    """Token buckets by key: ``rate`` per second, up to ``burst``."""

    def __init__(
        self, rate: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst = rate, burst
        self._monotonic = monotonic
        self._buckets: dict[str, _Bucket] = {}

    def _refilled(self, key: str) -> _Bucket:
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def wait(self, key: str) -> int:
        """Seconds until ``key`` may go on; 0 when it may now (nothing is taken)."""
        bucket = self._refilled(key)
        return 0 if bucket.tokens >= 1 else math.ceil((1 - bucket.tokens) / self.rate)

    def take(self, key: str) -> int:
        """Take one for ``key``: 0 when it was there, else the seconds to wait (nothing taken)."""
        bucket = self._refilled(key)
        if bucket.tokens < 1:
            return math.ceil((1 - bucket.tokens) / self.rate)
        bucket.tokens -= 1
        return 0


class Door:
    """Who may try to connect now."""

    def __init__(
        self, settings: OcppSettings, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        per_minute = 60.0
        self.by_station = Buckets(
            settings.connections_per_minute_per_station / per_minute,
            settings.connection_burst_per_station,
            monotonic,
        )
        self.by_address = Buckets(
            settings.connections_per_minute_per_address / per_minute,
            settings.connection_burst_per_address,
            monotonic,
        )
        self.unknown_ids = Buckets(
            settings.unknown_ids_per_minute_per_address / per_minute,
            settings.unknown_id_burst_per_address,
            monotonic,
        )

    def attempt(self, station_id: str, address: str) -> tuple[int, str] | None:
        """Count an attempt; (seconds to wait, why) when it is refused, None when let in."""
        waited = self.unknown_ids.wait(address)
        if waited:
            return waited, "too many unknown station ids from this address"
        waited = self.by_address.take(address)
        if waited:
            return waited, "too many connection attempts from this address"
        waited = self.by_station.take(station_id)
        if waited:
            return waited, "too many connection attempts for this station id"
        return None

    def unknown(self, address: str) -> None:
        """An attempt named a station id we do not know."""
        self.unknown_ids.take(address)


class MessageLimit:
    """Messages a connected station may send: ``rate`` per second after a burst."""

    def __init__(
        self, rate: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets = Buckets(rate, burst, monotonic)

    def exceeded(self) -> bool:
        return self._buckets.take("") > 0
