"""``ocpi-cpo audit``: CLI changes are recorded with who, what, object and arguments (secrets
replaced), failed commands and reads are not; --since and --json; bad input exits 2."""

from __future__ import annotations

import getpass
import socket
import sqlite3
from pathlib import Path

import orjson

from tests.integration.ocpp.conftest import PASSWORD
from tests.support.processes import cli, write_config


def test_cli_changes_are_in_the_audit_log(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite"
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{database}"
    )
    steps = [
        ("stations", "add", "CP1", "--location", "LOC1", "--evse", "1=FR*AB1*E1",
         "--password", PASSWORD),
        ("stations", "list"),
        ("stations", "add", "CP1", "--location", "LOC1", "--evse", "1=FR*AB1*E1"),  # exists
        ("partners", "invite", "hub", "--profile", "gireve-preprod"),
        ("stations", "remove", "CP1"),
    ]  # fmt: skip
    outputs = [cli(*step, config=config) for step in steps]
    assert [o.returncode for o in outputs] == [0, 0, 1, 0, 0], [o.stderr for o in outputs]
    listed = cli("audit", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    entries = orjson.loads(listed.stdout)
    who = f"cli:{getpass.getuser()}@{socket.gethostname()}"
    assert [(e["actor"], e["action"], e["object"]) for e in entries] == [
        (who, "stations.add", "station CP1"),
        (who, "partners.invite", "partner hub"),
        (who, "stations.remove", "station CP1"),
    ]
    added = entries[0]["after"]
    assert added["location"] == "LOC1" and added["password"] == "***"
    assert entries[1]["after"] == {"name": "hub", "profile": "gireve-preprod"}
    table = cli("audit", config=config)
    assert "stations.add" in table.stdout and who in table.stdout
    with sqlite3.connect(database) as db:
        dump = "\n".join(db.iterdump())
    token_a = next(
        line.split()[-1] for line in outputs[3].stdout.splitlines() if "registration token:" in line
    )
    for text in (listed.stdout, table.stdout, dump):
        assert PASSWORD not in text and token_a not in text
    assert orjson.loads(cli("audit", "--json", "--since", "2h", config=config).stdout)
    assert orjson.loads(cli("audit", "--json", "--since", "2099-01-01", config=config).stdout) == []
    empty = cli("audit", "--since", "2099-01-01T00:00:00Z", config=config)
    assert empty.returncode == 0 and "no audit entries since 2099-01-01 00:00:00Z" in empty.stdout
    bad = cli("audit", "--since", "yesterday-ish", config=config)
    assert bad.returncode == 2 and "--since: 'yesterday-ish'" in bad.stderr
    assert "Traceback" not in bad.stderr
