"""What changed in a Location, and the pushes that tell a partner (mod_locations; gireve.md §7).

* :func:`merge` takes the stored document and a new one (an import) and returns the document to
  keep and the :class:`Change` list: PUT for a new Location (or a new EVSE / connector, or when a
  field disappeared, which a PATCH cannot say), PATCH with only the changed fields otherwise. An
  EVSE missing from the new document is kept with status REMOVED (EVSEs are never deleted).
* Every changed object gets ``last_updated`` = now, and so do its EVSE and Location: a
  ``date_from`` pull sees the change (transport_and_format, pagination). Unchanged objects keep
  theirs; a new Location keeps the ``last_updated`` it came with.
* :func:`set_status` changes one EVSE's status; the same status again is no change (not resent).
* A :class:`Change` says what changed, never how it travels: ``whole`` (the object is given
  entire) or only the fields that changed. Each OCPI version's Locations Receiver client turns it
  into its messages (``ocpi.v2_2_1.locations.receiver``: URL, verb, Gireve reshaping).
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass
from typing import Any

from ocpi_cpo.domain.locations import (
    Document,
    connectors_of,
    evses_of,
    find_evse,
    parse_stamp,
)

LAST_UPDATED = "last_updated"
REMOVED = "REMOVED"


class Target(enum.StrEnum):
    LOCATION = "LOCATION"
    EVSE = "EVSE"
    CONNECTOR = "CONNECTOR"


@dataclass(frozen=True, slots=True)
class Change:
    """One change of the object at ``target``: ``body`` is the whole object when ``whole``, else
    only the fields that changed (with ``last_updated``)."""

    target: Target
    whole: bool
    body: Document
    evse_uid: str | None = None
    connector_id: str | None = None


@dataclass(frozen=True, slots=True)
class Merged:
    document: Document
    changes: list[Change]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _fields(obj: Document, *skip: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != LAST_UPDATED and k not in skip}


def _diff(old: Document, new: Document, *skip: str) -> tuple[dict[str, Any], bool]:
    """(fields whose value is new, whether a field disappeared)."""
    before, after = _fields(old, *skip), _fields(new, *skip)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    return changed, any(k not in after for k in before)


def _max_stamp(document: Document, children: list[Document]) -> None:
    """A parent is never older than its children (parents' last_updated follow their children)."""
    latest = max([document[LAST_UPDATED], *(c[LAST_UPDATED] for c in children)], key=parse_stamp)
    document[LAST_UPDATED] = latest


def merge(old: Document | None, new: Document, now: str) -> Merged:
    """The document to keep and the pushes that describe the difference; ``now`` is a stamp.

    ``new`` becomes the kept document (it is changed in place: copying 10,000 documents on an
    import costs more than the import's SQL).
    """
    document = new
    for evse in evses_of(document):
        _max_stamp(evse, connectors_of(evse))
    _max_stamp(document, evses_of(document))
    if old is None:
        return Merged(document, [Change(Target.LOCATION, True, document)])
    changed, lost = _diff(old, document, "evses")
    evse_changes = _merge_evses(old, document, now)
    if lost:
        document[LAST_UPDATED] = now
        return Merged(document, [Change(Target.LOCATION, True, document)])
    changes: list[Change] = []
    if changed:
        changes.append(Change(Target.LOCATION, False, {**changed, LAST_UPDATED: now}))
    if changes or evse_changes:
        document[LAST_UPDATED] = now
    else:
        document[LAST_UPDATED] = old[LAST_UPDATED]
    return Merged(document, changes + evse_changes)


def _merge_evses(old: Document, document: Document, now: str) -> list[Change]:
    changes: list[Change] = []
    new_uids = {e.get("uid") for e in evses_of(document)}
    for evse in evses_of(document):
        before = find_evse(old, str(evse["uid"]))
        if before is None:
            changes.append(Change(Target.EVSE, True, evse, evse_uid=evse["uid"]))
            continue
        changes += _merge_evse(before, evse, now)
    for before in evses_of(old):
        if before.get("uid") in new_uids:
            continue
        kept = copy.deepcopy(before)
        document.setdefault("evses", []).append(kept)
        if kept.get("status") != REMOVED:
            kept["status"], kept[LAST_UPDATED] = REMOVED, now
            body = {"status": REMOVED, LAST_UPDATED: now}
            changes.append(Change(Target.EVSE, False, body, evse_uid=kept["uid"]))
    return changes


def _merge_evse(before: Document, evse: Document, now: str) -> list[Change]:
    uid = evse["uid"]
    changed, lost = _diff(before, evse, "connectors")
    old_connectors = {c.get("id"): c for c in connectors_of(before)}
    new_ids = {c.get("id") for c in connectors_of(evse)}
    if lost or any(cid not in new_ids for cid in old_connectors):
        _stamp_all(evse, now)
        return [Change(Target.EVSE, True, evse, evse_uid=uid)]
    changes: list[Change] = []
    if changed:
        changes.append(Change(Target.EVSE, False, {**changed, LAST_UPDATED: now}, evse_uid=uid))
    for connector in connectors_of(evse):
        previous = old_connectors.get(connector["id"])
        change = _merge_connector(previous, connector, uid, now)
        if change is not None:
            changes.append(change)
        elif previous is not None:
            connector[LAST_UPDATED] = previous[LAST_UPDATED]
    evse[LAST_UPDATED] = now if changes else before[LAST_UPDATED]
    return changes


def _merge_connector(
    previous: Document | None, connector: Document, evse_uid: str, now: str
) -> Change | None:
    cid = connector["id"]
    if previous is None:
        return Change(Target.CONNECTOR, True, connector, evse_uid=evse_uid, connector_id=cid)
    changed, lost = _diff(previous, connector)
    if not changed and not lost:
        return None
    connector[LAST_UPDATED] = now
    if lost:
        return Change(Target.CONNECTOR, True, connector, evse_uid=evse_uid, connector_id=cid)
    body = {**changed, LAST_UPDATED: now}
    return Change(Target.CONNECTOR, False, body, evse_uid=evse_uid, connector_id=cid)


def _stamp_all(evse: Document, now: str) -> None:
    evse[LAST_UPDATED] = now
    for connector in connectors_of(evse):
        connector[LAST_UPDATED] = now


def set_status(document: Document, evse_uid: str, status: str, now: str) -> Change | None:
    """Set an EVSE's status in place (and bump EVSE and Location); None when it already had it."""
    evse = find_evse(document, evse_uid)
    if evse is None:
        raise KeyError(evse_uid)
    if evse.get("status") == status:
        return None
    evse["status"], evse[LAST_UPDATED], document[LAST_UPDATED] = status, now, now
    return Change(Target.EVSE, False, {"status": status, LAST_UPDATED: now}, evse_uid=evse_uid)
