"""OCPI 2.1.1 Tokens Receiver and real-time authorization for a 2.1.1 eMSP, and the charge that
follows reported in 2.1.1 form: Session pushes, the CDR, and both read back from our 2.1.1
Senders. Tokens travel as they are (no Base64)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from ocpi_cpo.domain.stations import AuthorizationRequest, TransactionStarted
from ocpi_cpo.ocpi.v2_1_1.cdrs.schemas import CDR
from ocpi_cpo.ocpi.v2_1_1.sessions.schemas import Session
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, imported, registered
from tests.integration.api.ocpi_211_support import Emsp211, registered_211
from tests.integration.api.sessions_support import AC22, at, deliver, events, meter, stop
from tests.support.locations import make_location
from tests.support.partners import partner_on

UID = "04A23BC15D802F"
#: the 2.1.1 spec's Token example (mod_tokens 2.1.1 §3.2), with a uid Gireve's form keeps
EXAMPLE: dict[str, Any] = {
    "uid": UID,
    "type": "RFID",
    "auth_id": "DE8ACC12E46L89",
    "visual_number": "DF000-2001-8999",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2015-06-29T22:39:09Z",
}
URL = f"/ocpi/2.1.1/tokens/NL/EXA/{UID}"


def _body(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body


async def test_put_get_patch_a_211_token(network: Network) -> None:
    emsp = await registered_211(network)
    put = await network.client.put(URL, headers=emsp.headers(), json=EXAMPLE)
    assert put.status_code == 201 and _body(put)["status_code"] == 1000, put.text
    got = _body(await network.client.get(URL, headers=emsp.headers()))
    assert got["status_code"] == 1000 and got["data"] == EXAMPLE
    again = await network.client.put(URL, headers=emsp.headers(), json=EXAMPLE)
    assert again.status_code == 200

    patched = await network.client.patch(URL, headers=emsp.headers(), json={"valid": False})
    assert _body(patched)["status_code"] == 1000, patched.text
    token = _body(await network.client.get(URL, headers=emsp.headers()))["data"]
    assert token["valid"] is False and token["last_updated"] != EXAMPLE["last_updated"]
    assert {k: v for k, v in token.items() if k not in ("valid", "last_updated")} == {
        k: v for k, v in EXAMPLE.items() if k not in ("valid", "last_updated")
    }
    # Kept in the stored form: the owner from the URL, contract_id from auth_id.
    async with network.storage.read() as uow:
        [stored] = await uow.emsp_tokens.by_uid(UID, "RFID")
    document = orjson.loads(stored.document)
    assert (document["country_code"], document["party_id"]) == ("NL", "EXA")
    assert document["contract_id"] == "DE8ACC12E46L89" and stored.valid is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"auth_id": None}, "auth_id"),
        ({"whitelist": "SOMETIMES"}, "whitelist"),
        ({"type": "APP_USER"}, "type"),
        ({"uid": "OTHER-UID"}, "uid"),
        ({"issuer": "x" * 65}, "issuer"),
        ({"last_updated": "yesterday"}, "last_updated"),
    ],
)
async def test_bad_211_tokens_are_2001_naming_the_field_and_nothing_stored(
    network: Network, change: dict[str, Any], field: str
) -> None:
    emsp = await registered_211(network)
    body = {k: v for k, v in {**EXAMPLE, **change}.items() if v is not None}
    answer = _body(await network.client.put(URL, headers=emsp.headers(), json=body))
    assert answer["status_code"] == 2001, answer
    assert field in answer["status_message"]
    async with network.storage.read() as uow:
        assert await uow.emsp_tokens.by_uid(UID, "RFID") == []


async def test_a_partner_writes_and_reads_only_its_own_tokens(network: Network) -> None:
    emsp = await registered_211(network)
    # Not a party it acts for: refused, nothing stored.
    other = _body(await network.client.put(
        f"/ocpi/2.1.1/tokens/FR/XYZ/{UID}", headers=emsp.headers(), json=EXAMPLE
    ))  # fmt: skip
    assert other["status_code"] == 2001 and "FR/XYZ" in other["status_message"]
    assert (await network.client.put(URL, headers=emsp.headers(), json=EXAMPLE)).status_code == 201
    # A hub acts for every party but did not push this token: it does not see it.
    hub = {"Authorization": f"Token {await partner_on(network.storage, 'hub211', '2.1.1')}"}
    unseen = await network.client.get(URL, headers=hub)
    assert unseen.status_code == 404 and _body(unseen)["status_code"] == 2000
    assert not _body(unseen).get("data")
    patched = await network.client.patch(URL, headers=hub, json={"valid": False})
    assert patched.status_code == 404
    mine = _body(await network.client.get(URL, headers=emsp.headers()))["data"]
    assert mine["valid"] is True
    # Unknown token and PATCH before PUT: not found.
    unknown = await network.client.get(URL + "X", headers=emsp.headers())
    assert unknown.status_code == 404


async def _published(network: Network) -> None:
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22])
    assert response.json()["status_code"] == 1000, response.json()
    await imported(network, [make_location(1)])


async def _charge(network: Network, uid: str = UID) -> bool:
    pipe = events(network)
    decision = await pipe.authorize(AuthorizationRequest("ST1", "E1-1", uid, "RFID"))
    if not decision.allowed:
        return False
    started = await pipe.transaction_started(
        TransactionStarted("ST1", "E1-1", "1", "TX1", uid, "RFID", Decimal(1000), at(0))
    )
    assert started.allowed
    await meter(network, 15, 6000, 22000)
    await stop(network, 30, 11000)
    return True


async def test_real_time_authorization_at_a_211_emsp_and_the_charge_in_211_form(
    network: Network,
) -> None:
    emsp = await registered_211(network)
    await _published(network)
    never = {**EXAMPLE, "whitelist": "NEVER"}
    assert (await network.client.put(URL, headers=emsp.headers(), json=never)).status_code == 201
    emsp.received.clear()
    assert await _charge(network)

    [(path, sent)] = emsp.sent("POST", "/ocpi/2.1.1/tokens/")
    assert path == f"/ocpi/2.1.1/tokens/{UID}/authorize?type=RFID"
    assert orjson.loads(sent) == {"location_id": "LOC1", "evse_uids": ["E1-1"]}

    await deliver(network)
    sessions = emsp.sent("PUT", "/ocpi/2.1.1/sessions/")
    assert sessions, emsp.received
    session_path, first = sessions[0]
    session = orjson.loads(first)
    Session.model_validate(session)
    assert session_path == f"/ocpi/2.1.1/sessions/FR/AB1/{session['id']}"
    assert session["auth_id"] == UID and session["auth_method"] == "AUTH_REQUEST"
    # A plain 2.1.1 partner gets no authorization_id (Gireve's field: its profiles add it); the
    # reference is kept for the session and CDR all the same.
    assert "authorization_id" not in session
    assert session["location"]["id"] == "LOC1"
    assert [e["uid"] for e in session["location"]["evses"]] == ["E1-1"]
    [(cdr_path, posted)] = emsp.sent("POST", "/ocpi/2.1.1/cdrs")
    cdr = orjson.loads(posted)
    CDR.model_validate(cdr)
    assert cdr_path == "/ocpi/2.1.1/cdrs"
    assert "authorization_id" not in cdr and cdr["auth_id"] == UID
    assert cdr["stop_date_time"] == "2026-03-02T10:30:00Z"
    assert isinstance(cdr["total_cost"], (int, float)) and cdr["total_cost"] > 0

    # The same charge read back from our 2.1.1 Senders, as the eMSP was sent it.
    listed = await network.client.get(
        "/ocpi/2.1.1/sessions",
        params={"date_from": "2026-01-01T00:00:00Z"},
        headers=emsp.headers(),
    )
    assert listed.headers["X-Total-Count"] == "1"
    [read] = _body(listed)["data"]
    Session.model_validate(read)
    assert read["id"] == session["id"] and read["status"] == "COMPLETED"
    assert read["start_datetime"] == "2026-03-02T10:00:00Z"
    assert read["end_datetime"] == "2026-03-02T10:30:00Z" and read["kwh"] == 10
    assert read["location"] == session["location"]
    cdrs = await network.client.get("/ocpi/2.1.1/cdrs", headers=emsp.headers())
    assert cdrs.headers["X-Total-Count"] == "1"
    assert _body(cdrs)["data"] == [cdr]
    async with network.storage.read() as uow:
        [kept] = await uow.sessions.recent(1)
        [stored_cdr] = await uow.cdrs.recent(1)
    assert kept.authorization_reference == "GIR-AUTH-1"
    assert orjson.loads(stored_cdr.document)["authorization_reference"] == "GIR-AUTH-1"
    missing = await network.client.get("/ocpi/2.1.1/sessions", headers=emsp.headers())
    assert _body(missing)["status_code"] == 2001 and "date_from" in _body(missing)["status_message"]


@pytest.mark.parametrize(
    "answer",
    [
        {"allowed": "BLOCKED"},
        {"allowed": "PERHAPS"},  # garbage: no usable answer, NEVER allows nothing offline
        500,
    ],
)
async def test_a_211_emsp_refusing_or_failing_starts_no_charge(
    network: Network, answer: dict[str, Any] | int
) -> None:
    emsp = await registered_211(network)
    await _published(network)
    never = {**EXAMPLE, "whitelist": "NEVER"}
    assert (await network.client.put(URL, headers=emsp.headers(), json=never)).status_code == 201
    emsp.authorize_answer = answer
    assert not await _charge(network)
    assert len(emsp.sent("POST", "/ocpi/2.1.1/tokens/")) == 1
    async with network.storage.read() as uow:
        assert await uow.sessions.recent(10) == []


async def test_other_partners_charges_are_not_in_a_211_emsps_pages(network: Network) -> None:
    emsp: Emsp211 = await registered_211(network)
    await _published(network)
    # A token the eMSP never pushed: whitelisted ALWAYS by nobody; the eMSP answers ALLOWED,
    # so the charge is its own (its one party), then another charge's token is someone else's.
    assert await _charge(network, "0A0B0C0D")
    listed = await network.client.get(
        "/ocpi/2.1.1/sessions", params={"date_from": "2026-01-01T00:00:00Z"},
        headers=emsp.headers(),
    )  # fmt: skip
    [own] = _body(listed)["data"]
    assert own["auth_id"] == "0A0B0C0D"
    hub_token = await registered(network)
    hub = {"Authorization": f"Token {hub_token}"}
    everything = await network.client.get(
        "/ocpi/2.2.1/sessions", params={"date_from": "2026-01-01T00:00:00Z"}, headers=hub
    )
    [seen] = _body(everything)["data"]
    assert seen["cdr_token"]["country_code"] == "NL" and seen["cdr_token"]["party_id"] == "EXA"
