"""The publishing port: version-neutral changes in, each partner's version's messages out.

Services never build a URL nor pick a verb (issue 17): these tests hold the 2.2.1 Receiver
clients to the spec's layout, and every body to its wire model before it is queued.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from ocpi_cpo.domain.location_changes import Change, Target, merge, set_status
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.partners import Partner, PartnerState, PartyRole
from ocpi_cpo.domain.sessions import ChargeSession, Metering, SessionKey, SessionStatus
from ocpi_cpo.metrics import REFUSED
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services.errors import WireRefused
from ocpi_cpo.services.publishing import CdrClosed, LocationChanged, SessionUpdated
from tests.support.locations import make_location

EXAMPLES = Path(__file__).parents[2] / "data" / "ocpi-examples" / "2.2.1" / "examples"
NOW = "2026-03-01T10:00:00Z"


def partner(profile: str = "ocpi-2.2.1", version: str | None = "2.2.1") -> Partner:
    return Partner(
        id=7,
        name="p",
        profile_name=profile,
        state=PartnerState.REGISTERED,
        direction=None,
        versions_url=None,
        version=version,
        endpoints=[],
        roles=[PartyRole("EMSP", "NL", "EXA")],
        outbound_token="t",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        registered_at=None,
        last_seen_at=None,
    )


def cdr_example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "cdr_example.json").read_text())
    # The sample swaps latitude and longitude; our GeoLocation checks the ranges.
    where = data["cdr_location"]["coordinates"]
    where["latitude"], where["longitude"] = where["longitude"], where["latitude"]
    return data


def test_a_new_location_is_a_put_of_the_whole_object() -> None:
    document = make_location(1)
    merged = merge(None, document, NOW)
    key = LocationKey.of(document)
    [message] = publisher().messages(partner(), LocationChanged(key, document, merged.changes))
    assert (message.method, message.url, message.version) == ("PUT", "/FR/AB1/LOC1", "2.2.1")
    assert message.full_replace and orjson.loads(message.body or b"") == document


def test_a_status_change_is_an_evse_patch() -> None:
    document = make_location(1)
    change = set_status(document, "E1-1", "CHARGING", NOW)
    assert change is not None
    change_ = LocationChanged(LocationKey.of(document), document, [change])
    [message] = publisher().messages(partner(), change_)
    assert (message.method, message.url) == ("PATCH", "/FR/AB1/LOC1/E1-1")
    assert orjson.loads(message.body or b"") == {"status": "CHARGING", "last_updated": NOW}


def test_gireve_gets_a_tariff_change_as_an_evse_patch() -> None:
    old = make_location(1)
    new = copy.deepcopy(old)
    new["evses"][0]["connectors"][0]["tariff_ids"] = ["DC50"]
    merged = merge(old, new, NOW)
    change = LocationChanged(LocationKey.of(new), merged.document, merged.changes)
    [plain] = publisher().messages(partner(), change)
    [gireve] = publisher().messages(partner("gireve-preprod"), change)
    assert (plain.method, plain.url) == ("PATCH", "/FR/AB1/LOC1/E1-1/1")
    assert (gireve.method, gireve.url) == ("PATCH", "/FR/AB1/LOC1/E1-1")
    assert set(orjson.loads(gireve.body or b"")) == {"status", "connectors", "last_updated"}


def test_a_cdr_is_posted_to_the_receiver_endpoint() -> None:
    [message] = publisher().messages(partner(), CdrClosed(cdr_example()))
    assert (message.method, message.url, message.module) == ("POST", "", "cdrs")
    assert message.object_key == "cdr/BE/BEC/12345"


def test_a_cdr_whose_address_does_not_fit_is_refused_naming_the_field() -> None:
    cdr = cdr_example()
    cdr["cdr_location"]["address"] = "x" * 46
    with pytest.raises(WireRefused) as refused:
        publisher().messages(partner(), CdrClosed(cdr))
    assert refused.value.field == "cdr.cdr_location.address"
    assert "45" in str(refused.value)


def test_station_events_log_and_count_a_refusal_instead_of_failing() -> None:
    cdr = cdr_example()
    cdr["cdr_location"]["city"] = "y" * 46
    before = REFUSED.labels("2.2.1", "cdrs")._value.get()
    assert publisher().tolerant().messages(partner(), CdrClosed(cdr)) == []
    assert REFUSED.labels("2.2.1", "cdrs")._value.get() == before + 1


def test_a_whole_location_that_breaks_the_wire_is_refused() -> None:
    document = make_location(1)
    document["evses"][0]["connectors"][0]["standard"] = "NO_SUCH_PLUG"
    change = LocationChanged(
        LocationKey.of(document), document, [Change(Target.LOCATION, True, document)]
    )
    with pytest.raises(WireRefused) as refused:
        publisher().messages(partner(), change)
    assert refused.value.field == "location.evses[0].connectors[0].standard"


def _connector_patch(power_type: str) -> LocationChanged:
    document = make_location(1)
    changed = copy.deepcopy(document)
    changed["evses"][0]["connectors"][0]["power_type"] = power_type
    merged = merge(document, changed, NOW)
    return LocationChanged(LocationKey.of(changed), merged.document, merged.changes)


def test_a_patch_is_held_to_its_version_partial_model() -> None:
    """AC_2_PHASE exists in 2.2.1 only: the same connector PATCH goes to a 2.2.1 partner and is
    refused for a 2.1.1 one, naming the field."""
    change = _connector_patch("AC_2_PHASE")
    [message] = publisher().messages(partner(), change)
    assert (message.method, message.url) == ("PATCH", "/FR/AB1/LOC1/E1-1/1")
    with pytest.raises(WireRefused) as refused:
        publisher().messages(partner(version="2.1.1"), change)
    assert (refused.value.version, refused.value.field) == ("2.1.1", "connector.power_type")


@pytest.mark.parametrize("version", ["2.2.1", "2.1.1"])
def test_an_evse_patch_that_breaks_the_wire_is_refused(version: str) -> None:
    document = make_location(1)
    patch = Change(Target.EVSE, False, {"status": "BROKEN", "last_updated": NOW}, evse_uid="E1-1")
    change = LocationChanged(LocationKey.of(document), document, [patch])
    with pytest.raises(WireRefused) as refused:
        publisher().messages(partner(version=version), change)
    assert refused.value.field == "evse.status"
    no_stamp = Change(Target.EVSE, False, {"status": "CHARGING"}, evse_uid="E1-1")
    with pytest.raises(WireRefused, match=r"evse\.last_updated"):
        publisher().messages(
            partner(version=version),
            LocationChanged(LocationKey.of(document), document, [no_stamp]),
        )


def test_a_required_field_patched_to_null_is_refused() -> None:
    document = make_location(1)
    patch = Change(Target.LOCATION, False, {"address": None, "last_updated": NOW})
    change = LocationChanged(LocationKey.of(document), document, [patch])
    with pytest.raises(WireRefused, match=r"location\.address"):
        publisher().messages(partner(version="2.1.1"), change)


def test_station_events_log_and_count_a_refused_patch() -> None:
    document = make_location(1)
    patch = Change(Target.EVSE, False, {"status": "BROKEN", "last_updated": NOW}, evse_uid="E1-1")
    change = LocationChanged(LocationKey.of(document), document, [patch])
    before = REFUSED.labels("2.1.1", "locations")._value.get()
    assert publisher().tolerant().messages(partner(version="2.1.1"), change) == []
    assert REFUSED.labels("2.1.1", "locations")._value.get() == before + 1


def _session_patch(changes: dict[str, Any]) -> SessionUpdated:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    session = ChargeSession(
        key=SessionKey("FR", "AB1", "S1"),
        station_id="ST1",
        transaction_id="T1",
        status=SessionStatus.ACTIVE,
        started_at=start,
        location_id="LOC1",
        evse_uid="E1-1",
        connector_id="1",
        cdr_token={"country_code": "NL", "party_id": "EMS", "uid": "U", "type": "RFID"},
        auth_method="WHITELIST",
        authorization_reference=None,
        currency="EUR",
        time_zone="Europe/Paris",
        cdr_location={"id": "LOC1"},
        tariff=None,
        metering=Metering.begin(start, Decimal(0), True),
        last_updated=start,
    )
    return SessionUpdated(session, {}, first=False, _changes=[changes])


def test_a_session_patch_is_held_to_its_version_partial_model() -> None:
    """RESERVATION is a 2.2.1 session status only: a 2.1.1 Session PATCH cannot carry it."""
    changes = {"status": "RESERVATION", "last_updated": NOW}
    [message] = publisher().messages(partner(), _session_patch(dict(changes)))
    assert (message.method, message.url) == ("PATCH", "/FR/AB1/S1")
    with pytest.raises(WireRefused) as refused:
        publisher().messages(partner(version="2.1.1"), _session_patch(dict(changes)))
    assert (refused.value.module, refused.value.field) == ("sessions", "session.status")
    ok = _session_patch({"kwh": 1.5, "last_updated": NOW})
    [message] = publisher().messages(partner(version="2.1.1"), ok)
    assert message.method == "PATCH" and orjson.loads(message.body or b"")["kwh"] == 1.5


def test_a_partner_on_a_version_we_do_not_speak_is_named() -> None:
    document = make_location(1)
    change = LocationChanged(LocationKey.of(document), document, merge(None, document, NOW).changes)
    with pytest.raises(Exception, match=r"OCPI 9\.9"):
        publisher().messages(replace(partner(), version="9.9"), change)


def test_one_charge_reaches_each_partner_in_its_own_version() -> None:
    cdr = cdr_example()
    document = make_location(1)
    place = {
        **document,
        "evses": [{**document["evses"][0], "connectors": [document["evses"][0]["connectors"][0]]}],
    }
    change = CdrClosed(cdr, place)
    [v221] = publisher().messages(partner(version="2.2.1"), change)
    [v211] = publisher().messages(partner(version="2.1.1"), change)
    body221, body211 = orjson.loads(v221.body or b""), orjson.loads(v211.body or b"")
    assert (v221.version, v211.version) == ("2.2.1", "2.1.1")
    assert (v221.method, v211.method) == ("POST", "POST")
    assert "end_date_time" in body221 and "cdr_location" in body221
    assert body211["stop_date_time"] == cdr["end_date_time"]
    assert body211["auth_id"] == cdr["cdr_token"]["uid"]
    assert body211["total_cost"] == cdr["total_cost"]["excl_vat"]
    assert [e["uid"] for e in body211["location"]["evses"]] == ["E1-1"]
    assert v211.routing is None and v221.routing is not None


def test_a_location_reaches_a_211_partner_in_211_form() -> None:
    document = make_location(1)
    merged = merge(None, document, NOW)
    change = LocationChanged(LocationKey.of(document), document, merged.changes)
    [message] = publisher().messages(partner(version="2.1.1"), change)
    body = orjson.loads(message.body or b"")
    assert (message.method, message.url, message.version) == ("PUT", "/FR/AB1/LOC1", "2.1.1")
    assert "type" in body and "country_code" not in body and "publish" not in body
    connector = body["evses"][0]["connectors"][0]
    assert "tariff_ids" not in connector and {"voltage", "amperage"} <= set(connector)
