"""The failed sign-in limit's arithmetic (domain.sign_in_limits): which failures count, and how
long a try waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocpi_cpo.domain.sign_in_limits import SignInLimits, key_digest

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LIMITS = SignInLimits()


def _ago(*seconds: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds]


@pytest.mark.parametrize(
    ("key", "failures", "wait"),
    [
        ("name:olivia", _ago(10, 20, 30, 40), 0),  # 4 of 5: allowed
        ("name:olivia", _ago(10, 20, 30, 40, 100), 200),  # 5: until the oldest leaves
        ("name:olivia", _ago(10, 20, 30, 40, 300), 0),  # the oldest at the window's edge
        ("name:olivia", _ago(10, 20, 30, 40, 301), 0),  # ... or beyond it: not counted
        ("name:olivia", _ago(100, 10, 20, 30, 40), 200),  # in any order
        # 7 (concurrent tries): 3 must leave, the third oldest last (150 s ago)
        ("name:olivia", _ago(10, 20, 30, 40, 150, 200, 250), 150),
        ("ip:203.0.113.9", _ago(*range(1, 20)), 0),  # 19 of 20 per address
        ("ip:203.0.113.9", _ago(*range(1, 21)), 280),
        ("name:ip:x", _ago(1, 2, 3, 4, 5), 295),  # only an ip: prefix makes an address
    ],
)
def test_wait(key: str, failures: list[datetime], wait: float) -> None:
    assert LIMITS.wait(key, failures, NOW) == timedelta(seconds=wait)


def test_keys_are_kept_as_digests() -> None:
    assert key_digest("name:olivia") == key_digest("name:olivia")
    assert key_digest("name:olivia") != key_digest("name:Olivia")
    assert len(key_digest("name:" + "x" * 10_000)) == 64
