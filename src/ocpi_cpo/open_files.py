"""The open-file limit against the stations expected: one socket per station websocket, plus the
rest of a process (``ocpi-cpo doctor`` checks it; ``serve`` logs a warning at start-up)."""

from __future__ import annotations

import resource

#: file descriptors a process needs besides one per station websocket: partners' connections,
#: the database pool, the API's clients, logs
FILES_BESIDES_STATIONS = 256


def check(stations: int) -> tuple[bool, str]:
    """(enough, the sentence saying so): the soft limit of this process against ``stations``."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = stations + FILES_BESIDES_STATIONS
    shown = "unlimited" if soft == resource.RLIM_INFINITY else str(soft)
    reason = (
        f"open-file limit {shown}, about {needed} needed for {stations} stations"
        f" (one socket each, plus {FILES_BESIDES_STATIONS})"
    )
    if soft != resource.RLIM_INFINITY and soft < needed:
        return False, (
            f"{reason}: stations beyond it will be refused; raise it (LimitNOFILE= in the"
            f" systemd unit, ulimit -n; hard limit {hard})"
        )
    return True, reason
