"""The Sender's page of Locations as prebuilt SQL for the driver (``storage.sql.driver``).

A page request is the hot path: building and compiling a Core ``select`` per request cost about
1.4 ms with its count, more than the read itself (docs/performance.md). The statements below are
built once per shape (backend, number of visibilities, owner or not, date_from, date_to) and only
placeholders are formatted into them; every value is bound.

Plans, as the repository's docstring explains: the total reads an index only; SQLite walks the
primary key (unary + keeps its planner off the filter columns' indexes, which would sort every
match) unless a date filter leaves few matches, then their ids are sorted from the index first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import Dialect

from ocpi_cpo.domain.locations import LocationPage
from ocpi_cpo.storage.sql.driver import placeholders
from ocpi_cpo.storage.sql.tables.locations import locations

#: (sqlite, visibilities, owner, date_from, date_to)
Shape = tuple[bool, int, bool, bool, bool]
#: SQLite columns kept off their indexes: walking the primary key without / with a date filter
OWNER = frozenset({"country_code", "party_id"})
OWNER_AND_DATE = OWNER | {"last_updated"}
NONE: frozenset[str] = frozenset()


def shape(sqlite_: bool, query: LocationPage) -> Shape:
    return (
        sqlite_,
        len(query.visibilities),
        query.owner is not None,
        query.date_from is not None,
        query.date_to is not None,
    )


@functools.cache
def bind_datetime(dialect: Dialect) -> Callable[[Any], Any]:
    """How the ``last_updated`` column binds a datetime (UTC; SQLite keeps it as text)."""
    processor = locations.c.last_updated.type.dialect_impl(dialect).bind_processor(dialect)
    return processor if processor is not None else (lambda value: value)


def filter_parameters(dialect: Dialect, query: LocationPage) -> list[Any]:
    """The values of ``_where``'s placeholders, in order."""
    parameters: list[Any] = sorted(v.value for v in query.visibilities)
    if query.owner is not None:
        parameters += list(query.owner)
    bind = bind_datetime(dialect)
    if query.date_from is not None:
        parameters.append(bind(query.date_from))
    if query.date_to is not None:
        parameters.append(bind(query.date_to))
    return parameters


def _where(form: Shape, marks: list[str], hide: frozenset[str]) -> str:
    _, visibilities, owner, date_from, date_to = form

    def column(name: str) -> str:
        return f"+{name}" if name in hide else name

    conditions = [f"visibility IN ({', '.join(marks[:visibilities])})"]
    rest = iter(marks[visibilities:])
    if owner:
        conditions.append(f"{column('country_code')} = {next(rest)}")
        conditions.append(f"{column('party_id')} = {next(rest)}")
    if date_from:
        conditions.append(f"{column('last_updated')} >= {next(rest)}")
    if date_to:
        conditions.append(f"{column('last_updated')} < {next(rest)}")
    return " AND ".join(conditions)


def _count(form: Shape) -> int:
    return form[1] + 2 * form[2] + form[3] + form[4]


@functools.lru_cache(maxsize=256)
def total_sql(form: Shape) -> str:
    """(total,); parameters: the filter's."""
    where = _where(form, placeholders(form[0], _count(form)), NONE)
    return f"SELECT count(*) FROM locations WHERE {where}"  # noqa: S608


@functools.lru_cache(maxsize=256)
def counted_sql(form: Shape, hide: frozenset[str]) -> str:
    """(total, document) rows; parameters: the filter's twice, then limit and offset."""
    marks = placeholders(form[0], 2 * _count(form) + 2)
    total = _where(form, marks[: _count(form)], NONE)
    where = _where(form, marks[_count(form) :], hide)
    return (
        f"SELECT (SELECT count(*) FROM locations WHERE {total}) AS total, document"  # noqa: S608
        f" FROM locations WHERE {where} ORDER BY id LIMIT {marks[-2]} OFFSET {marks[-1]}"
    )


@functools.lru_cache(maxsize=256)
def walk_sql(form: Shape, hide: frozenset[str]) -> str:
    """(document,) rows in creation order; parameters: the filter's, then limit and offset."""
    marks = placeholders(form[0], _count(form) + 2)
    where = _where(form, marks, hide)
    return (
        f"SELECT document FROM locations WHERE {where}"  # noqa: S608
        f" ORDER BY id LIMIT {marks[-2]} OFFSET {marks[-1]}"
    )


@functools.lru_cache(maxsize=256)
def sorted_ids_sql(form: Shape) -> str:
    """(document,) rows: the page's ids sorted from the index first (few matches on SQLite)."""
    marks = placeholders(form[0], _count(form) + 2)
    where = _where(form, marks, NONE)
    return (
        "SELECT document FROM locations WHERE id IN"  # noqa: S608
        f" (SELECT id FROM locations WHERE {where}"
        f" ORDER BY +id LIMIT {marks[-2]} OFFSET {marks[-1]}) ORDER BY id"
    )
