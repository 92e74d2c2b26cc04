"""The lint that keeps repositories called from services only: it finds ``uow.<repo>.<m>()``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).parents[2] / "tools" / "check_repository_calls.py"


def lint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_repository_calls", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_repository_call_is_found_and_other_calls_are_not(tmp_path: Path) -> None:
    tool = lint()
    source = tmp_path / "handler.py"
    source.write_text(
        "async def f(uow, context):\n"
        "    await uow.partners.get(1)\n"
        "    await context.sessions.meter_values(2)\n"
        "    await service.page(uow, 3)\n"
    )
    names = tool.repositories()
    assert {"partners", "sessions", "outbox"} <= names
    assert tool.calls_in(source, names) == [(2, "partners.get")]


def test_the_package_keeps_to_its_allowance() -> None:
    assert lint().main() == 0
