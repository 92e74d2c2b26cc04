"""Merging an import into what is stored, status changes, and the Gireve tariff reshaping."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from ocpi_cpo.domain.location_changes import Change, Target, merge, set_status
from ocpi_cpo.domain.locations import Visibility, parse_stamp, stamp, visibility_of
from ocpi_cpo.ocpi.v2_2_1.locations.receiver import as_evse_tariff_patches
from ocpi_cpo.ocpi.v2_2_1.types import format_datetime
from tests.support.locations import make_location

NOW = "2026-03-01T10:00:00Z"


def stored() -> dict[str, Any]:
    return make_location(1)


def verb(change: Change) -> str:
    """How OCPI 2.2.1 sends it: the whole object as PUT, changed fields as PATCH."""
    return "PUT" if change.whole else "PATCH"


def path(change: Change) -> tuple[str, ...]:
    if change.target is Target.LOCATION:
        return ()
    if change.target is Target.EVSE:
        return (str(change.evse_uid),)
    return (str(change.evse_uid), str(change.connector_id))


def summary(changes: list[Change]) -> list[tuple[str, str, tuple[str, ...], dict[str, Any]]]:
    return [(verb(c), c.target.value, path(c), c.body) for c in changes]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 1, 10, 0, 0, 999, tzinfo=UTC),
    ],
)
def test_stamps_render_as_the_wire_types_do(moment: datetime) -> None:
    text = stamp(moment)
    assert text == format_datetime(parse_stamp(text))
    assert parse_stamp(text) <= moment


def test_a_new_location_is_one_put_and_keeps_its_last_updated() -> None:
    new = make_location(1)
    merged = merge(None, copy.deepcopy(new), NOW)
    assert summary(merged.changes) == [("PUT", "LOCATION", (), new)]
    assert merged.document == new


def test_a_parent_is_never_older_than_its_children() -> None:
    new = make_location(1)
    new["evses"][0]["connectors"][1]["last_updated"] = "2026-02-01T00:00:00Z"
    merged = merge(None, new, NOW)
    assert merged.document["evses"][0]["last_updated"] == "2026-02-01T00:00:00Z"
    assert merged.document["last_updated"] == "2026-02-01T00:00:00Z"


def test_the_same_content_is_no_change_whatever_its_last_updated() -> None:
    new = make_location(1, last_updated="2027-01-01T00:00:00Z")
    merged = merge(stored(), new, NOW)
    assert not merged.changed
    assert merged.document == stored()


def test_an_evse_status_change_is_an_evse_patch_and_bumps_the_parents() -> None:
    new = make_location(1)
    new["evses"][1]["status"] = "CHARGING"
    merged = merge(stored(), new, NOW)
    assert summary(merged.changes) == [
        ("PATCH", "EVSE", ("E1-2",), {"status": "CHARGING", "last_updated": NOW})
    ]
    assert merged.document["last_updated"] == NOW
    assert merged.document["evses"][1]["last_updated"] == NOW
    assert merged.document["evses"][0]["last_updated"] == "2026-01-01T00:00:00Z"


def test_a_connector_change_is_a_connector_patch_bumping_evse_and_location() -> None:
    new = make_location(1)
    new["evses"][0]["connectors"][0]["max_amperage"] = 16
    merged = merge(stored(), new, NOW)
    assert summary(merged.changes) == [
        ("PATCH", "CONNECTOR", ("E1-1", "1"), {"max_amperage": 16, "last_updated": NOW})
    ]
    evse = merged.document["evses"][0]
    assert (evse["last_updated"], evse["connectors"][0]["last_updated"]) == (NOW, NOW)
    assert evse["connectors"][1]["last_updated"] == "2026-01-01T00:00:00Z"
    assert merged.document["last_updated"] == NOW


def test_a_location_field_change_is_a_location_patch() -> None:
    new = make_location(1)
    new["name"] = "Renamed"
    merged = merge(stored(), new, NOW)
    assert summary(merged.changes) == [
        ("PATCH", "LOCATION", (), {"name": "Renamed", "last_updated": NOW})
    ]


def test_a_field_that_disappears_needs_a_put() -> None:
    new = make_location(1)
    del new["postal_code"]
    merged = merge(stored(), new, NOW)
    assert [(verb(c), c.target) for c in merged.changes] == [("PUT", Target.LOCATION)]
    assert merged.document["last_updated"] == NOW

    new = make_location(1)
    del new["evses"][0]["connectors"][1]
    merged = merge(stored(), new, NOW)
    assert [(verb(c), c.target, path(c)) for c in merged.changes] == [
        ("PUT", Target.EVSE, ("E1-1",))
    ]


def test_new_evse_and_connector_are_puts() -> None:
    new = make_location(1, evses=3)
    new["evses"][0]["connectors"].append({**new["evses"][0]["connectors"][0], "id": "3"})
    merged = merge(stored(), new, NOW)
    assert [(verb(c), c.target, path(c)) for c in merged.changes] == [
        ("PUT", Target.CONNECTOR, ("E1-1", "3")),
        ("PUT", Target.EVSE, ("E1-3",)),
    ]
    assert merged.document["last_updated"] == NOW


def test_an_evse_left_out_is_kept_as_removed() -> None:
    new = make_location(1, evses=1)
    merged = merge(stored(), new, NOW)
    assert summary(merged.changes) == [
        ("PATCH", "EVSE", ("E1-2",), {"status": "REMOVED", "last_updated": NOW})
    ]
    assert [e["status"] for e in merged.document["evses"]] == ["AVAILABLE", "REMOVED"]
    assert not merge(merged.document, make_location(1, evses=1), NOW).changed


def test_set_status_and_the_same_status_again() -> None:
    document = stored()
    change = set_status(document, "E1-1", "CHARGING", NOW)
    assert change is not None and change.body == {"status": "CHARGING", "last_updated": NOW}
    assert document["last_updated"] == document["evses"][0]["last_updated"] == NOW
    assert set_status(document, "E1-1", "CHARGING", "2026-03-01T11:00:00Z") is None
    assert document["last_updated"] == NOW
    with pytest.raises(KeyError):
        set_status(document, "nope", "CHARGING", NOW)


def test_gireve_gets_a_tariff_change_as_an_evse_patch_with_status_and_connectors() -> None:
    new = make_location(1)
    for connector in new["evses"][0]["connectors"]:
        connector["tariff_ids"] = ["DC50"]
    new["evses"][1]["status"] = "CHARGING"
    merged = merge(stored(), new, NOW)
    plain = merged.changes
    assert [(c.target, path(c)) for c in plain] == [
        (Target.CONNECTOR, ("E1-1", "1")),
        (Target.CONNECTOR, ("E1-1", "2")),
        (Target.EVSE, ("E1-2",)),
    ]
    assert plain[0].body == {"tariff_ids": ["DC50"], "last_updated": NOW}
    gireve = as_evse_tariff_patches(merged.changes, merged.document)
    assert [(verb(c), c.target, path(c)) for c in gireve] == [
        ("PATCH", Target.EVSE, ("E1-1",)),
        ("PATCH", Target.EVSE, ("E1-2",)),
    ]
    assert gireve[0].body == {
        "status": "AVAILABLE",
        "connectors": merged.document["evses"][0]["connectors"],
        "last_updated": NOW,
    }
    assert gireve[1].body == {"status": "CHARGING", "last_updated": NOW}


@pytest.mark.parametrize(
    ("publish", "allowed", "visibility"),
    [
        (True, None, Visibility.PUBLIC),
        (False, [{"uid": "12345678", "type": "RFID"}], Visibility.RESTRICTED),
        (False, None, Visibility.PRIVATE),
    ],
)
def test_visibility(publish: bool, allowed: Any, visibility: Visibility) -> None:
    location = make_location(1, publish=publish)
    if allowed:
        location["publish_allowed_to"] = allowed
    assert visibility_of(location) is visibility
