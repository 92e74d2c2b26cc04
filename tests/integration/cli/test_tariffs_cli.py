"""``ocpi-cpo price`` and ``ocpi-cpo tariffs`` as real processes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import orjson

from tests.contract.spec_examples import EXAMPLES
from tests.support.processes import cli, write_config

CDR = {
    "start_date_time": "2026-03-02T10:00:00Z",
    "end_date_time": "2026-03-02T12:30:00Z",
    "cdr_location": {"id": "LOC1"},
    "charging_periods": [
        {"start_date_time": "2026-03-02T10:00:00Z", "dimensions": [{"type": "TIME", "volume": 2.5}]}
    ],
}


def tariff(tariff_id: str, price: float = 0.25, **extra: object) -> dict[str, object]:
    return {
        "country_code": "FR",
        "party_id": "AB1",
        "id": tariff_id,
        "currency": "EUR",
        "type": "REGULAR",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": price, "vat": 20, "step_size": 1}]}
        ],
        "start_date_time": "2026-01-01T00:00:00Z",
        **extra,
    }


def write(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value))
    return path


def test_price_prints_the_spec_figure_without_config_or_database(tmp_path: Path) -> None:
    done = cli(
        "price",
        "--tariff",
        str(EXAMPLES / "tariff_1_simple_2hour.json"),
        "--cdr",
        str(write(tmp_path / "cdr.json", CDR)),
        "--time-zone",
        "Europe/Paris",
    )
    assert done.returncode == 0, done.stderr
    totals = orjson.loads(done.stdout)
    assert totals["total_cost"] == {"excl_vat": 5.0, "incl_vat": 5.5}
    assert totals["total_time"] == 2.5


def test_price_errors_are_one_clear_line(tmp_path: Path) -> None:
    cdr = str(write(tmp_path / "cdr.json", CDR))
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    no_zone = cli(
        "price",
        "--tariff",
        str(EXAMPLES / "tariff_1_simple_2hour.json"),
        "--cdr",
        cdr,
        config=config,
    )
    assert no_zone.returncode == 2
    assert no_zone.stderr.strip() == (
        "ocpi-cpo: no --time-zone given and location LOC1 is not known: pass --time-zone"
    )
    assert not (tmp_path / "db.sqlite").exists()
    bad = tariff("T1")
    bad["elements"] = [{"price_components": [{"type": "TIME", "price": 1, "step_size": -1}]}]
    invalid = cli(
        "price",
        "--tariff",
        str(write(tmp_path / "t.json", bad)),
        "--cdr",
        cdr,
        "--time-zone",
        "UTC",
    )
    assert invalid.returncode == 2
    assert "elements[0].price_components[0].step_size" in invalid.stderr
    (tmp_path / "broken.json").write_text('{"id": ')
    broken = cli(
        "price", "--tariff", str(tmp_path / "broken.json"), "--cdr", cdr, "--time-zone", "UTC"
    )
    assert broken.returncode == 2 and "is not valid JSON" in broken.stderr
    assert "Traceback" not in no_zone.stderr + invalid.stderr + broken.stderr


def test_import_list_change_price_delete(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    example = write(
        tmp_path / "spec.json", json.loads((EXAMPLES / "tariff_4_complex.json").read_text())
    )
    refused = cli("tariffs", "import", str(example), "--operation", "FR*AB1", config=config)
    assert refused.returncode == 1 and "start_date_time is required" in refused.stderr
    old = write(tmp_path / "old.json", tariff("OLD", type="PROFILE_FAST"))
    done = cli("tariffs", "import", str(old), config=config)
    assert done.returncode == 0, done.stderr
    assert "created FR/AB1/OLD" in done.stdout and "forwards only REGULAR" in done.stderr
    again = cli(
        "tariffs",
        "import",
        str(write(tmp_path / "p.json", tariff("OLD", 0.3, type="PROFILE_FAST"))),
        config=config,
    )
    assert again.returncode == 1 and "change-price OLD" in again.stderr
    new = write(tmp_path / "new.json", {**tariff("NEW", 0.3), "start_date_time": None})
    changed = cli(
        "tariffs",
        "change-price",
        "OLD",
        str(new),
        "--at",
        "2026-12-01T00:00:00Z",
        "--json",
        config=config,
    )
    assert changed.returncode == 0, changed.stderr
    assert orjson.loads(changed.stdout)["created"] == ["FR/AB1/NEW"]
    assert "no connector lists" in changed.stderr
    listed = orjson.loads(cli("tariffs", "list", "--json", config=config).stdout)
    assert [(t["id"], t["start_date_time"], t["end_date_time"]) for t in listed] == [
        ("OLD", "2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z"),
        ("NEW", "2026-12-01T00:00:00Z", None),
    ]
    deleted = cli("tariffs", "delete", "OLD", "--operation", "FR*AB1", config=config)
    assert deleted.returncode == 0 and "deleted FR/AB1/OLD" in deleted.stdout
    missing = cli("tariffs", "delete", "OLD", "--operation", "FR*AB1", config=config)
    assert missing.returncode == 1 and "no tariff FR/AB1/OLD" in missing.stderr


def test_price_uses_the_stored_location_zone(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE locations (location_id TEXT, document BLOB)")
        connection.execute(
            "INSERT INTO locations VALUES (?, ?)",
            ("LOC1", json.dumps({"id": "LOC1", "time_zone": "Europe/Paris"}).encode()),
        )
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{database}"
    )
    # 4 kWh from 22:30 UTC: 23:30 in Paris, inside a 23:00-07:00 night element.
    night = tariff("N", 0.10)
    night["elements"] = [
        {
            "price_components": [{"type": "ENERGY", "price": 0.10, "step_size": 1}],
            "restrictions": {"start_time": "23:00", "end_time": "07:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.50, "step_size": 1}]},
    ]
    cdr = {
        "start_date_time": "2026-03-02T22:30:00Z",
        "end_date_time": "2026-03-02T23:30:00Z",
        "cdr_location": {"id": "LOC1"},
        "charging_periods": [
            {
                "start_date_time": "2026-03-02T22:30:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 4}],
            }
        ],
    }
    done = cli(
        "price",
        "--tariff",
        str(write(tmp_path / "t.json", night)),
        "--cdr",
        str(write(tmp_path / "cdr.json", cdr)),
        config=config,
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["total_cost"]["excl_vat"] == 0.4
