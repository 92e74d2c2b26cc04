"""A clock tests move by hand (outages of an hour in a second of test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SteppedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> datetime:
        self.moment += timedelta(seconds=seconds)
        return self.moment
