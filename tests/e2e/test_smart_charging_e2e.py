"""Charging preferences end to end (real processes: the server, the simulated hub, an OCPP 1.6
station over a websocket, the CLI): the hub PUTs a driver's preferences for an eMSP, the station
gets the profile, and the charge finishes with the energy asked by the departure time at a lower
power than the charge beside it without preferences; both CDRs reach the hub priced.

Hours of charging pass in a moment: the station's clock is driven ahead (SimStation.drive) and the
test asserts on meter and profile values, never on how long anything took."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation
from tests.e2e.test_drills import _accepted, _json, _serve
from tests.support.processes import cli, free_port, running, wait_http, write_config

pytestmark = pytest.mark.e2e
BADGES = ("04A1B2C3D4E5F6", "04A1B2C3D4E5F7")
NEED_KWH = 20


def _token(uid: str) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid,
        "type": "RFID",
        "contract_id": f"NL-EMS-{uid[-4:]}",
        "issuer": "EMS",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-11-24T08:00:00Z",
    }


def _max_power(period: dict[str, Any]) -> float | None:
    return {d["type"]: d["volume"] for d in period["dimensions"]}.get("MAX_POWER")


async def _until(check: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


async def test_preferences_make_a_slower_charge_that_ends_on_time(
    tmp_path: Path, database_url: str
) -> None:
    cpo_port, hub_port = free_port(), free_port()
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    config = write_config(tmp_path / "c.toml", port=cpo_port, database_url=database_url)
    config.write_text(
        config.read_text() + "\n[smart_charging]\nmin_interval = 0\n"
        "[smart_charging.site_limits]\nLOC1 = 40\n"
    )
    network = demo_data.locations(1)
    for evse in network[0]["evses"]:
        evse["capabilities"].append("CHARGING_PREFERENCES_CAPABLE")
    locations = tmp_path / "locations.json"
    locations.write_bytes(orjson.dumps(network))
    tariffs = tmp_path / "tariffs.json"
    tariffs.write_bytes(orjson.dumps(demo_data.tariffs()))
    server_log = tmp_path / "cpo.log"
    server = _serve(config, server_log)
    with running(
        ["sim", "hub", "--port", str(hub_port), "--quiet"],
        ready_url=f"{hub}/_sim/state",
        log=tmp_path / "hub.log",
        timeout=60,
    ):
        try:
            wait_http(f"{cpo}/ocpi/versions", server, server_log)
            invite = orjson.loads(
                cli(
                    "partners", "invite", "hub", "--profile", "ocpi-2.2.1", "--json", config=config
                ).stdout
            )
            assert cli("tariffs", "import", str(tariffs), config=config).returncode == 0
            assert cli("locations", "import", str(locations), config=config).returncode == 0
            added = cli(
                "stations",
                "add",
                "ST1",
                "--location",
                "LOC1",
                "--evse",
                "1=E1-1",
                "--evse",
                "2=E1-2",
                config=config,
            )
            assert added.returncode == 0, added.stderr
            async with aiohttp.ClientSession() as http:
                assert (await _json(http, "POST", f"{hub}/_sim/register", invite))["ok"]
                hub_token = (await _json(http, "GET", f"{hub}/_sim/state"))["cpo_token"]
                headers = {
                    "Authorization": "Token " + base64.b64encode(hub_token.encode()).decode(),
                    "Content-Type": "application/json",
                    "X-Request-ID": "r1",
                    "X-Correlation-ID": "c1",
                    "OCPI-from-country-code": "NL",
                    "OCPI-from-party-id": "EMS",
                    "OCPI-to-country-code": "FR",
                    "OCPI-to-party-id": "AB1",
                }
                for badge in BADGES:
                    await _json(
                        http,
                        "PUT",
                        f"{cpo}/ocpi/2.2.1/tokens/NL/EMS/{badge}",
                        _token(badge),
                        headers,
                    )
                station = SimStation(
                    cpo.replace("http", "ws") + "/ocpp",
                    "ST1",
                    "1.6",
                    connectors=2,
                    say=lambda _: None,
                )
                await station.connect()
                await station.boot()
                for number, badge in ((1, BADGES[0]), (2, BADGES[1])):
                    await station.status(number, "Available")
                    await station.status(number, "Preparing")
                    assert await station.start_transaction(number, badge) == "Accepted"
                    await station.charging(number)
                    await station.meter(number, 0, power_w=0)

                async def sessions() -> dict[str, str]:
                    listed = orjson.loads(cli("sessions", "list", "--json", config=config).stdout)
                    found = {v["session"]["evse_uid"]: v["session"]["id"] for v in listed}
                    return found if len(found) == 2 else {}

                ids = await _until(sessions, "two sessions")
                departure = station.now() + timedelta(hours=4)
                wanted = {
                    "profile_type": "REGULAR",
                    "departure_time": departure.isoformat().replace("+00:00", "Z"),
                    "energy_need": NEED_KWH,
                }
                url = f"{cpo}/ocpi/2.2.1/sessions/{ids['E1-2']}/charging_preferences"
                answer = await _json(http, "PUT", url, wanted, headers)
                assert answer["status_code"] == 1000 and answer["data"] == "ACCEPTED"
                # another eMSP behind the hub cannot touch it: as if it did not exist
                other = {**headers, "OCPI-from-country-code": "DE", "OCPI-from-party-id": "OTH"}
                async with http.put(url, data=orjson.dumps(wanted), headers=other) as refused:
                    assert refused.status == 404
                limit = station.limit_w(2)
                assert limit is not None and 5000 <= limit <= 5010  # 20 kWh over 4 h
                assert station.limit_w(1) is None

                # four hours of station time, a meter value every quarter hour (the last one at
                # the departure)
                start_wh = {n: station.connectors[n].register_wh for n in (1, 2)}
                seconds = int((departure - station.now()).total_seconds())
                drawn = await station.drive_together((1, 2), seconds, ev_max_w=11000)
                without, with_preferences = drawn[1], drawn[2]
                assert set(without) == {11000}
                assert set(with_preferences) == {int(limit)}
                got_wh = station.connectors[2].register_wh - start_wh[2]
                # what the plan lets through by the departure, less the moment between the
                # answer and the first meter step (a few Wh)
                assert NEED_KWH * 1000 - 10 <= got_wh <= NEED_KWH * 1000 + 30
                assert station.connectors[1].register_wh - start_wh[1] > got_wh
                for number in (1, 2):
                    await station.stop_transaction(number)
                await station.disconnect()

                async def cdrs() -> list[dict[str, Any]]:
                    requests = await _json(http, "GET", f"{hub}/_sim/requests")
                    sent = [r["body"] for r in _accepted(requests, "POST", "/cdrs")]
                    return sent if len(sent) == 2 else []

                by_evse = {c["cdr_location"]["evse_uid"]: c for c in await _until(cdrs, "CDRs")}
                slow, fast = by_evse["E1-2"], by_evse["E1-1"]
                assert NEED_KWH - 0.01 <= slow["total_energy"] <= NEED_KWH + 0.03
                assert slow["total_cost"]["excl_vat"] > 0 and fast["total_cost"]["excl_vat"] > 0
                assert [t["id"] for t in slow["tariffs"]] == [demo_data.TARIFF_ID]
                slow_powers = [w for p in slow["charging_periods"] if (w := _max_power(p))]
                fast_powers = [w for p in fast["charging_periods"] if (w := _max_power(p))]
                assert max(slow_powers) == limit / 1000 < min(fast_powers) == 11

                # the Session pushed to the hub shows the same: the power under the profile
                requests = await _json(http, "GET", f"{hub}/_sim/requests")
                pushed = [
                    p
                    for r in requests
                    if "/sessions/" in r["path"]
                    and ids["E1-2"] in r["path"]
                    and isinstance(r["body"], dict)
                    for p in r["body"].get("charging_periods") or []
                ]
                assert limit / 1000 in {_max_power(p) for p in pushed}
        finally:
            server.terminate()
            server.wait(timeout=15)
