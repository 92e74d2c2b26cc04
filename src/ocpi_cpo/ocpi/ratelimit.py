"""A token bucket per partner: beyond the agreed rate a partner gets HTTP 429 with Retry-After.

In-process: each server process keeps its own buckets (with N processes a partner gets N times the
rate, which is fine for protecting each process).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ocpi_cpo.ocpi.errors import TooManyRequests


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[int, _Bucket] = {}

    def check(self, partner_id: int) -> None:
        now = time.monotonic()
        bucket = self._buckets.get(partner_id)
        if bucket is None:
            bucket = self._buckets[partner_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self.rate)
            raise TooManyRequests(
                f"rate limit of {self.rate:g} requests/s exceeded: retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        bucket.tokens -= 1
