"""``ocpi-cpo locations|evses|operations`` as real processes, without a partner."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.support.locations import make_location
from tests.support.processes import cli, write_config


def config_in(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )


def test_import_list_show_status_operations(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    file = tmp_path / "locations.json"
    file.write_bytes(orjson.dumps([make_location(1), make_location(2), make_location(1, "FR*AB2")]))
    refused = cli("locations", "import", str(file), config=config)
    assert refused.returncode == 2 and "12 problem(s), nothing stored" in refused.stderr
    assert (
        f"{file}: [0].evses[0].connectors[0].tariff_ids[0]: tariff 'AC22' is not published by"
        " FR/AB1" in refused.stderr
    )
    done = cli("locations", "import", str(file), "--allow-unknown-tariffs", config=config)
    assert done.returncode == 0, done.stderr
    assert "3 created, 0 updated, 0 unchanged; 0 pushes queued" in done.stdout
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 12  # one per connector
    assert "[2].evses[1].connectors[1]: tariff 'AC22' is not published by FR/AB2" in warnings[-1]
    again = cli(
        "locations", "import", str(file), "--json", "--allow-unknown-tariffs", config=config
    )
    assert orjson.loads(again.stdout) == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "queued": 0,
        "warnings": orjson.loads(again.stdout)["warnings"],
    }

    listed = orjson.loads(cli("locations", "list", "--json", config=config).stdout)
    assert [(d["party_id"], d["id"], d["evses"]) for d in listed] == [
        ("AB1", "LOC1", 2),
        ("AB1", "LOC2", 2),
        ("AB2", "LOC1", 2),
    ]

    shown = cli("locations", "show", "LOC2", config=config)
    assert orjson.loads(shown.stdout) == make_location(2)
    ambiguous = cli("locations", "show", "LOC1", config=config)
    assert ambiguous.returncode == 1 and "give CC/PID/ID" in ambiguous.stderr

    status = cli("evses", "set-status", "E2-1", "CHARGING", config=config)
    assert status.returncode == 0 and "EVSE E2-1 is CHARGING" in status.stdout
    same = cli("evses", "set-status", "E2-1", "CHARGING", config=config)
    assert "already CHARGING; nothing sent" in same.stdout
    named = cli(
        "evses", "set-status", "AB2-E1-1", "OUTOFORDER", "--location", "FR/AB2/LOC1", config=config
    )
    assert named.returncode == 0, named.stderr

    operations = orjson.loads(cli("operations", "list", "--json", config=config).stdout)
    assert [(o["operator_id"], o["locations"], o["evses"], o["statuses"]) for o in operations] == [
        ("FR*AB1", 2, 4, {"AVAILABLE": 3, "CHARGING": 1}),
        ("FR*AB2", 1, 2, {"AVAILABLE": 1, "OUTOFORDER": 1}),
    ]
    table = cli("operations", "list", config=config)
    assert "FR*AB1" in table.stdout and "AB2 Charging" in table.stdout
    assert "FR/AB1/LOC1" in cli("locations", "list", "--limit", "1", config=config).stdout


def test_a_bad_file_stores_nothing_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    bad = make_location(2)
    del bad["operator"]
    bad["evses"][1]["connectors"][1]["tariff_ids"] = ["OTHER"]
    broken = make_location(3)
    broken["coordinates"]["latitude"] = "48,8"
    file = tmp_path / "bad.json"
    file.write_bytes(orjson.dumps([make_location(1), bad, broken]))
    done = cli("locations", "import", str(file), config=config)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == [
        "[1].operator.name",
        "[1].evses[1].connectors[1].tariff_ids",
        "[2].coordinates.latitude",
    ]
    assert "3 problem(s), nothing stored" in lines[-1]
    assert "Traceback" not in done.stderr
    file.write_bytes(b"[{")
    done = cli("locations", "import", str(file), config=config)
    assert done.returncode == 2 and "not valid JSON" in done.stderr
    missing = cli("locations", "import", str(tmp_path / "nope.json"), config=config)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
