"""The ``ocpi-cpo`` command: a root that loads each command's module only when it runs.

Every command lives in its own module of ``ocpi_cpo.cli`` and is named in :data:`COMMANDS` with
its one-line help. ``ocpi-cpo --help`` and shell completion read that table; ``ocpi-cpo evses
set-status`` imports ``ocpi_cpo.cli.locations`` and nothing else of the CLI. The pattern, and
the rule for the modules themselves (import what a command needs inside the command), is in
docs/architecture.md ("A fast CLI"); ``tests/integration/cli/test_cli_imports.py`` keeps it.
"""

from __future__ import annotations

import enum
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from ocpi_cpo import __version__

if TYPE_CHECKING:
    from typer import _click
    from typer._click.shell_completion import CompletionItem

#: name -> ("module:attribute", one-line help). The attribute is a Typer sub-app or a command
#: function. The help is what ``ocpi-cpo --help`` lists; a test checks it against the command's.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "ocpi_cpo.cli.init:init",
        "Write a commented ocpi-cpo.toml with a fresh admin token (never overwrites without --force).",
    ),
    "doctor": (
        "ocpi_cpo.cli.doctor:doctor",
        "Check the settings, database, public_url, partners, stations, clock and file limit.",
    ),
    "serve": (
        "ocpi_cpo.cli.serve:serve",
        "Serve OCPI 2.2.1 at {public_url}/ocpi/versions (SQLite databases are upgraded first).",
    ),
    "demo": (
        "ocpi_cpo.cli.demo:demo",
        "Start the CPO, a simulated hub and stations on 127.0.0.1 and walk through every use case.",
    ),
    "price": (
        "ocpi_cpo.cli.price:price",
        "Price a sample charge with a tariff and print the CDR totals as JSON.",
    ),
    "worker": (
        "ocpi_cpo.cli.worker:worker",
        "Deliver queued messages to partners until stopped (SIGTERM or Ctrl-C).",
    ),
    "audit": (
        "ocpi_cpo.cli.audit:audit",
        "Who changed what, when: every change made through the CLI, the admin API or the console.",
    ),
    "console": (
        "ocpi_cpo.cli.console:app",
        "People who may sign in to the operator console.",
    ),
    "db": ("ocpi_cpo.cli.db:app", "Database schema."),
    "partners": ("ocpi_cpo.cli.partners:app", "OCPI partners (the Gireve IOP is one)."),
    "locations": ("ocpi_cpo.cli.locations:app", "Locations, EVSEs and connectors we publish."),
    "evses": ("ocpi_cpo.cli.locations:evses_app", "EVSE statuses."),
    "operations": (
        "ocpi_cpo.cli.locations:operations_app",
        "Operations (eMI3 Operator Ids) and network groups.",
    ),
    "outbox": (
        "ocpi_cpo.cli.outbox:app",
        "The delivery queue (store-and-forward) and its dead letters.",
    ),
    "sim": ("ocpi_cpo.cli.sim:app", "Simulators for the demo, tests and certification rehearsals."),
    "stations": ("ocpi_cpo.cli.stations:app", "OCPP stations (1.6J / 2.0.1) and their OCPI EVSEs."),
    "tariffs": (
        "ocpi_cpo.cli.tariffs:app",
        "Tariffs we publish (OCPI Tariffs Sender, Gireve rules).",
    ),
    "tokens": ("ocpi_cpo.cli.tokens:app", "eMSP tokens and real-time authorization."),
    "sessions": ("ocpi_cpo.cli.sessions:sessions_app", "Charging sessions (OCPI Sessions Sender)."),
    "cdrs": ("ocpi_cpo.cli.sessions:cdrs_app", "CDRs, credit CDRs (OCPI CDRs Sender)."),
}


#: commands that run until stopped (servers, the worker, simulators): they keep Python's cyclic
#: garbage collector, which :func:`main` turns off for the others, one-shot commands
LONG_RUNNING = frozenset({"serve", "worker", "demo", "sim"})


#: Pydantic's switch for its plugins (hooks into validation, found through the entry points of
#: every installed distribution the first time a model is built)
PYDANTIC_PLUGINS_OFF = "PYDANTIC_DISABLE_PLUGINS"
_plugins_turned_off = False


def load_command(name: str) -> _click.Command:
    """Import the module of one command and build its Click command (what Typer would build)."""
    global _plugins_turned_off
    if name in LONG_RUNNING:
        gc.enable()
        if _plugins_turned_off:  # main() turned them off for a one-shot command
            os.environ.pop(PYDANTIC_PLUGINS_OFF, None)
            _plugins_turned_off = False
    target, _help = COMMANDS[name]
    module_name, attribute = target.split(":")
    found = getattr(importlib.import_module(module_name), attribute)
    command: _click.Command
    if isinstance(found, typer.Typer):
        found.rich_markup_mode = None  # plain help: Rich's help costs more than the budget
        command = typer.main.get_group(found)
    else:
        single = typer.Typer(rich_markup_mode=None)
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    _light_parsing(command)
    return command


