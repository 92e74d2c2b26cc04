"""How long an ``ocpi-cpo`` command takes end to end, beside ``python -c pass`` (issue 22 item 2).

Each command runs as an operator runs it: the installed console script in a fresh process, on a
SQLite database in a temporary folder holding one Location (two EVSEs) and one partner, so
``evses set-status`` changes a status and queues the PATCH for real (CHARGING and AVAILABLE in
turn). The figure is the median wall time of several runs; the note gives the median CPU time
(user + system) of the process, which a busy machine inflates less. The baseline is the
interpreter starting and stopping with nothing to do. Targets: every ``--help`` under 300 ms,
the three everyday commands under 500 ms.
"""

from __future__ import annotations

import compileall
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench.locations import location
from bench.report import Figure, limit_figure

HELPS = [
    ["--help"],
    ["evses", "set-status", "--help"],
    ["outbox", "list", "--help"],
    ["partners", "list", "--help"],
    ["serve", "--help"],
    ["demo", "--help"],
]
COMMANDS = [["evses", "set-status", "E1-1", "STATUS"], ["outbox", "list"], ["partners", "list"]]


def _script() -> str:
    return str(Path(sys.executable).with_name("ocpi-cpo"))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(command: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU time in ms over ``runs`` runs (a first one, warming caches, not
    counted). ``STATUS`` in the command alternates CHARGING and AVAILABLE, so each run changes
    the status."""
    walls, cpus = [], []
    for attempt in range(runs + 1):
        status = "CHARGING" if attempt % 2 else "AVAILABLE"
        arguments = [status if a == "STATUS" else a for a in command]
        cpu, started = _children_cpu(), time.perf_counter()
        subprocess.run(arguments, cwd=cwd, check=True, capture_output=True)
        if attempt:
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((_children_cpu() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _compile_package() -> None:
    """Write the bytecode of our package, as pip does when it installs the wheel. An editable
    install otherwise writes it on first use, unless ``PYTHONDONTWRITEBYTECODE`` is set (it is on
    some shared machines): then every run compiles our modules again, about 110 ms of CPU."""
    import ocpi_cpo

    compileall.compile_dir(Path(ocpi_cpo.__file__).parent, quiet=1)


def _prepare(folder: Path) -> None:
    (folder / "ocpi-cpo.toml").write_text(
        'database_url = "sqlite+aiosqlite:///var/cli-bench.db"\n'
        "allow_insecure_http = true\n"  # the hub is invited with a Gireve profile on http
        "[[operations]]\noperator_id = 'FR*AB1'\nname = 'AB1 Charging'\n"
    )
    (folder / "locations.json").write_bytes(orjson.dumps([location(1)]))
    for command in (
        ["locations", "import", "locations.json", "--allow-unknown-tariffs"],
        ["partners", "invite", "hub", "--profile", "gireve-preprod"],
    ):
        subprocess.run([_script(), *command], cwd=folder, check=True, capture_output=True)


def run_figures(quick: bool) -> list[Figure]:
    runs = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="ocpi-cpo-cli-bench-") as name:
        folder = Path(name)
        _compile_package()
        _prepare(folder)
        baseline, baseline_cpu = _measure([sys.executable, "-c", "pass"], folder, runs)
        figures = []
        for arguments, limit in [(h, 300) for h in HELPS] + [(c, 500) for c in COMMANDS]:
            wall, cpu = _measure([_script(), *arguments], folder, runs)
            suffix = "" if "--help" in arguments else " (SQLite)"
            figures.append(
                limit_figure(
                    f"ocpi-cpo {' '.join(arguments)}{suffix}",
                    wall,
                    "ms",
                    "python -c pass",
                    baseline,
                    limit,
                    note=f"CPU {cpu:.0f} ms (python -c pass: {baseline_cpu:.0f} ms)",
                )
            )
        return figures


async def run_all(quick: bool = False, postgres_url: str | None = None) -> list[Figure]:
    return run_figures(quick)
