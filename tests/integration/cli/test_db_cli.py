"""``ocpi-cpo db current | history`` beside ``db upgrade`` (issue 22 item 5), on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from ocpi_cpo.storage.sql.revision import quick_head
from tests.support.processes import cli, write_config


def test_current_follows_upgrade_and_history_ends_at_the_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    config = write_config(tmp_path / "c.toml", port=8080, database_url=url)

    empty = cli("db", "current", config=config)
    assert empty.returncode == 1, empty.stderr
    assert empty.stdout.startswith("empty") and "ocpi-cpo db upgrade" in empty.stdout

    upgraded = cli("db", "upgrade", config=config)
    assert upgraded.returncode == 0, upgraded.stderr
    current = cli("db", "current", config=config)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"{quick_head()} (head: up to date)"

    history = cli("db", "history", config=config)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0].startswith("0001  <- -")
    assert lines[-1].startswith(f"{quick_head()}  <- ")
    assert len(lines) == int(quick_head())


def test_current_names_an_unreachable_database(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    config = write_config(tmp_path / "c.toml", port=8080, database_url=url)
    done = cli("db", "current", config=config)
    assert done.returncode == 2
    assert "cannot reach the database" in done.stderr and "Traceback" not in done.stderr
