"""domain.location_links: tariff_ids against published tariffs, EVSE identity across the platform."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpi_cpo.domain.location_links import (
    StoredEvse,
    connector_warnings,
    identity_problems,
    tariff_link_problems,
)
from ocpi_cpo.domain.locations import LocationKey
from tests.support.locations import make_location

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_every_unknown_or_ended_entry_is_named_by_its_path() -> None:
    location = make_location(1, evses=1, connectors=2)
    location["evses"][0]["connectors"][1]["tariff_ids"] = ["AC22", "OLD"]
    published = {("FR", "AB1"): {"AC22": None, "OLD": datetime(2026, 5, 1, tzinfo=UTC)}}
    [problem] = tariff_link_problems([location], published, NOW)
    assert problem.path == "[0].evses[0].connectors[1].tariff_ids[1]"
    assert "ended at 2026-05-01" in problem.message
    later = {("FR", "AB1"): {"AC22": datetime(2026, 7, 1, tzinfo=UTC), "OLD": None}}
    assert tariff_link_problems([location], later, NOW) == []
    unknown = tariff_link_problems([location], {}, NOW, single=True)
    assert [p.path for p in unknown] == [
        "evses[0].connectors[0].tariff_ids[0]",
        "evses[0].connectors[1].tariff_ids[0]",
        "evses[0].connectors[1].tariff_ids[1]",
    ]
    warnings = connector_warnings([location], unknown)
    assert len(warnings) == 2 and "OLD" in warnings[1] and "AC22" in warnings[1]


def test_identity_clashes_name_both_places() -> None:
    stored = [StoredEvse("E9-1", "FR*AB1*E9N1", LocationKey("FR", "AB1", "LOC9"))]
    clash = make_location(1)
    clash["evses"][0]["uid"] = "E9-1"
    clash["evses"][1]["evse_id"] = "fr*ab1*e9n1"
    problems = identity_problems([clash], stored)
    assert [p.path for p in problems] == ["[0].evses[0].uid", "[0].evses[1].evse_id"]
    assert all("FR/AB1/LOC9" in p.message for p in problems)
    # the stored Location being replaced by the input is no clash
    assert identity_problems([make_location(9)], [*stored]) == []
