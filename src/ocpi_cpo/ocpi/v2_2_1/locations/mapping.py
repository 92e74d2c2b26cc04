"""Locations wire <-> documents: validate input against the wire models, keep it as plain JSON.

The platform keeps each Location as its wire JSON (``domain.locations``); this is where input is
checked against the OCPI 2.2.1 types (a file, an admin request) and rendered the way we send it
(``exclude_none``, UTC 'Z' DateTimes, numbers as JSON numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.json_path import json_path
from ocpi_cpo.domain.location_rules import input_problems
from ocpi_cpo.domain.locations import Document, Problem
from ocpi_cpo.ocpi.v2_2_1.locations.schemas import Location

_LOCATIONS: TypeAdapter[list[Location]] = TypeAdapter(list[Location])
_CHUNK = 500


class LocationInputError(ValueError):
    """The input is not OCPI 2.2.1 Locations; ``problems`` names each with its JSON path."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s), nothing stored: {shown}{more}")
        self.problems = problems


def _problems(error: ValidationError, offset: int, single: bool) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        if loc and isinstance(loc[0], int):
            loc = [] if single and loc[0] == 0 else [loc[0] + offset]
            loc += list(item["loc"])[1:]
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(Problem(json_path(loc), message))
    return problems


def parse_locations(
    raw: bytes,
    progress: Callable[[int], None] | None = None,
    *,
    operators: Iterable[OperatorId] | None = None,
) -> tuple[list[Document], bool]:
    """(the Locations as wire documents, whether the input was one object rather than an array).

    Raise :class:`LocationInputError` with every problem when the input is not JSON, not a
    Location or an array of Locations, or breaks the wire model anywhere; with ``operators``, the
    Locations that pass the wire model are also held to the input rules (``domain.location_rules``)
    so that one pass lists every problem of the file.
    """
    try:
        data: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise LocationInputError([Problem("", f"not valid JSON: {exc}")]) from None
    single = isinstance(data, dict)
    items = [data] if single else data
    if not isinstance(items, list):
        raise LocationInputError(
            [Problem("", "expected a Location object or a JSON array of Location objects")]
        )
    documents: list[Document] = []
    positions: list[int] = []
    problems: list[tuple[int, Problem]] = []
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        try:
            models = _LOCATIONS.validate_python(chunk)
        except ValidationError:
            _one_by_one(chunk, start, single, documents, positions, problems)
        else:
            documents += _LOCATIONS.dump_python(models, mode="json", exclude_none=True)
            positions += range(start, start + len(chunk))
        if progress is not None:
            progress(start + len(chunk))
    if operators is not None:
        found = input_problems(documents, operators, single=single, positions=positions)
        problems += [(_index_of(p, single), p) for p in found]
    if problems:
        problems.sort(key=lambda item: item[0])
        raise LocationInputError([problem for _, problem in problems])
    return documents, single


def _one_by_one(
    chunk: list[Any],
    start: int,
    single: bool,
    documents: list[Document],
    positions: list[int],
    problems: list[tuple[int, Problem]],
) -> None:
    for offset, item in enumerate(chunk):
        try:
            model = _LOCATIONS.validate_python([item])
        except ValidationError as exc:
            problems += [(start + offset, p) for p in _problems(exc, start + offset, single)]
        else:
            documents += _LOCATIONS.dump_python(model, mode="json", exclude_none=True)
            positions.append(start + offset)


def _index_of(problem: Problem, single: bool) -> int:
    if single or not problem.path.startswith("["):
        return 0
    return int(problem.path[1 : problem.path.index("]")])
