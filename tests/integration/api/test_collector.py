"""The garbage collector of a long-running server (issue 21: full collections walked the whole
heap of 10,000 station connections again and again; ocpi_cpo.collector)."""

from __future__ import annotations

import gc

from ocpi_cpo import collector
from ocpi_cpo.api.app import create_app
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.integration.api.test_health import running
from tests.support.factories import make_settings


def _full_collections_while_growing(thresholds: tuple[int, int, int]) -> int:
    """Full collections while 300,000 long-lived objects (a server's connections) pile up beside
    short-lived ones (its messages)."""
    kept: list[dict[str, object]] = []
    old = gc.get_threshold()
    was_enabled = gc.isenabled()
    gc.collect()
    gc.enable()
    gc.set_threshold(*thresholds)
    before = gc.get_stats()[2]["collections"]
    try:
        for n in range(300_000):
            kept.append({"n": n, "links": [n]})
            for _ in range(4):
                [[n]]  # noqa: B018 - garbage made on purpose
        return int(gc.get_stats()[2]["collections"] - before)
    finally:
        gc.set_threshold(*old)
        if not was_enabled:
            gc.disable()


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