def _light_parsing(command: _click.Command) -> None:
    """Give ``command`` (and its subcommands) the plain coercion of flags and paths as they parse
    (see :func:`_plain_options`): ``ocpi-cpo evses set-status --help`` processes the ``evses``
    group's ``--help`` flag too."""
    parse = command.parse_args

    def parse_args(ctx: _click.Context, args: list[str]) -> list[str]:
        _plain_options(command.get_params(ctx))
        return parse(ctx, args)

    command.parse_args = parse_args  # type: ignore[method-assign]
    for sub in getattr(command, "commands", {}).values():
        _light_parsing(sub)


class LazyGroup(TyperGroup):
    """The root group: lists commands from :data:`COMMANDS`, imports one only to run it.

    Listing (``--help``, completion of the first word) gets light stand-ins carrying the help
    line, so it imports no command module at all."""

    _listing = False

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        _plain_options(self.get_params(ctx))  # Typer adds its completion options late
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        finally:
            # the command's SQLite connection (storage.sql.one_shot.command_sqlite_engine), if
            # it opened one; a --help never imported the module
            one_shot = sys.modules.get("ocpi_cpo.storage.sql.one_shot")
            if one_shot is not None:
                one_shot.close_command_engines()

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
        return load_command(cmd_name)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx: _click.Context, incomplete: str) -> list[CompletionItem]:
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False


def _plain_options(params: list[_click.Parameter]) -> None:
    """Coerce flags, paths, strings, enums and plain integers without Pydantic when the value
    is unambiguous; anything else goes to Typer's own (Pydantic) coercion, built then.

    Typer 0.29 coerces each parameter it processes through a Pydantic TypeAdapter, built on first
    use: the root's options and each group's ``--help`` are processed for every command, so
    ``ocpi-cpo evses set-status --help`` paid for importing Pydantic (about 150 ms of CPU) before
    printing anything, and a command that loads Pydantic anyway (its settings) paid about 30 ms
    more for the adapters. A path, a flag, a string, an enum member named exactly and a decimal
    integer need no adapter; a value Typer would refuse (or must normalise) still gets Typer's
    own coercion, so its errors read the same. Older Typers have no adapters."""
    try:
        from typer._coercion import RuntimeParam, build_runtime_param, resolve_type_descriptor
        from typer._param_types import coerce_cli_choice
    except ImportError:  # pragma: no cover - Typer without adapters
        return

    class PlainParam(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: _click.Context) -> Any:
            annotation = self.annotation
            if annotation is Path:
                return Path(value)
            if annotation is bool:
                return bool(value)
            if annotation is str and isinstance(value, str):
                return value
            if annotation is int and isinstance(value, int) and not isinstance(value, bool):
                return value
            if annotation is int and isinstance(value, str) and value.isascii() and value.isdigit():
                return int(value)
            if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
                try:
                    return coerce_cli_choice(
                        value,
                        choices=tuple(annotation),
                        case_sensitive=self.parameter_info.case_sensitive,
                        ctx=ctx,
                    )
                except ValueError:
                    pass  # Typer's coercion says why, in its words
            descriptor = resolve_type_descriptor(annotation, self.parameter_info)
            return build_runtime_param(descriptor)._coerce_value(value, param, ctx)

    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", None) is not None:
            continue
        info = descriptor.parameter_info
        plain = descriptor.annotation in (Path, bool) or (
            not (descriptor.is_list or descriptor.is_tuple or descriptor.is_file)
            and info.parser is None
            and not descriptor.is_path
            and (
                descriptor.annotation is str
                or (descriptor.annotation is int and info.min is None and info.max is None)
                or (
                    isinstance(descriptor.annotation, type)
                    and issubclass(descriptor.annotation, enum.Enum)
                )
            )
        )
        if plain:
            param._runtime_param = PlainParam(info, descriptor.annotation)  # type: ignore[attr-defined]


app = typer.Typer(
    name="ocpi-cpo",
    cls=LazyGroup,
    help="OCPI 2.2.1 roaming platform for Charge Point Operators (Gireve IOP ready).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain (Click) help and errors: Typer's Rich help loads rich.markdown, markdown_it and
    # pygments, about 200 ms of CPU for every --help (docs/performance.md, "The CLI")
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ocpi-cpo {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="settings file (default: ./ocpi-cpo.toml)")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
) -> None:
    ctx.obj = {"config": config}


def main() -> None:
    """The ``ocpi-cpo`` command.

    A one-shot command runs without Python's cyclic garbage collector and leaves what it made to
    the end of the process: its imports create about 65,000 objects that live until exit, which
    the collector walked again and again while they were made and then freed one by one at exit,
    a third of an everyday command's CPU on a busy machine, to reclaim nothing. Reference counting
    still frees what a command drops. Commands that run until stopped (:data:`LONG_RUNNING`) turn
    the collector back on as they load (docs/architecture.md, "A fast CLI", point 8).

    Pydantic's plugins are off too (unless ``PYDANTIC_DISABLE_PLUGINS`` is set already): looking
    for them reads the entry points of every installed distribution when the settings are
    built, about 1% of an everyday command, for hooks a one-shot command has no use for. The
    commands that run until stopped turn them back on with the collector."""
    global _plugins_turned_off
    gc.disable()
    if PYDANTIC_PLUGINS_OFF not in os.environ:
        os.environ[PYDANTIC_PLUGINS_OFF] = "__all__"
        _plugins_turned_off = True
    try:
        app()
    finally:
        gc.freeze()  # what exists now is left to the process's end: no collection over it at exit
