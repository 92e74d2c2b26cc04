"""The garbage collector of a long-running server (issue 21: full collections walked the whole
heap of 10,000 station connections again and again; ocpi_cpo.collector)."""

from __future__ import annotations

import gc
import subprocess
import sys

from ocpi_cpo import collector
from ocpi_cpo.api.app import create_app
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.integration.api.test_health import running
from tests.support.factories import make_settings

_GROWING = """
import gc, sys
gc.collect()
gc.enable()
gc.set_threshold(*map(int, sys.argv[1:4]))
before = gc.get_stats()[2]["collections"]
kept = []
for n in range(300_000):
    kept.append({"n": n, "links": [n]})
    for _ in range(4):
        [[n]]
print(gc.get_stats()[2]["collections"] - before)
"""


def _full_collections_while_growing(thresholds: tuple[int, int, int]) -> int:
    """Full collections while 300,000 long-lived objects (a server's connections) pile up beside
    short-lived ones (its messages). In a fresh interpreter: how often a full collection runs
    depends on the heap already there (CPython waits for a quarter of it to be new), and a test
    process's heap depends on what ran before in it (seen: 2 full collections instead of 3)."""
    done = subprocess.run(
        [sys.executable, "-c", _GROWING, *map(str, thresholds)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(done.stdout)


def test_a_growing_heap_is_walked_whole_less_often() -> None:
    default = _full_collections_while_growing((700, 10, 10))
    tuned = _full_collections_while_growing(collector.THRESHOLDS)
    assert default >= 3 and tuned < default, (default, tuned)


async def test_a_started_server_collects_with_the_long_run_thresholds(
    storage: SqlStorage, database_url: str
) -> None:
    old = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        app = create_app(make_settings(database_url), storage=storage)
        async with running(app):
            assert gc.get_threshold() == collector.THRESHOLDS
            assert gc.get_freeze_count() > 0  # start-up's objects are never walked again
    finally:
        gc.set_threshold(*old)
