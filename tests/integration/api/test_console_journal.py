"""The journal: OCPI requests in and out are noted with their ids and never with a token; the
console's Journal page finds them by id."""

from __future__ import annotations

from ocpi_cpo.journal import Entry, Journal, now, ocpp_detail
from tests.integration.api.conftest import Network

ADMIN_TOKEN = "admin-token-0123456789abcdef"


async def test_registration_is_journaled_without_tokens(network: Network) -> None:
    token = await network.invite()
    await network.hub_registers(token)
    journal = network.app.state.ocpi.journal
    incoming = journal.latest(kind="OCPI in")
    assert any(e.summary.startswith("POST /ocpi/2.2.1/credentials") for e in incoming)
    assert all(e.request_id and e.correlation_id for e in incoming)
    outgoing = journal.latest(kind="OCPI out")
    assert outgoing and all(e.status.startswith("HTTP 200") for e in outgoing)
    secrets = [token, ADMIN_TOKEN, *network.hub_state.issued, network.hub_state.cpo_token]

    await network.client.post("/console/sign-in", data={"name": "", "password": ADMIN_TOKEN})
    wanted = incoming[0].request_id
    page = await network.client.get(f"/console/journal?q={wanted}")
    assert page.status_code == 200
    assert wanted in page.text and page.text.count('class="journal-entry"') == 1
    everything = (await network.client.get("/console/journal")).text
    assert len([s for s in secrets if s]) >= 4
    for secret in filter(None, secrets):
        assert secret not in everything


def test_the_journal_is_bounded_and_searchable() -> None:
    journal = Journal(size=3)
    for n in range(5):
        journal.add(Entry(now(), "OCPP in", f"StatusNotification {n}", "CALL", station=f"ST{n}"))
    assert len(journal) == 3
    assert [e.station for e in journal.latest()] == ["ST4", "ST3", "ST2"]
    assert [e.station for e in journal.latest("st3")] == ["ST3"]
    assert journal.latest(kind="OCPI out") == []


def test_ocpp_payload_secrets_are_replaced() -> None:
    shown = ocpp_detail({"idTag": "04A1", "password": "hunter2hunter2", "key": "k"})
    assert "hunter2" not in shown and '"idTag":"04A1"' in shown
