"""CallerCache: entries last ``ttl`` seconds and only while the credentials version is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpi_cpo.domain.partners import Partner, PartnerState, TokenKind
from ocpi_cpo.ocpi.callers import CallerCache


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def partner() -> Partner:
    return Partner(
        id=1,
        name="gireve",
        profile_name="gireve-preprod",
        state=PartnerState.REGISTERED,
        direction=None,
        versions_url=None,
        version=None,
        endpoints=[],
        roles=[],
        outbound_token=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        registered_at=None,
        last_seen_at=None,
    )


def test_a_caller_is_kept_until_its_time_is_up() -> None:
    clock = FakeMonotonic()
    cache = CallerCache(ttl=5.0, monotonic=clock)
    known = partner()
    cache.put("token-a", 7, known, TokenKind.ACCESS)
    assert cache.get("token-a", 7) == (known, TokenKind.ACCESS)
    assert cache.get("token-b", 7) is None
    clock.now += 4.9
    assert cache.get("token-a", 7) is not None
    clock.now += 0.2
    assert cache.get("token-a", 7) is None
    assert len(cache) == 0


def test_a_change_of_credentials_drops_what_was_read_before_it() -> None:
    cache = CallerCache(ttl=5.0, monotonic=FakeMonotonic())
    cache.put("token-a", 7, partner(), TokenKind.ACCESS)
    assert cache.get("token-a", 8) is None
    # Dropped for good, even if asked again with the old version.
    assert cache.get("token-a", 7) is None


def test_the_table_holds_digests_only_and_is_bounded() -> None:
    cache = CallerCache(ttl=5.0, size=3, monotonic=FakeMonotonic())
    for n in range(3):
        cache.put(f"token-{n}", 1, partner(), TokenKind.ACCESS)
    assert all(isinstance(key, bytes) and len(key) == 32 for key in cache._entries)
    assert not any(b"token" in key for key in cache._entries)
    cache.put("token-3", 1, partner(), TokenKind.ACCESS)  # full: emptied, then kept
    assert len(cache) == 1
    assert cache.get("token-3", 1) is not None


def test_ttl_zero_keeps_nothing() -> None:
    cache = CallerCache(ttl=0, monotonic=FakeMonotonic())
    cache.put("token-a", 1, partner(), TokenKind.ACCESS)
    assert cache.get("token-a", 1) is None
