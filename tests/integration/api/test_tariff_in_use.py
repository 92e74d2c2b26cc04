"""A tariff still named by connectors is not deleted (its CDRs could not be priced): the refusal
names the connectors; --force takes it out of them first and pushes those Locations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ocpi_cpo.sim import demo_data
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, admin_import, registered
from tests.integration.api.sessions_support import deliver
from tests.support.processes import cli, free_port, write_config

URL = f"/admin/tariffs/FR/AB1/{demo_data.TARIFF_ID}"


async def linked(network: Network) -> None:
    await registered(network)
    published = await network.client.put("/admin/tariffs", headers=ADMIN, json=demo_data.tariffs())
    assert published.json()["status_code"] == 1000
    location = demo_data.location(1, datetime.now(UTC))
    done = await admin_import(network, [location], allow_unknown_tariffs=False)
    assert done.json()["status_code"] == 1000, done.json()
    await deliver(network)


async def test_delete_is_refused_while_connectors_name_it(network: Network) -> None:
    await linked(network)
    refused = await network.client.delete(URL, headers=ADMIN)
    assert refused.json()["status_code"] == 2001
    message = refused.json()["status_message"]
    assert f"tariff FR/AB1/{demo_data.TARIFF_ID} is still named by 2 connector(s)" in message
    assert "FR/AB1/LOC1 " in message and "--force" in message
    listed = (await network.client.get("/admin/tariffs", headers=ADMIN)).json()["data"]
    assert demo_data.TARIFF_ID in {t["id"] for t in listed}


async def test_force_unlinks_pushes_the_locations_then_deletes(network: Network) -> None:
    await linked(network)
    before = len(network.hub_state.requests)
    forced = await network.client.delete(URL, headers=ADMIN, params={"force": "true"})
    assert forced.json()["status_code"] == 1000, forced.json()
    assert forced.json()["data"]["connectors"] == 2
    stored = (await network.client.get("/admin/locations/FR/AB1/LOC1", headers=ADMIN)).json()
    ids = [c.get("tariff_ids") for e in stored["data"]["evses"] for c in e["connectors"]]
    assert all(demo_data.TARIFF_ID not in (i or []) for i in ids)
    await deliver(network)
    sent = network.hub_state.requests[before:]
    locations = [r for r in sent if "/locations/FR/AB1/LOC1" in r["path"]]
    assert locations and all(
        demo_data.TARIFF_ID not in (c.get("tariff_ids") or [])
        for r in locations
        for c in r["body"].get("connectors", [])
    )
    deleted = [r for r in sent if r["method"] == "DELETE" and "/tariffs/" in r["path"]]
    assert [r["path"].rsplit("/", 1)[1] for r in deleted] == [demo_data.TARIFF_ID]


async def test_the_cli_exits_2_naming_the_connectors(
    network: Network, database_url: str, tmp_path: Path
) -> None:
    await linked(network)
    config = write_config(tmp_path / "c.toml", port=free_port(), database_url=database_url)
    refused = cli("tariffs", "delete", demo_data.TARIFF_ID, "--operation", "FR*AB1", config=config)
    assert refused.returncode == 2, refused.stderr
    assert "still named by 2 connector(s): FR/AB1/LOC1" in refused.stderr
    forced = cli(
        "tariffs", "delete", demo_data.TARIFF_ID, "--operation", "FR*AB1", "--force", config=config
    )
    assert forced.returncode == 0, forced.stderr
    assert "removed FR/AB1/" in forced.stderr or "removed FR/AB1/" in forced.stdout
