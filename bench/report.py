"""Figures, each beside a baseline measured in the same run, and the table/JSON they end up in."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

RESULTS = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    #: what passing means, e.g. "ratio >= 0.5" or "p99 < 50 ms"
    target: str
    passed: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


def ratio_figure(
    name: str,
    value: float,
    unit: str,
    baseline_name: str,
    baseline: float,
    minimum: float,
    note: str = "",
) -> Figure:
    ratio = value / baseline if baseline else 0.0
    return Figure(
        name, value, unit, baseline_name, baseline, f"ratio >= {minimum:g}", ratio >= minimum, note
    )


def limit_figure(
    name: str,
    value: float,
    unit: str,
    baseline_name: str,
    baseline: float,
    maximum: float,
    note: str = "",
) -> Figure:
    return Figure(
        name, value, unit, baseline_name, baseline, f"< {maximum:g} {unit}", value < maximum, note
    )


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def print_table(figures: list[Figure]) -> None:
    header = f"{'figure':<58} {'value':>12} {'baseline (same run)':>30} {'ratio':>7} {'target':>14}  result"
    print(header)
    print("-" * len(header))
    for f in figures:
        baseline = f"{f.baseline:,.1f} {f.baseline_name}"
        print(
            f"{f.name:<58} {f.value:>9,.1f} {f.unit:<3}{baseline:>29} {f.ratio:>7.2f}"
            f" {f.target:>14}  {'pass' if f.passed else 'MISS'}"
        )
        if f.note:
            print(f"    {f.note}")


def write_results(figures: list[Figure]) -> None:
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": [{**asdict(f), "ratio": f.ratio} for f in figures],
    }
    RESULTS.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
