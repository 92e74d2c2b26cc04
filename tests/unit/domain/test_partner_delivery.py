"""A partner's delivery state (domain.delivery.observe): backoff per partner, not per message."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ocpi_cpo.domain.delivery import (
    Backoff,
    Observation,
    PartnerDelivery,
    observe,
    says_partner_down,
)

T0 = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
BACKOFF = Backoff(base_seconds=1, cap_seconds=8)


@pytest.mark.parametrize(
    ("http", "ocpi", "down"),
    [
        (None, None, True),
        (500, None, True),
        (503, None, True),
        (429, None, True),
        (408, None, True),
        (200, 3000, True),
        (200, 3001, True),
        (200, 4001, False),  # a hub could not reach the party behind it: that message's problem
        (401, None, False),
        (200, 2001, False),
        (404, None, False),
        (307, None, False),
        (200, 1000, False),
    ],
)
def test_which_answers_say_the_partner_is_down(
    http: int | None, ocpi: int | None, down: bool
) -> None:
    assert says_partner_down(http, ocpi) is down


def fail(message_id: int, at: datetime = T0, retry_after: float | None = None) -> Observation:
    return Observation(message_id, at, True, "HTTP 503", retry_after)


def test_first_failure_marks_down_and_schedules_a_probe() -> None:
    state = observe(PartnerDelivery(1), fail(10), BACKOFF, T0)
    assert state is not None and not state.available
    assert state.down_since == T0 and state.failures == 1 and state.last_error == "HTTP 503"
    assert state.next_probe_at is not None
    assert T0 + timedelta(seconds=0.5) <= state.next_probe_at <= T0 + timedelta(seconds=1)


def test_only_the_probe_failure_grows_the_interval_up_to_the_cap() -> None:
    state = observe(PartnerDelivery(1), fail(10), BACKOFF, T0)
    assert state is not None
    # requests that were in flight when it went down say nothing new
    assert observe(state, fail(11), BACKOFF, T0) is None
    now = T0
    for probe in range(20, 30):
        state = replace(state, probe_message_id=probe)
        now += timedelta(seconds=10)
        after = observe(state, fail(probe, now), BACKOFF, now)
        assert after is not None and after.failures == state.failures + 1
        assert after.down_since == T0 and after.probe_message_id is None
        assert after.next_probe_at is not None
        assert after.next_probe_at - now <= timedelta(seconds=8)  # capped
        state = after


def test_retry_after_is_honoured() -> None:
    state = observe(PartnerDelivery(1), fail(10, retry_after=30), BACKOFF, T0)
    assert state is not None and state.next_probe_at == T0 + timedelta(seconds=30)


def test_an_answer_brings_it_back_and_stale_failures_do_not_put_it_down_again() -> None:
    down = observe(PartnerDelivery(1), fail(10), BACKOFF, T0)
    assert down is not None
    back_at = T0 + timedelta(minutes=5)
    up = observe(down, Observation(12, back_at, False), BACKOFF, back_at)
    assert up is not None and up.available and up.failures == 0 and up.up_at == back_at
    # a request sent before it came back and failed late: ignored
    assert observe(up, fail(13, at=back_at - timedelta(seconds=1)), BACKOFF, back_at) is None
    # a request sent after: a new outage
    later = back_at + timedelta(seconds=1)
    again = observe(up, fail(14, at=later), BACKOFF, later)
    assert again is not None and again.down_since == later
    assert observe(up, Observation(15, later, False), BACKOFF, later) is None  # no change
