"""A tariff or CDR with an impossible value gets the JSON path and a refusal, from the admin API
(OCPI 2001), `ocpi-cpo tariffs import` and `ocpi-cpo price` (exit 2) alike; nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api.conftest import Network
from tests.integration.api.sessions_support import AC22, ADMIN
from tests.support.processes import cli, free_port, write_config


def broken(change: dict[str, Any], component: dict[str, Any] | None = None) -> dict[str, Any]:
    tariff: dict[str, Any] = json.loads(json.dumps(AC22))
    tariff.update(change)
    if component is not None:
        tariff["elements"][0]["price_components"][1].update(component)
    return tariff


CASES = [
    (broken({}, {"price": -0.30}), "elements[0].price_components[1].price"),
    (broken({}, {"step_size": 0}), "elements[0].price_components[1].step_size"),
    (broken({}, {"type": "KWH"}), "elements[0].price_components[1].type"),
    (broken({"end_date_time": "2025-12-01T00:00:00Z"}), "end_date_time"),
    (
        broken(
            {"elements": [{**AC22["elements"][0], "restrictions": {"min_kwh": 5, "max_kwh": 5}}]}
        ),
        "elements[0].restrictions.max_kwh",
    ),
]


@pytest.mark.parametrize(("tariff", "path"), CASES)
async def test_the_admin_api_refuses_with_the_path(
    network: Network, tariff: dict[str, Any], path: str
) -> None:
    response = await network.client.put("/admin/tariffs", headers=ADMIN, json=[tariff])
    body = response.json()
    assert body["status_code"] == 2001, body
    assert path in body["status_message"] or path in json.dumps(body.get("data")), body
    listed = (await network.client.get("/admin/tariffs", headers=ADMIN)).json()["data"]
    assert listed == []


def test_tariffs_import_and_price_exit_2_naming_the_path(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=free_port(), database_url=f"sqlite+aiosqlite:///{tmp_path}/db"
    )
    file = tmp_path / "t.json"
    file.write_text(json.dumps(broken({}, {"step_size": 0})))
    done = cli("tariffs", "import", str(file), config=config)
    assert done.returncode == 2, done.stderr
    assert "elements[0].price_components[1].step_size: expected an integer >= 1" in done.stderr
    assert "Traceback" not in done.stderr
    cdr = tmp_path / "cdr.json"
    cdr.write_text(
        json.dumps(
            {
                "start_date_time": "2026-03-02T10:00:00Z",
                "end_date_time": "2026-03-02T09:00:00Z",
                "charging_periods": [
                    {
                        "start_date_time": "2026-03-02T10:00:00Z",
                        "dimensions": [{"type": "ENERGY", "volume": 1}],
                    }
                ],
            }
        )
    )
    file.write_text(json.dumps(AC22))
    priced = cli("price", "--tariff", str(file), "--cdr", str(cdr), "--time-zone", "UTC")
    assert priced.returncode == 2 and "end_date_time" in priced.stderr
    file.write_text(json.dumps(broken({}, {"step_size": 0})))
    cdr.write_text(cdr.read_text().replace("09:00:00Z", "11:00:00Z"))
    refused = cli("price", "--tariff", str(file), "--cdr", str(cdr), "--time-zone", "UTC")
    assert refused.returncode == 2
    assert "elements[0].price_components[1].step_size" in refused.stderr
