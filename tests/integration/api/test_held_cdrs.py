"""A CDR that cannot be priced is held, never sent (issue "Money right", item 1): the admin API
lists it, reprices it once the tariff exists, or releases it free on purpose; /metrics counts it;
a partner's pull never shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import imported, registered
from tests.integration.api.sessions_support import AC22, ADMIN, deliver, whole_charge
from tests.support.locations import make_location
from tests.support.processes import cli, free_port, write_config


async def unpriced_charge(network: Network) -> tuple[str, str]:
    """A charge at a connector naming AC22 while no tariff AC22 is published; the hub's token
    and the CDR id."""
    token = await registered(network)
    await imported(network, [make_location(1)])
    await whole_charge(network)
    await deliver(network)
    [held] = (await network.client.get("/admin/cdrs/held", headers=ADMIN)).json()["data"]
    return token, str(held["id"])


async def metric(network: Network, name: str) -> float:
    text = (await network.client.get("/metrics", headers=ADMIN)).text
    [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


def the_session(network: Network) -> dict[str, Any]:
    [session] = network.hub_state.sessions.values()
    return session


async def test_an_unpriceable_cdr_is_held_and_never_reaches_a_partner(network: Network) -> None:
    token, cdr_id = await unpriced_charge(network)
    assert network.hub_state.cdrs == {}
    assert not [r for r in network.hub_state.requests if r["module"] == "cdrs"]
    session = the_session(network)
    assert session["status"] == "COMPLETED" and "total_cost" not in session
    [held] = (await network.client.get("/admin/cdrs/held", headers=ADMIN)).json()["data"]
    assert held["session_id"] == session["id"]
    assert "AC22" in held["reason"] and "FR/AB1" in held["reason"]
    assert held["held_seconds"] >= 0
    assert await metric(network, "ocpi_cpo_cdrs_held") == 1
    assert await metric(network, "ocpi_cpo_cdrs_held_oldest_age_seconds") >= 0
    pulled = await network.client.get("/ocpi/2.2.1/cdrs", headers=auth(token))
    assert pulled.json()["data"] == [] and pulled.headers["X-Total-Count"] == "0"
    one = await network.client.get(f"/ocpi/2.2.1/cdrs/{cdr_id}", headers=auth(token))
    assert one.json()["status_code"] != 1000
    credit = await network.client.post(
        f"/admin/cdrs/{cdr_id}/credit", headers=ADMIN, json={"reason": "x"}
    )
    assert "held" in credit.json()["status_message"]


async def test_reprice_after_the_tariff_exists_sends_it_priced(network: Network) -> None:
    token, cdr_id = await unpriced_charge(network)
    refused = await network.client.post(f"/admin/cdrs/{cdr_id}/reprice", headers=ADMIN)
    assert refused.json()["status_code"] == 2001
    assert "still cannot be priced" in refused.json()["status_message"]
    assert len((await network.client.get("/admin/cdrs/held", headers=ADMIN)).json()["data"]) == 1

    published = await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22])
    assert published.json()["status_code"] == 1000
    repriced = await network.client.post(f"/admin/cdrs/{cdr_id}/reprice", headers=ADMIN)
    assert repriced.json()["status_code"] == 1000, repriced.json()
    await deliver(network)
    [cdr] = network.hub_state.cdrs.values()
    assert cdr["id"] == cdr_id
    assert cdr["total_cost"] == {"excl_vat": 9.0, "incl_vat": 10.8}
    assert [t["id"] for t in cdr["tariffs"]] == ["AC22"]
    assert {p.get("tariff_id") for p in cdr["charging_periods"]} == {"AC22"}
    # the last Session the hub got shows the CDR's total
    assert the_session(network)["total_cost"] == cdr["total_cost"]
    assert (await network.client.get("/admin/cdrs/held", headers=ADMIN)).json()["data"] == []
    assert await metric(network, "ocpi_cpo_cdrs_held") == 0
    assert await metric(network, "ocpi_cpo_cdrs_held_oldest_age_seconds") == 0
    pulled = await network.client.get("/ocpi/2.2.1/cdrs", headers=auth(token))
    assert pulled.json()["data"] == [cdr]
    again = await network.client.post(f"/admin/cdrs/{cdr_id}/reprice", headers=ADMIN)
    assert "not held" in again.json()["status_message"]


async def test_release_at_zero_cost_on_purpose(network: Network) -> None:
    _, cdr_id = await unpriced_charge(network)
    url = f"/admin/cdrs/{cdr_id}/release"
    not_free = await network.client.post(url, headers=ADMIN, json={"reason": "goodwill"})
    assert not_free.json()["status_code"] == 2001
    no_reason = await network.client.post(url, headers=ADMIN, json={"zero_cost": True})
    assert no_reason.json()["status_code"] == 2001
    assert network.hub_state.cdrs == {}
    released = await network.client.post(
        url, headers=ADMIN, json={"zero_cost": True, "reason": "launch day: free charging"}
    )
    assert released.json()["status_code"] == 1000, released.json()
    await deliver(network)
    [cdr] = network.hub_state.cdrs.values()
    assert cdr["total_cost"] == {"excl_vat": 0, "incl_vat": 0}
    assert cdr["remark"] == "launch day: free charging"
    assert "tariffs" not in cdr
    assert the_session(network)["total_cost"] == cdr["total_cost"]


async def test_the_cli_lists_reprices_and_releases(
    network: Network, database_url: str, tmp_path: Path
) -> None:
    _, cdr_id = await unpriced_charge(network)
    config = write_config(tmp_path / "c.toml", port=free_port(), database_url=database_url)
    listed = cli("cdrs", "held", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    [held] = orjson.loads(listed.stdout)
    assert held["id"] == cdr_id and "AC22" in held["reason"]
    table = cli("cdrs", "held", config=config)
    assert table.returncode == 0 and "1 held CDR(s)" in table.stdout
    refused = cli("cdrs", "reprice", cdr_id, config=config)
    assert refused.returncode == 2 and "still cannot be priced" in refused.stderr
    not_free = cli("cdrs", "release", cdr_id, "--reason", "x", config=config)
    assert not_free.returncode == 2 and "--zero-cost" in not_free.stderr
    missing = cli("cdrs", "reprice", "NOPE", config=config)
    assert missing.returncode == 1 and "no CDR 'NOPE'" in missing.stderr
    assert network.hub_state.cdrs == {}

    await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22])
    done = cli("cdrs", "reprice", cdr_id, config=config)
    assert done.returncode == 0, done.stderr
    assert "9.0 / 10.8" in done.stdout
    await deliver(network)
    [cdr] = network.hub_state.cdrs.values()
    assert cdr["total_cost"] == {"excl_vat": 9.0, "incl_vat": 10.8}
    assert orjson.loads(cli("cdrs", "held", "--json", config=config).stdout) == []
