"""A fast CLI (issue 22 item 2): ``--help`` loads no framework, no database, no service; an
everyday command on SQLite loads no async database stack, no web or OCPI client layer.

Each check runs in a fresh interpreter and looks at ``sys.modules`` afterwards, not at the
clock: the machines are shared and a timing would flake. ``make bench`` (``bench/cli.py``)
gives the wall times beside ``python -c pass``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from ocpi_cpo.cli.main import COMMANDS, load_command
from tests.support.locations import make_location
from tests.support.processes import cli, write_config

#: what a ``--help`` must not import. Pydantic and Rich too: Typer's Rich help and its Pydantic
#: coercion of flags cost more CPU than the whole 0.3 s budget leaves (cli/main.py turns them off)
HEAVY = (
    "pydantic",
    "rich",
    "alembic",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "aiohttp",
    "fastapi",
    "starlette",
    "uvicorn",
    "ocpp",
    "websockets",
    "pydantic_settings",
    "prometheus_client",
    "ocpi_cpo.config",
    "ocpi_cpo.api",
    "ocpi_cpo.sim.hub",
    "ocpi_cpo.sim.station",
    "ocpi_cpo.services",
    "ocpi_cpo.storage",
    "ocpi_cpo.ocpi",
    "ocpi_cpo.outbound",
    "ocpi_cpo.ocpp_gateway",
)

# Runs every --help of one top-level command in a fresh interpreter, then reports what the
# interpreter holds: the group's own help, then each sub-command's.
_PROBE = """
import sys, orjson
from ocpi_cpo.cli.main import app, load_command
import typer
root = typer.main.get_command(app)
name = sys.argv[1]
paths = [[name, "--help"]] if name else [["--help"]]
if name:
    command = load_command(name)
    subcommands = getattr(command, "commands", {})
    paths += [[name, sub, "--help"] for sub in subcommands]
for path in paths:
    try:
        root.main(path, prog_name="ocpi-cpo", standalone_mode=False)
    except SystemExit:
        pass
sys.stdout.flush()
print("\\nMODULES " + orjson.dumps([*sys.modules, *[" ".join(p) for p in paths]]).decode())
"""


def _heavy_after(name: str) -> tuple[list[str], list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, name],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.rsplit("MODULES ", 1)[1]
    entries: list[str] = orjson.loads(line)
    helps = [e for e in entries if e.endswith("--help")]
    heavy = sorted(m for m in entries if any(m == h or m.startswith(h + ".") for h in HEAVY))
    return heavy, helps


def test_root_help_imports_no_command_module() -> None:
    heavy, _helps = _heavy_after("")
    assert heavy == []
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ocpi_cpo.cli.main import main; sys.argv=['ocpi-cpo','--help']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print([m for m in sys.modules if m.startswith('ocpi_cpo.cli.')])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip().endswith("['ocpi_cpo.cli.main']"), done.stdout


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_help_is_light(name: str) -> None:
    heavy, helps = _heavy_after(name)
    assert heavy == [], (
        f"{helps} imported {heavy}: import them inside the command (architecture.md)"
    )


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_is_the_commands_own(name: str) -> None:
    """The root lists each command with the line kept in COMMANDS: it must be the command's."""
    command = load_command(name)
    assert (command.help or "").strip().splitlines()[0] == COMMANDS[name][1]


