"""Check EVCI: what a partner's copy lacks, holds otherwise, or holds older."""

from __future__ import annotations

from ocpi_cpo.domain.location_check import Finding, differences
from ocpi_cpo.domain.locations import LocationKey
from tests.support.locations import make_location

KEY = LocationKey("FR", "AB1", "LOC1")


def test_the_same_copy_with_extra_fields_is_in_sync() -> None:
    theirs = make_location(1)
    theirs["gireve_id"] = "FR*GIR*L1"
    theirs["evses"][0]["gireve_id"] = "x"
    assert differences(KEY, make_location(1), theirs) == []


def test_missing_location() -> None:
    found = differences(KEY, make_location(1), None)
    assert [(d.finding, d.where) for d in found] == [(Finding.MISSING, "FR/AB1/LOC1")]


def test_different_stale_and_missing_objects() -> None:
    ours = make_location(1)
    ours["evses"][1]["status"] = "CHARGING"
    ours["evses"][1]["last_updated"] = ours["last_updated"] = "2026-02-01T00:00:00Z"
    theirs = make_location(1)
    del theirs["evses"][0]["connectors"][1]
    found = differences(KEY, ours, theirs)
    assert [(d.finding, d.where) for d in found] == [
        (Finding.STALE, "FR/AB1/LOC1"),
        (Finding.MISSING, "FR/AB1/LOC1/E1-1/2"),
        (Finding.DIFFERENT, "FR/AB1/LOC1/E1-2"),
        (Finding.STALE, "FR/AB1/LOC1/E1-2"),
    ]
    assert "status ours 'CHARGING' theirs 'AVAILABLE'" in found[2].detail


def test_last_updated_renderings_of_the_same_instant_agree() -> None:
    theirs = make_location(1)
    theirs["last_updated"] = "2026-01-01T00:00:00.000Z"
    assert differences(KEY, make_location(1), theirs) == []
