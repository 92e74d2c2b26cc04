"""Station definitions and password hashing."""

from __future__ import annotations

import pytest

from ocpi_cpo.domain.station_registry import (
    StationRuleError,
    check_password,
    check_station,
    hash_password,
    verify_password,
)


def test_password_hash_round_trip() -> None:
    stored = hash_password("a-station-password-16+")
    assert "a-station-password" not in stored
    assert stored != hash_password("a-station-password-16+")  # salted
    assert verify_password("a-station-password-16+", stored)
    assert not verify_password("a-station-password-16-", stored)
    assert not verify_password("x", "not-a-hash")


@pytest.mark.parametrize("password", ["short", "x" * 41, "sixteen chars\n.."])
def test_password_rules(password: str) -> None:
    with pytest.raises(StationRuleError, match="16 to 40"):
        check_password(password)


@pytest.mark.parametrize(
    ("station_id", "evses", "message"),
    [
        ("CP:1", {1: "E1"}, "no ':'"),
        ("x" * 49, {1: "E1"}, "1 to 48"),
        ("CP1", {}, "at least one"),
        ("CP1", {0: "E1"}, "from 1"),
        ("CP1", {1: "E" * 37}, "1 to 36"),
        ("CP1", {1: "E1", 2: "E1"}, "its own EVSE uid"),
    ],
)
def test_station_rules(station_id: str, evses: dict[int, str], message: str) -> None:
    with pytest.raises(StationRuleError, match=message):
        check_station(station_id, "LOC1", evses)