def test_completion_completes_commands_and_subcommands(tmp_path: Path) -> None:
    script = str(Path(sys.executable).with_name("ocpi-cpo"))

    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "_OCPI_CPO_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        done = subprocess.run(
            [script], env=env, capture_output=True, text=True, timeout=60, check=True
        )
        return done.stdout.split()

    assert complete("ocpi-cpo ev") == ["evses"]
    assert complete("ocpi-cpo evses s") == ["set-status"]
    assert "--partner" in complete("ocpi-cpo outbox list --pa")
    # Installing names the shell explicitly: the test must not depend on detecting the shell it
    # runs under (CI has none). Typer takes the shell as the option's value when detection is off.
    home = tmp_path / "home"
    home.mkdir()
    installed = subprocess.run(
        [script, "--install-completion", "bash"],
        env={**os.environ, "HOME": str(home), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    installed_script = (home / ".bash_completions" / "ocpi-cpo.sh").read_text()
    assert "_OCPI_CPO_COMPLETE" in installed_script
    # the script bash sources registers the completion function for ocpi-cpo
    source = subprocess.run(
        [script],
        env={**os.environ, "_OCPI_CPO_COMPLETE": "source_bash"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    registered = subprocess.run(
        ["bash", "-c", f"{source.stdout}\ncomplete -p ocpi-cpo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "ocpi-cpo" in registered.stdout and "-F" in registered.stdout


#: what an everyday command must not load on SQLite: the async database stack (SQLAlchemy's
#: asyncio extension loads the ORM; aiosqlite), Alembic when the schema is current, the web and
#: OCPI client layers (storage_context, storage.sql.one_shot), pydantic-settings when no
#: environment variable names a setting (config.load_settings), the PostgreSQL dialect, the
#: tables of features none of them touches (each repository imports its own tables' module) and
#: the Tariffs domain
EVERYDAY_HEAVY = (
    "pydantic_settings",
    "ocpi_cpo.storage.sql.tables.stations",
    "ocpi_cpo.storage.sql.tables.sessions",
    "ocpi_cpo.storage.sql.tables.tariffs",
    "ocpi_cpo.storage.sql.tables.emsp_tokens",
    "ocpi_cpo.storage.sql.tables.commands",
    "ocpi_cpo.domain.tariffs",
    "sqlalchemy.dialects.postgresql",
    "aiosqlite",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.orm",
    "alembic",
    "aiohttp",
    "fastapi",
    "starlette",
    "uvicorn",
    "ocpi_cpo.api",
    "ocpi_cpo.outbound",
    "ocpi_cpo.ocpp_gateway",
    "ocpi_cpo.sim",
)

#: what the two listings must not load beyond that: the Locations and the publisher, which only
#: a change to a Location needs (services.partner_sync imports them where it queues a batch)
READ_ONLY_HEAVY = (
    "ocpi_cpo.domain.locations",
    "ocpi_cpo.services.publishing",
    "ocpi_cpo.services.locations",
    "ocpi_cpo.ocpi",
)

_RUN = """
import gc, runpy, sys, orjson
import sqlite3.dbapi2
connections = []
connect = sqlite3.dbapi2.connect
sqlite3.dbapi2.connect = lambda *a, **k: connections.append(connect(*a, **k)) or connections[-1]
sys.argv = ["ocpi-cpo", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("ocpi_cpo", run_name="__main__")
except SystemExit as exc:
    code = exc.code or 0
sys.stdout.flush()
collector = [gc.isenabled(), gc.get_freeze_count()]
plugins = sys.modules["pydantic.plugin._loader"]._plugins  # None: never looked for
opened = [len(connections)]
try:
    for c in connections:
        c.execute("SELECT 1")
    opened.append("open")
except sqlite3.ProgrammingError:  # closed
    opened.append("closed")
print("\\nMODULES " + orjson.dumps([code, collector, plugins, opened, *sys.modules]).decode())
"""


def test_everyday_commands_on_sqlite_load_no_async_stack(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml", port=8080, database_url=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite"
    )
    file = tmp_path / "locations.json"
    file.write_bytes(orjson.dumps([make_location(1)]))
    imported = cli("locations", "import", str(file), "--allow-unknown-tariffs", config=config)
    assert imported.returncode == 0, imported.stderr
    invited = cli("partners", "invite", "hub", "--profile", "ocpi-2.2.1", config=config)
    assert invited.returncode == 0, invited.stderr
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("OCPI_CPO_")}
    for command in (
        ["evses", "set-status", "E1-1", "CHARGING"],
        ["outbox", "list"],
        ["partners", "list"],
    ):
        done = subprocess.run(
            [sys.executable, "-c", _RUN, "--config", str(config), *command],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=environment,
        )
        found = orjson.loads(done.stdout.rsplit("MODULES ", 1)[1])
        code, (collecting, frozen), plugins, (opened, state), *modules = found
        assert code == 0, done.stderr
        # the schema check, the command and its audit entry on one connection, closed at the end
        assert (opened, state) == (1, "closed"), (opened, state)
        # cli/main.main: no cyclic collection while it ran nor at exit (architecture.md, point 8)
        assert not collecting and frozen > 10_000, (collecting, frozen)
        # nor a look for Pydantic plugins through every distribution's entry points
        assert plugins is None, plugins
        unwanted = EVERYDAY_HEAVY + (READ_ONLY_HEAVY if command[0] != "evses" else ())
        heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in unwanted))
        assert heavy == [], f"{' '.join(command)} imported {heavy}"


_COLLECTOR = """
import gc, sys, orjson
from ocpi_cpo.cli.main import COMMANDS, load_command
collecting = {}
for name in COMMANDS:
    gc.disable()
    load_command(name)
    collecting[name] = gc.isenabled()
print(orjson.dumps(collecting).decode())
"""


def test_only_commands_that_run_until_stopped_get_the_collector_back() -> None:
    """A one-shot command runs without the cyclic garbage collector (cli/main.main); serve, the
    worker, the demo and the simulators run for hours and must have it."""
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTOR], capture_output=True, text=True, timeout=120, check=True
    )
    collecting = orjson.loads(done.stdout)
    assert sorted(n for n, on in collecting.items() if on) == ["demo", "serve", "sim", "worker"]
    assert len(collecting) == len(COMMANDS)
