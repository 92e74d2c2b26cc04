"""Python's cyclic garbage collector in the long-running processes (``serve``, the simulated hub).

With Python's default thresholds (700, 10, 10) a server holding thousands of station websockets
spent a fifth of its time in full collections while they connected: every full collection walks
every tracked object (about 500 per connected station, some 5 million at 10,000 stations, about
1 microsecond each), and the default lets one run each time the long-lived objects grew by a
quarter and ten middle collections had passed, so the growing heap was walked again and again
(28 full collections, 21.7 s, pauses up to 3 s while 10,000 stations connected; each pause holds
every station's answer). Objects made during start-up are frozen (never walked again), the young
generation is collected less often (more of a request's objects are gone before the collector
looks, so fewer reach the old generations), and a full collection is considered after 100 middle
collections instead of 10: the same 10,000 stations then took 2 full collections (2.1 s).
Garbage in cycles is still collected, later: the resident set stayed within the same bound
(docs/performance.md, "The garbage collector at 10,000 stations").
"""

from __future__ import annotations

import gc

#: generation 0, 1 and 2 thresholds (Python's default: 700, 10, 10)
THRESHOLDS = (2000, 10, 100)


def settle_for_long_run() -> None:
    """After start-up: collect once, freeze what is left (it lives as long as the process), and
    collect from now on with :data:`THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
