"""Check EVCI: compare our Location with the copy a partner holds (gireve.md §5 "Check EVCI").

Each object (Location, EVSE, connector) the partner holds is either as ours, MISSING, DIFFERENT
(a field we publish has another value there), or STALE (its ``last_updated`` is older than ours).
Fields only the partner has (such as Gireve's ``gireve_id``) are not differences.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from ocpi_cpo.domain.locations import (
    Document,
    LocationKey,
    connectors_of,
    evses_of,
    find_connector,
    find_evse,
    parse_stamp,
)

LAST_UPDATED = "last_updated"


class Finding(enum.StrEnum):
    MISSING = "MISSING"
    DIFFERENT = "DIFFERENT"
    STALE = "STALE"


@dataclass(frozen=True, slots=True)
class Difference:
    key: LocationKey
    #: below the Location: () or (evse_uid,) or (evse_uid, connector_id)
    path: tuple[str, ...]
    finding: Finding
    detail: str

    @property
    def where(self) -> str:
        return "/".join((str(self.key), *self.path))

    def __str__(self) -> str:
        return f"{self.finding.value:9} {self.where}: {self.detail}"


def differences(key: LocationKey, ours: Document, theirs: Document | None) -> list[Difference]:
    """What the partner's copy lacks or holds otherwise, object by object, parents first."""
    if theirs is None:
        return [Difference(key, (), Finding.MISSING, "the partner does not hold this Location")]
    found = _compare(key, (), ours, theirs, "evses")
    for evse in evses_of(ours):
        uid = str(evse["uid"])
        their_evse = find_evse(theirs, uid)
        if their_evse is None:
            found.append(Difference(key, (uid,), Finding.MISSING, "EVSE not held"))
            continue
        found += _compare(key, (uid,), evse, their_evse, "connectors")
        for connector in connectors_of(evse):
            cid = str(connector["id"])
            their_connector = find_connector(their_evse, cid)
            if their_connector is None:
                found.append(Difference(key, (uid, cid), Finding.MISSING, "connector not held"))
                continue
            found += _compare(key, (uid, cid), connector, their_connector)
    return found


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(_same(value, b.get(name)) for name, value in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _compare(
    key: LocationKey, path: tuple[str, ...], ours: Document, theirs: Document, *skip: str
) -> list[Difference]:
    found: list[Difference] = []
    fields = sorted(
        name
        for name, value in ours.items()
        if name != LAST_UPDATED and name not in skip and not _same(value, theirs.get(name))
    )
    if fields:
        shown = ", ".join(
            f"{name} ours {ours[name]!r} theirs {theirs.get(name)!r}" for name in fields[:3]
        )
        more = f" (and {len(fields) - 3} more fields)" if len(fields) > 3 else ""
        found.append(Difference(key, path, Finding.DIFFERENT, shown + more))
    found += _staleness(key, path, ours, theirs)
    return found


def _staleness(
    key: LocationKey, path: tuple[str, ...], ours: Document, theirs: Document
) -> list[Difference]:
    mine, other = ours.get(LAST_UPDATED), theirs.get(LAST_UPDATED)
    try:
        stale = other is None or parse_stamp(str(other)) < parse_stamp(str(mine))
    except ValueError:
        stale = True
    if not stale:
        return []
    return [Difference(key, path, Finding.STALE, f"last_updated ours {mine} theirs {other}")]
