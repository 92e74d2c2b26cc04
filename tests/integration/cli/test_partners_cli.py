"""``ocpi-cpo partners`` without a partner on the other side."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.support.processes import cli, write_config


def config_in(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )


def test_invite_json_and_list(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    done = cli(
        "partners", "invite", "gireve", "--profile", "gireve-preprod", "--json", config=config
    )
    assert done.returncode == 0, done.stderr
    invite = orjson.loads(done.stdout)
    assert set(invite) == {"token", "versions_url"}
    assert invite["versions_url"] == "http://127.0.0.1:8080/ocpi/versions"
    listed = cli("partners", "list", "--json", config=config)
    partners = orjson.loads(listed.stdout)
    assert [(p["name"], p["profile"], p["state"]) for p in partners] == [
        ("gireve", "gireve-preprod", "INVITED")
    ]
    assert invite["token"] not in listed.stdout
    table = cli("partners", "list", config=config)
    assert "gireve" in table.stdout and invite["token"] not in table.stdout


def test_invite_says_whether_the_partner_gets_a_push(tmp_path: Path) -> None:
    """Gireve pulls our Senders after registering: the operator is told so, and how to push."""
    config = config_in(tmp_path)
    gireve = cli("partners", "invite", "gireve", "--profile", "gireve-preprod", config=config)
    assert gireve.returncode == 0, gireve.stderr
    assert "nothing is pushed on registration, the hub pulls" in gireve.stdout
    assert "ocpi-cpo partners sync gireve" in gireve.stdout
    emsp = cli("partners", "invite", "emsp", "--profile", "ocpi-2.2.1", config=config)
    assert emsp.returncode == 0, emsp.stderr
    assert "every tariff and location it may see is pushed to it" in emsp.stdout.lower()
    assert "partners sync" not in emsp.stdout


def test_unknown_profile(tmp_path: Path) -> None:
    done = cli("partners", "invite", "x", "--profile", "gireve", config=config_in(tmp_path))
    assert done.returncode == 1
    assert "unknown profile 'gireve'" in done.stderr
    assert "gireve-preprod" in done.stderr


def test_register_with_nobody_fails_cleanly(tmp_path: Path) -> None:
    done = cli(
        "partners",
        "register",
        "hub",
        "--versions-url",
        "http://127.0.0.1:9/ocpi/versions",
        "--token",
        "t",
        "--profile",
        "ocpi-2.2.1",
        config=config_in(tmp_path),
    )
    assert done.returncode == 1
    assert "registration with hub failed" in done.stderr
    assert "Traceback" not in done.stderr


def test_update_unknown_partner(tmp_path: Path) -> None:
    done = cli("partners", "update", "nobody", config=config_in(tmp_path))
    assert done.returncode == 1
    assert "no partner named 'nobody'" in done.stderr


def test_gireve_on_211_needs_an_operation_when_we_host_several(tmp_path: Path) -> None:
    """Gireve on 2.1.1 takes one registration per operation (docs/gireve-2.1.1.md §2): with two
    operations configured, --operation must say which one the partner is bound to (exit 2
    naming the flag and the operations); each operation is then its own partner."""
    config = config_in(tmp_path)
    missing = cli(
        "partners", "invite", "gireve", "--profile", "gireve-preprod", "--version", "2.1.1",
        config=config,
    )  # fmt: skip
    assert missing.returncode == 2, missing.stderr
    assert "--operation" in missing.stderr and "FR*AB1, FR*AB2" in missing.stderr
    unknown = cli(
        "partners", "invite", "gireve", "--profile", "gireve-preprod", "--version", "2.1.1",
        "--operation", "FR*ZZ9", config=config,
    )  # fmt: skip
    assert unknown.returncode == 2 and "not one of our operations" in unknown.stderr
    for operation in ("FR*AB1", "FR*AB2"):
        done = cli(
            "partners", "invite", f"gireve-{operation[-3:].lower()}", "--profile",
            "gireve-preprod", "--version", "2.1.1", "--operation", operation, "--json",
            config=config,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert set(orjson.loads(done.stdout)) == {"token", "versions_url"}
    on_221 = cli("partners", "invite", "hub", "--profile", "gireve-preprod", config=config)
    assert on_221.returncode == 0, on_221.stderr
    plain = cli(
        "partners", "invite", "emsp", "--profile", "ocpi-2.1.1", "--operation", "fr*ab2",
        config=config,
    )  # fmt: skip
    assert plain.returncode == 0 and "bound to operation FR*AB2" in plain.stdout
    listed = orjson.loads(cli("partners", "list", "--json", config=config).stdout)
    assert sorted((p["name"], p["operation"]) for p in listed) == [
        ("emsp", "FR*AB2"),
        ("gireve-ab1", "FR*AB1"),
        ("gireve-ab2", "FR*AB2"),
        ("hub", None),
    ]
    table = cli("partners", "list", config=config).stdout
    assert "FR*AB1" in table and "operation" in table
