"""Changes through the admin API are in the audit log, as the admin token; reads, refusals and
failed changes are not."""

from __future__ import annotations

from ocpi_cpo.services import audit
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import ADMIN, admin_import
from tests.integration.api.sessions_support import AC22
from tests.support.locations import make_location


async def test_admin_changes_are_recorded(network: Network) -> None:
    assert (await network.client.put("/admin/tariffs", headers=ADMIN, json=[AC22])).status_code
    assert (await admin_import(network, [make_location(1)])).json()["status_code"] == 1000
    await network.client.get("/admin/tariffs", headers=ADMIN)  # a read
    wrong = {"Authorization": "Bearer not-the-admin-token"}
    await network.client.put("/admin/tariffs", headers=wrong, json=[AC22])  # refused
    bad = await network.client.put("/admin/tariffs", headers=ADMIN, json=[{"id": "x"}])
    assert bad.json()["status_code"] != 1000  # failed: nothing changed
    changed = await network.client.put(
        "/admin/evses/E1-1/status", headers=ADMIN, json={"status": "CHARGING"}
    )
    assert changed.json()["status_code"] == 1000, changed.text
    entries = await audit.entries(network.storage)
    assert [(str(e.actor), e.action, e.object) for e in entries] == [
        ("admin-token:admin", "PUT /admin/tariffs", "tariffs"),
        ("admin-token:admin", "POST /admin/locations", "locations"),
        ("admin-token:admin", "PUT /admin/evses/{evse_uid}/status", "evses/E1-1/status"),
    ]
    assert entries[0].after[0]["id"] == "AC22"
    assert entries[2].after == {"status": "CHARGING"}
