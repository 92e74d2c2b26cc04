"""Repositories are called only from services (architecture.md, "Layers"): a small AST lint.

A repository call is ``<uow>.<repository>.<method>(...)`` where ``<repository>`` is a property
of ``storage.protocols.UnitOfWork`` and ``<uow>`` a name holding a unit of work (``uow``, as
``storage.transaction()`` and ``storage.read()`` are entered everywhere). Only
``ocpi_cpo/services`` and ``ocpi_cpo/storage`` may make one. Calls that were there before the
rule are listed in ``tools/repository_calls_allowed.txt`` (``path: count``), to be moved into
services; a file's count may only go down (a lower count is noted, a higher one fails). Run by ``make check``; exits 1 naming every new call.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "ocpi_cpo"
ALLOWED_FILE = ROOT / "tools" / "repository_calls_allowed.txt"
MAY_CALL = ("services", "storage")


def repositories() -> set[str]:
    """The property names of ``UnitOfWork`` in storage/protocols.py."""
    tree = ast.parse((PACKAGE / "storage" / "protocols.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "UnitOfWork":
            return {
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and not item.name.startswith("_")
            }
    raise SystemExit("storage/protocols.py has no UnitOfWork class")


def calls_in(path: Path, names: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        if (
            isinstance(owner, ast.Attribute)
            and owner.attr in names
            and isinstance(owner.value, ast.Name)
            and "uow" in owner.value.id
        ):
            found.append((node.lineno, f"{owner.attr}.{node.func.attr}"))
    return found


def allowed() -> dict[str, int]:
    counts = {}
    for line in ALLOWED_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            path, count = line.rsplit(":", 1)
            counts[path.strip()] = int(count)
    return counts


def main() -> int:
    names = repositories()
    budget = allowed()
    problems = []
    counts: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in MAY_CALL:
            continue
        calls = calls_in(path, names)
        key = str(relative)
        counts[key] = len(calls)
        if len(calls) > budget.get(key, 0):
            shown = ", ".join(f"line {line} {call}" for line, call in calls)
            problems.append(
                f"{key}: {len(calls)} repository call(s), {budget.get(key, 0)} allowed ({shown}):"
                " call a service instead (services are the only callers of storage)"
            )
    for key, count in budget.items():
        if counts.get(key, 0) < count:
            print(
                f"note: {key}: {counts.get(key, 0)} repository call(s) now, {count} allowed:"
                f" lower its line in {ALLOWED_FILE.relative_to(ROOT)} to keep the gain"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
