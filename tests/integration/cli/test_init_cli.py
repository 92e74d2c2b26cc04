"""``ocpi-cpo init`` (issue 22 item 3): a commented settings file that loads, a fresh admin token,
never an overwrite without --force, bad values refused before anything is written."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from ocpi_cpo.config import load_settings

FLAGS = [
    "--operator-id",
    "FR*AB1",
    "--name",
    "AB1 Charging",
    "--public-url",
    "https://ocpi.example-cpo.com/",
    "--database-url",
    "sqlite+aiosqlite:///./var/ocpi-cpo.db",
]


def _init(folder: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ocpi_cpo", "init", *args],
        cwd=folder,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_init_writes_a_file_that_loads_and_never_overwrites(tmp_path: Path) -> None:
    done = _init(tmp_path, *FLAGS)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "ocpi-cpo.toml"
    assert "next steps" in done.stdout and "ocpi-cpo db upgrade" in done.stdout
    assert path.stat().st_mode & 0o777 == 0o600
    text = path.read_text()
    assert text.count("\n#") >= 5, "the file explains its keys"
    settings = load_settings(path)
    assert [str(o.operator) for o in settings.operations] == ["FR*AB1"]
    assert settings.public_url == "https://ocpi.example-cpo.com"
    token = tomllib.loads(text)["admin_token"]
    assert len(token) >= 32 and token not in done.stdout

    again = _init(tmp_path, *FLAGS)
    assert again.returncode == 2 and "--force" in again.stderr
    assert path.read_text() == text

    forced = _init(tmp_path, *FLAGS, "--force")
    assert forced.returncode == 0, forced.stderr
    assert tomllib.loads(path.read_text())["admin_token"] != token


def test_init_refuses_bad_values_naming_the_key(tmp_path: Path) -> None:
    done = _init(tmp_path, *FLAGS[:-1], "mysql://somewhere/db")
    assert done.returncode == 2
    assert "database_url" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "ocpi-cpo.toml").exists()


def test_init_asks_what_no_flag_gave(tmp_path: Path) -> None:
    done = _init(
        tmp_path,
        stdin="FR*AB2\nAB2 Charging\nhttps://cpo.example.org\n\n",
    )
    assert done.returncode == 0, done.stderr
    settings = load_settings(tmp_path / "ocpi-cpo.toml")
    assert [str(o.operator) for o in settings.operations] == ["FR*AB2"]
    assert settings.database_url == "sqlite+aiosqlite:///./var/ocpi-cpo.db"
