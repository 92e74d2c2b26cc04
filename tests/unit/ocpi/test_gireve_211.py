"""Gireve's 2.1.1 rules (docs/gireve-2.1.1.md) apply under the Gireve profiles when the version
agreed with the partner is 2.1.1, and only then: the same change reaches a Gireve partner on
2.2.1, a Gireve partner on 2.1.1 and a plain 2.1.1 partner each in its own way."""

from __future__ import annotations

import copy
from dataclasses import replace

import orjson
import pytest

from ocpi_cpo.domain.location_changes import merge
from ocpi_cpo.domain.locations import LocationKey
from ocpi_cpo.domain.partners import (
    OperationError,
    Partner,
    PartyRole,
    bound_operation,
    get_profile,
)
from ocpi_cpo.domain.tariffs import Party
from ocpi_cpo.ocpi.publishing import publisher
from ocpi_cpo.services.publishing import CdrClosed, LocationChanged, TariffsChanged
from tests.support.locations import make_location
from tests.unit.domain.test_tariffs import tariff
from tests.unit.ocpi.test_publishing import NOW, cdr_example, partner

HUB = [PartyRole("HUB", "FR", "107")]


def gireve(version: str) -> Partner:
    return replace(partner("gireve-preprod", version), roles=HUB)


def test_the_gireve_profile_changes_with_the_agreed_version() -> None:
    profile = get_profile("gireve-preprod")
    on_211, on_221 = profile.at("2.1.1"), profile.at("2.2.1")
    assert on_221 == profile and profile.at(None) == profile
    assert (on_211.token_base64, on_211.tariff_delete) == (False, False)
    assert (on_211.authorization_id, on_211.tariff_descriptions_per_emsp) == (True, False)
    assert on_211.one_registration_per_operation and not on_221.one_registration_per_operation
    # one registration per operation: bound to the only one, else --operation says which
    assert bound_operation(on_211, ["FR*AB1"], None) == "FR*AB1"
    with pytest.raises(OperationError, match="--operation, one of FR\\*AB1, FR\\*AB2"):
        bound_operation(on_211, ["FR*AB1", "FR*AB2"], None)
    assert bound_operation(on_211, ["FR*AB1", "FR*AB2"], "frab2") == "FR*AB2"
    assert bound_operation(on_221, ["FR*AB1", "FR*AB2"], None) is None
    assert bound_operation(on_221, ["FR*AB1", "FR*AB2"], "FR*AB1") == "FR*AB1"
    # what Gireve asks on both versions stays: full Session PUTs, START/STOP only, no push
    assert on_211.session_updates_as_put and on_211.tariff_change_as_evse_patch
    assert on_211.allowed_commands == profile.allowed_commands
    assert on_211.required_identity == profile.required_identity
    # a plain partner has nothing per version
    assert get_profile("ocpi-2.2.1").at("2.1.1") == get_profile("ocpi-2.2.1")
    assert not partner("gireve-prod", "2.1.1").token_base64
    assert partner("gireve-prod", "2.2.1").token_base64


def test_a_connector_tariff_change_is_an_evse_patch_in_211_form_for_gireve() -> None:
    old = make_location(1)
    new = copy.deepcopy(old)
    new["evses"][0]["connectors"][0]["tariff_ids"] = ["DC50"]
    merged = merge(old, new, NOW)
    change = LocationChanged(LocationKey.of(new), merged.document, merged.changes)
    [plain] = publisher().messages(partner("ocpi-2.1.1", "2.1.1"), change)
    [hub] = publisher().messages(gireve("2.1.1"), change)
    assert (plain.method, plain.url) == ("PATCH", "/FR/AB1/LOC1/E1-1/1")
    assert (hub.method, hub.url, hub.version) == ("PATCH", "/FR/AB1/LOC1/E1-1", "2.1.1")
    body = orjson.loads(hub.body or b"")
    assert set(body) == {"status", "connectors", "last_updated"}
    assert body["connectors"][0]["tariff_id"] == "DC50"
    assert all("tariff_ids" not in c for c in body["connectors"])
    assert hub.routing is None


def test_sessions_and_cdrs_carry_the_authorization_id_for_gireve_on_211_only() -> None:
    cdr = {**cdr_example(), "authorization_reference": "AUTH-REF-1"}
    document = make_location(1)
    evse = document["evses"][0]
    closed = CdrClosed(cdr, {**document, "evses": [{**evse, "connectors": evse["connectors"][:1]}]})
    [hub211] = publisher().messages(gireve("2.1.1"), closed)
    [plain211] = publisher().messages(partner("ocpi-2.1.1", "2.1.1"), closed)
    [hub221] = publisher().messages(gireve("2.2.1"), closed)
    assert orjson.loads(hub211.body or b"")["authorization_id"] == "AUTH-REF-1"
    assert "authorization_id" not in orjson.loads(plain211.body or b"")
    body221 = orjson.loads(hub221.body or b"")
    assert "authorization_id" not in body221
    assert body221["authorization_reference"] == "AUTH-REF-1"


def test_gireve_211_gets_no_tariff_delete_and_only_the_default_description() -> None:
    default, targeted = tariff("T1"), tariff("T1", Party("NL", "EMS"), type="REGULAR")
    change = TariffsChanged(("FR", "AB1"), "T1", True, [default, targeted], False)
    on_211 = publisher().messages(gireve("2.1.1"), change)
    on_221 = publisher().messages(gireve("2.2.1"), change)
    assert [(m.method, m.url) for m in on_211] == [("PUT", "/FR/AB1/T1")]
    assert "target_operator_country_code" not in orjson.loads(on_211[0].body or b"")
    assert [m.method for m in on_221] == ["DELETE", "PUT", "PUT"]
    plain = publisher().messages(partner("ocpi-2.1.1", "2.1.1"), change)
    assert [m.method for m in plain] == ["DELETE", "PUT", "PUT"]


def test_a_withdrawn_tariff_is_not_sent_to_gireve_on_211() -> None:
    change = TariffsChanged(("FR", "AB1"), "T1", True, [], True)
    assert publisher().messages(gireve("2.1.1"), change) == []
    [delete] = publisher().messages(gireve("2.2.1"), change)
    assert (delete.method, delete.url) == ("DELETE", "/FR/AB1/T1")
