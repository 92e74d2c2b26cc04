"""The one retry rule (domain.delivery), table-driven, and the backoff."""

from __future__ import annotations

import random

import pytest

from ocpi_cpo.domain.delivery import Backoff, Outcome, classify, needs_repair


@pytest.mark.parametrize(
    ("http", "ocpi", "outcome"),
    [
        (None, None, Outcome.RETRY),  # no answer: connection refused, timeout, TLS
        (200, 1000, Outcome.DELIVERED),
        (201, 1000, Outcome.DELIVERED),
        (200, 1900, Outcome.DELIVERED),
        (200, 2000, Outcome.DEAD),
        (200, 2001, Outcome.DEAD),
        (400, 2001, Outcome.DEAD),
        (404, 2003, Outcome.DEAD),
        (200, 3000, Outcome.RETRY),
        (500, 3000, Outcome.RETRY),
        (200, 3001, Outcome.RETRY),
        (200, 4001, Outcome.RETRY),
        (200, 4002, Outcome.RETRY),
        (500, None, Outcome.RETRY),
        (502, None, Outcome.RETRY),
        (503, None, Outcome.RETRY),
        (429, None, Outcome.RETRY),
        (408, None, Outcome.RETRY),
        (401, None, Outcome.RETRY),
        (403, None, Outcome.RETRY),
        (401, 2000, Outcome.RETRY),  # a token not taken, whatever the envelope says
        (403, 2001, Outcome.RETRY),
        (200, None, Outcome.RETRY),  # garbage: not JSON, no envelope, status not a number
        (204, None, Outcome.RETRY),
        (400, None, Outcome.DEAD),
        (404, None, Outcome.DEAD),
        (405, None, Outcome.DEAD),
        (500, 1000, Outcome.RETRY),  # success status in an HTTP error: not trusted
        # redirects the transport did not follow: retried and shown, never parked at once
        (301, None, Outcome.RETRY),
        (302, None, Outcome.RETRY),
        (303, None, Outcome.RETRY),
        (307, None, Outcome.RETRY),
        (308, None, Outcome.RETRY),
        (307, 2001, Outcome.RETRY),
    ],
)
def test_classify(http: int | None, ocpi: int | None, outcome: Outcome) -> None:
    assert classify(http, ocpi) is outcome


def test_backoff_grows_is_capped_and_jittered() -> None:
    backoff = Backoff(base_seconds=1, cap_seconds=60)
    rng = random.Random(7)
    delays = [backoff.delay(n, rng=rng) for n in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(60, 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 60


def test_retry_after_wins_when_longer() -> None:
    backoff = Backoff(base_seconds=1, cap_seconds=10)
    assert backoff.delay(1, retry_after=30, rng=random.Random(1)) == 30
    assert backoff.delay(1, retry_after=0, rng=random.Random(1)) <= 1
    # A partner cannot park us for days: Retry-After is bounded too.
    assert backoff.delay(1, retry_after=86400) == 3600


@pytest.mark.parametrize(
    ("module", "method", "http", "ocpi", "repair"),
    [
        ("locations", "PATCH", 404, 2003, True),  # unknown location
        ("locations", "PATCH", 200, 2003, True),  # the OCPI status decides
        ("sessions", "PATCH", 404, None, True),  # HTTP 404 without an envelope
        ("locations", "PATCH", 400, 2001, False),  # our data is wrong: a dead letter
        ("locations", "PATCH", 400, 2000, False),
        ("locations", "PUT", 404, 2003, False),  # a PUT is already whole
        ("cdrs", "PATCH", 404, 2003, False),
        ("tariffs", "PATCH", 404, None, False),
        ("locations", "PATCH", 500, None, False),
    ],
)
def test_needs_repair(
    module: str, method: str, http: int | None, ocpi: int | None, repair: bool
) -> None:
    assert needs_repair(module, method, http, ocpi) is repair
