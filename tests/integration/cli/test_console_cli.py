"""``ocpi-cpo console add-user|list-users|remove-user`` as real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from tests.support.processes import ROOT, cli, write_config

PASSWORD = "correct horse battery staple"


def _add(config: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "console", "add-user", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def test_add_list_remove_users(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    added = _add(config, "olivia", "--role", "operator", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "console user olivia added (operator)" in added.stdout
    assert _add(config, "victor", "--role", "viewer", stdin=PASSWORD + "\n").returncode == 0
    again = _add(config, "olivia", "--role", "viewer", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    short = _add(config, "ann", "--role", "viewer", stdin="short\n")
    assert short.returncode == 2 and "12 to 256 characters" in short.stderr
    bad_role = _add(config, "ann", "--role", "boss", stdin=PASSWORD + "\n")
    assert bad_role.returncode == 2 and "expected viewer or operator" in bad_role.stderr
    assert "Traceback" not in short.stderr + bad_role.stderr + again.stderr

    listed = cli("console", "list-users", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    users = orjson.loads(listed.stdout)
    assert [(u["name"], u["role"]) for u in users] == [("olivia", "operator"), ("victor", "viewer")]
    assert PASSWORD not in listed.stdout and "scrypt" not in listed.stdout

    removed = cli("console", "remove-user", "victor", config=config)
    assert removed.returncode == 0 and "console user victor removed" in removed.stdout
    gone = cli("console", "remove-user", "victor", config=config)
    assert gone.returncode == 1 and "no console user 'victor'" in gone.stderr
