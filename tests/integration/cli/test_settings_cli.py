"""Settings errors stop start-up with one line per problem and exit code 2."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import cli, write_config


def test_bad_operator_id_in_file(tmp_path: Path) -> None:
    config = tmp_path / "ocpi-cpo.toml"
    config.write_text('[[operations]]\noperator_id = "FRAB"\nname = "x"\n')
    done = cli("serve", config=config)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "ocpi-cpo: setting operations[0].operator_id = 'FRAB' is invalid: 'FRAB' is not an eMI3"
        " Operator Id: expected 2 letters (country), an optional '*', then 3 letters or digits,"
        " such as FR*AB1"
    ]


def test_environment_overrides_the_file_and_is_checked(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    done = cli("serve", config=config, env={"OCPI_CPO_PORT": "not-a-port"})
    assert done.returncode == 2
    assert "setting port = 'not-a-port' is invalid" in done.stderr


def test_admin_token_is_never_echoed(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('admin_token = "short-secret"\n')
    done = cli("db", "upgrade", config=config)
    assert done.returncode == 2
    assert "short-secret" not in done.stderr
    assert "admin_token" in done.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    done = cli("db", "upgrade", config=tmp_path / "absent.toml")
    assert done.returncode == 2
    assert "does not exist" in done.stderr


def test_invalid_toml(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("port = = 1\n")
    done = cli("db", "upgrade", config=config)
    assert done.returncode == 2
    assert "not valid TOML" in done.stderr


def test_unknown_setting(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("prot = 1\n")
    done = cli("db", "upgrade", config=config)
    assert done.returncode == 2
    assert "unknown setting prot" in done.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    first = cli("db", "upgrade", config=config)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    second = cli("db", "upgrade", config=config)
    assert "already at" in second.stdout


def test_sqlite_path_that_cannot_be_made_or_opened(tmp_path: Path) -> None:
    """A database_url whose folder cannot be created, or that names a folder, is a clear exit 2."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for url, says in (
        (
            f"sqlite+aiosqlite:///{blocker}/sub/db.sqlite",
            "cannot create the SQLite database's folder",
        ),
        (f"sqlite+aiosqlite:///{folder}", "cannot open the database"),
    ):
        config = write_config(tmp_path / "c.toml", port=8080, database_url=url)
        done = cli("partners", "list", config=config)
        assert done.returncode == 2, done.stderr
        assert says in done.stderr
        assert "check database_url" in done.stderr
        assert "Traceback" not in done.stderr
