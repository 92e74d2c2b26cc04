"""When a scheduled job is due: a time of day and an interval (``[reconcile]``, issue 16 item 4)."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def latest_slot(now: datetime, at: time, every: timedelta) -> datetime:
    """The latest moment at or before ``now`` on the grid ``at`` (UTC) + k * ``every``."""
    anchor = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    steps = (now - anchor) // every
    return anchor + steps * every
