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

The young generation is collected every 20,000 new objects rather than 2,000, and the middle one
after 50 young collections: every transaction leaves a few dozen objects in reference cycles
(SQLAlchemy's connection and its events, the unit of work's callbacks), so at 10,000 stations
the young collections ran many times a second and moved what was in flight at that moment (a
message's objects, held across its commit) into the old generation, which then passed the
quarter that starts a full collection within about 100 s: 1.4-2.0 s pauses in the steady phase.
Young collections now take 50-75 ms and middle ones up to 0.45 s, but no full collection ran in
the steady phase of the two timed runs, and no answer of three runs waited longer than 0.82 s
(docs/performance.md, "SQLite in the loop's thread").
"""

from __future__ import annotations

import gc

#: generation 0, 1 and 2 thresholds (Python's default: 700, 10, 10)
THRESHOLDS = (20000, 50, 100)


def settle_for_long_run() -> None:
    """After start-up: collect once, freeze what is left (it lives as long as the process), and
    collect from now on with :data:`THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
