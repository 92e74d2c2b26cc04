"""``ocpi-cpo partners invite --version``: a pinned OCPI version, shown by ``partners list``."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.integration.cli.test_partners_cli import config_in
from tests.support.processes import cli


def test_invite_pins_a_version_and_list_shows_it(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    done = cli("partners", "invite", "emsp", "--profile", "ocpi-2.1.1", "--json", config=config)
    assert done.returncode == 0, done.stderr
    pinned = cli(
        "partners", "invite", "other", "--profile", "ocpi-2.2.1", "--version", "2.1.1",
        config=config,
    )  # fmt: skip
    assert pinned.returncode == 0, pinned.stderr
    listed = orjson.loads(cli("partners", "list", "--json", config=config).stdout)
    assert sorted((p["name"], p["version"]) for p in listed) == [
        ("emsp", "2.1.1"),
        ("other", "2.1.1"),
    ]


def test_an_unknown_or_contradicting_version_is_bad_input(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    unknown = cli(
        "partners", "invite", "x", "--profile", "ocpi-2.2.1", "--version", "2.0", config=config
    )
    assert unknown.returncode == 2
    assert "unknown OCPI version '2.0'" in unknown.stderr
    clash = cli(
        "partners", "invite", "x", "--profile", "ocpi-2.1.1", "--version", "2.2.1", config=config
    )
    assert clash.returncode == 2
    assert "speaks OCPI 2.1.1, not 2.2.1" in clash.stderr
