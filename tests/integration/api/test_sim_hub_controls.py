"""The simulated hub's controls: pulling our Senders page by page, and failing on purpose."""

from __future__ import annotations

import httpx
import pytest

from ocpi_cpo.sim.hub_control import Failure, failure_response, pull_module
from tests.integration.api.conftest import Network
from tests.integration.api.locations_support import imported, registered
from tests.integration.api.test_locations_push import deliver
from tests.support.locations import make_location


async def test_pull_locations_page_by_page(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(n, evses=1) for n in range(25)])
    result = await pull_module(network.hub_state, network.transport, "locations", 10, {})
    assert result["ok"], result
    assert [p["count"] for p in result["pages"]] == [10, 10, 5]
    assert {p["total"] for p in result["pages"]} == {25}
    assert sorted(result["ids"]) == sorted(f"LOC{n}" for n in range(25))
    pulls = [r for r in network.hub_state.requests if r["path"] == "/ocpi/2.2.1/locations"]
    assert pulls == []  # the hub called us, it did not receive: nothing recorded on its side


async def test_pull_of_a_module_we_do_not_offer(network: Network) -> None:
    await registered(network)
    result = await pull_module(network.hub_state, network.transport, "chargingprofiles", None, {})
    assert result["ok"] is False and "offers no chargingprofiles" in result["error"]


@pytest.mark.parametrize(("mode", "status"), [("down", 503), ("503", 503), ("ok", None)])
async def test_failure_modes(mode: str, status: int | None) -> None:
    from ocpi_cpo.sim.hub import _reply

    answer = await failure_response(Failure(mode=mode), _reply)
    assert (answer.status_code if answer else None) == status


async def test_ocpi_3000_mode() -> None:
    from ocpi_cpo.sim.hub import _reply

    answer = await failure_response(Failure(mode="3000"), _reply)
    assert answer is not None and b'"status_code":3000' in answer.body


async def test_forget_loses_what_the_hub_holds(network: Network) -> None:
    await registered(network)
    await imported(network, [make_location(1), make_location(2)])
    await deliver(network)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=network.hub_app), base_url="http://hub"
    ) as hub:
        assert len((await hub.get("/_sim/locations")).json()) == 2
        refused = await hub.post("/_sim/forget", json={"modules": ["locations", "evses"]})
        assert refused.status_code == 400 and "evses" in refused.json()["error"]
        assert len(network.hub_state.locations) == 2  # nothing half-done
        done = await hub.post("/_sim/forget", json={"modules": ["locations"]})
        assert done.json() == {"forgotten": {"locations": 2}}
        assert (await hub.get("/_sim/locations")).json() == {}
        assert (await hub.get("/_sim/tariffs")).json() == {}
