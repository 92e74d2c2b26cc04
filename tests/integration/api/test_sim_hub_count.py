"""The simulated hub counts what it received (``GET /_sim/requests/count``), as its whole log
(``GET /_sim/requests``) would, failed requests left out: what a caller waiting for N requests
polls (bench.scale) instead of the log, which grows to tens of thousands of entries."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from ocpi_cpo.sim.hub import SimHubState, create_hub_app

HUB = "hub.test"


def _counted(log: list[dict[str, Any]], method: str | None, module: str | None) -> int:
    return sum(
        1
        for r in log
        if (method is None or r["method"] == method)
        and (module is None or r["module"] == module)
        and not r.get("failed")
    )


async def test_the_count_is_the_log_counted_without_failures() -> None:
    state = SimHubState("FR", "107", f"http://{HUB}", quiet=True)
    state.issued["token-b"] = "access"
    app = create_hub_app(state)
    auth = {"Authorization": "Token " + base64.b64encode(b"token-b").decode()}
    location = "/ocpi/2.2.1/locations/FR/AB1/LOC{}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{HUB}"
    ) as hub:
        for n in range(3):
            await hub.put(location.format(n), json={"id": f"LOC{n}"}, headers=auth)
        await hub.patch(location.format(0), json={"status": "AVAILABLE"}, headers=auth)
        await hub.get("/ocpi/versions", headers=auth)
        await hub.post("/_sim/fail", json={"mode": "503", "seconds": 60})
        refused = await hub.put(location.format(9), json={"id": "LOC9"}, headers=auth)
        assert refused.status_code == 503
        await hub.post("/_sim/fail", json={"mode": "ok"})

        log = (await hub.get("/_sim/requests")).json()
        assert [r.get("failed") for r in log if r["method"] == "PUT"] == [None, None, None, "503"]
        for method, module, expected in (
            ("PUT", "locations", 3),
            ("PATCH", "locations", 1),
            ("GET", "versions", 1),
            ("POST", "cdrs", 0),
            (None, "locations", 4),
            (None, None, 5),
        ):
            query = {k: v for k, v in (("method", method), ("module", module)) if v}
            got = (await hub.get("/_sim/requests/count", params=query)).json()
            assert got == {"count": expected} == {"count": _counted(log, method, module)}, query
