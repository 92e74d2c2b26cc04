"""Locations use cases: import from the back office, EVSE status changes, reads for the Sender.

Every change is written with its pushes in the same transaction (architecture.md, "Delivery").
Documents arrive already validated against the wire model (the OCPI layer parses them); here they
pass the platform's input rules (``domain.location_rules``) as a whole: one broken rule anywhere
and nothing is stored (:class:`InvalidLocations` lists every problem with its JSON path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson

from ocpi_cpo.domain.delivery import NewMessage
from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.location_changes import merge, set_status
from ocpi_cpo.domain.location_links import (
    compact_evse_id,
    connector_warnings,
    identity_problems,
    tariff_link_problems,
)
from ocpi_cpo.domain.location_rules import input_problems
from ocpi_cpo.domain.locations import (
    PARTNER_VISIBLE,
    Document,
    LocationKey,
    LocationPage,
    LocationRow,
    LocationSummary,
    OperationCounts,
    Problem,
    StoredLocation,
    Visibility,
    connectors_of,
    evse_rows,
    evses_of,
    find_evse,
    parse_stamp,
    stamp,
    visibility_of,
)
from ocpi_cpo.domain.stations import EvseStatus
from ocpi_cpo.services.delivery import receivers
from ocpi_cpo.services.errors import ConflictError, NotFoundError, RuleViolation
from ocpi_cpo.services.location_pushes import messages_for, queue_changes
from ocpi_cpo.services.publishing import Publisher
from ocpi_cpo.storage.protocols import UnitOfWork

#: called with the number of Locations written so far (progress bars)
Progress = Callable[[int], None]
_WRITE_BATCH = 1000


class InvalidLocations(RuleViolation):
    """The input breaks rules; ``problems`` names each with its JSON path. Nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s), nothing stored: {shown}{more}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    #: push messages queued for partners
    queued: int
    #: what was imported anyway (``--allow-unknown-tariffs``: one line per connector)
    warnings: tuple[str, ...] = ()


def row_of(key: LocationKey, document: Document) -> LocationRow:
    return LocationRow(
        key=key,
        visibility=visibility_of(document),
        last_updated=parse_stamp(str(document["last_updated"])),
        document=orjson.dumps(document),
        evses=evse_rows(document),
    )


async def import_locations(
    uow: UnitOfWork,
    publisher: Publisher,
    documents: Sequence[Document],
    operators: Iterable[OperatorId],
    now: datetime,
    *,
    single: bool = False,
    progress: Progress | None = None,
    checked: bool = False,
    allow_unknown_tariffs: bool = False,
) -> ImportResult:
    """Store new and changed Locations and queue their pushes; all or nothing.

    ``checked``: the caller already held ``documents`` to the input rules with these operators
    (``ocpi.v2_2_1.locations.mapping.parse_locations`` does, to list a file's every problem).
    Then the rules that need what is stored (``domain.location_links``): every ``tariff_ids``
    entry names a tariff of the operation in force (``allow_unknown_tariffs``: a warning per
    connector instead), EVSE uids and evse_ids unique within the platform.
    """
    if not checked:
        problems = input_problems(documents, operators, single=single)
        if problems:
            raise InvalidLocations(problems)
    warnings = await _links(uow, documents, now, single, allow_unknown_tariffs)
    partners = await receivers(uow, "locations")
    moment = stamp(now)
    created = updated = queued = 0
    for start in range(0, len(documents), _WRITE_BATCH):
        batch = documents[start : start + _WRITE_BATCH]
        keyed = [(LocationKey.of(d), d) for d in batch]
        existing = await uow.locations.find([key for key, _ in keyed], for_update=True)
        new_rows: list[LocationRow] = []
        changed_rows: list[tuple[int, LocationRow]] = []
        messages: list[NewMessage] = []
        for key, document in keyed:
            stored = existing.get(key)
            old = orjson.loads(stored.document) if stored is not None else None
            merged = merge(old, document, moment)
            if not merged.changed:
                continue
            row = row_of(key, merged.document)
            if stored is None:
                new_rows.append(row)
            else:
                changed_rows.append((stored.pk, row))
            messages += messages_for(
                publisher,
                partners,
                key,
                merged.document,
                merged.changes,
                before=stored.visibility if stored is not None else None,
            )
        await uow.locations.add(new_rows)
        await uow.locations.replace(changed_rows)
        await uow.outbox.add_many(messages, now)
        queued += len(messages)
        created, updated = created + len(new_rows), updated + len(changed_rows)
        if progress is not None:
            progress(start + len(batch))
    unchanged = len(documents) - created - updated
    return ImportResult(created, updated, unchanged, queued, tuple(warnings))


async def published_tariffs(
    uow: UnitOfWork, owners: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, datetime | None]]:
    """Per owner, each tariff id it publishes and when its last description ends (None: open)."""
    # here, not at the top: the Tariffs domain (four dataclasses, about 16 million instructions
    # to create) is no part of an EVSE status change (docs/architecture.md, "A fast CLI")
    from ocpi_cpo.domain.tariffs import Party

    published: dict[tuple[str, str], dict[str, datetime | None]] = {}
    for owner in set(owners):
        ends: dict[str, datetime | None] = {}
        for tariff in await uow.tariffs.all(Party(*owner)):
            end, seen = tariff.end_date_time, tariff.key.id in ends
            before = ends.get(tariff.key.id)
            if not seen or (before is not None and (end is None or end > before)):
                ends[tariff.key.id] = end
        published[owner] = ends
    return published


async def _links(
    uow: UnitOfWork,
    documents: Sequence[Document],
    now: datetime,
    single: bool,
    allow_unknown_tariffs: bool,
) -> list[str]:
    """The stored-state rules of an import; raises :class:`InvalidLocations`, else warnings."""
    keys = [LocationKey.of(d) for d in documents]
    published = await published_tariffs(uow, ((k.country_code, k.party_id) for k in keys))
    tariff_problems = tariff_link_problems(documents, published, now, single=single)
    uids = sorted({str(e.get("uid")) for d in documents for e in evses_of(d)})
    compact = sorted(
        {c for d in documents for e in evses_of(d) if (c := compact_evse_id(e.get("evse_id")))}
    )
    stored = await uow.locations.evses_named(uids, compact)
    problems = identity_problems(documents, stored, single=single)
    if not allow_unknown_tariffs:
        problems += tariff_problems
    if problems:
        raise InvalidLocations(problems)
    return connector_warnings(documents, tariff_problems)


async def set_evse_status(
    uow: UnitOfWork,
    publisher: Publisher,
    evse_uid: str,
    status: EvseStatus,
    now: datetime,
    *,
    location: LocationKey | None = None,
) -> bool:
    """Change one EVSE's status and queue the PATCH; False when it already had that status.

    The EVSE is found by uid (OCPI makes it unique within a Location only: name the Location when
    two share a uid).
    """
    stored = await _evse_location(uow, evse_uid, location)
    document = orjson.loads(stored.document)
    moment = stamp(now)
    change = set_status(document, evse_uid, status.value, moment)
    if change is None:
        return False
    at = parse_stamp(moment)
    evse = next(row for row in evse_rows(document) if row.uid == evse_uid)
    await uow.locations.set_evse(stored.pk, at, orjson.dumps(document), evse)
    partners = await receivers(uow, "locations")
    await queue_changes(
        uow, publisher, partners, stored.key, document, [change], before=stored.visibility, now=now
    )
    return True


async def _evse_location(
    uow: UnitOfWork, evse_uid: str, location: LocationKey | None
) -> StoredLocation:
    if location is not None:
        stored = await uow.locations.get(location, for_update=True)
        if stored is None:
            raise NotFoundError(f"no Location {location}: see 'ocpi-cpo locations list'")
        if find_evse(orjson.loads(stored.document), evse_uid) is None:
            raise NotFoundError(f"Location {location} has no EVSE with uid {evse_uid!r}")
        return stored
    found = await uow.locations.by_evse_uid(evse_uid, for_update=True)
    if not found:
        raise NotFoundError(f"no EVSE with uid {evse_uid!r}: see 'ocpi-cpo locations show ID'")
    if len(found) > 1:
        where = ", ".join(str(s.key) for s in found)
        raise ConflictError(
            f"EVSE uid {evse_uid!r} exists in several Locations ({where}): name the Location"
        )
    return found[0]


async def page(uow: UnitOfWork, query: LocationPage) -> tuple[int, list[bytes]]:
    return await uow.locations.page(query)


async def get(uow: UnitOfWork, key: LocationKey) -> StoredLocation:
    stored = await uow.locations.get(key)
    if stored is None:
        raise NotFoundError(f"no Location {key}: see 'ocpi-cpo locations list'")
    return stored


async def by_location_id(uow: UnitOfWork, location_id: str) -> list[StoredLocation]:
    """Every operation's Location with this id (OCPI ids are unique per owner only)."""
    return await uow.locations.by_location_id(location_id)


async def partner_locations(uow: UnitOfWork, after_pk: int, limit: int) -> list[StoredLocation]:
    """The Locations partners may see, in creation order after ``after_pk`` (for walks)."""
    return await uow.locations.after(PARTNER_VISIBLE, after_pk, limit)


async def summaries(uow: UnitOfWork, offset: int, limit: int) -> tuple[int, list[LocationSummary]]:
    return await uow.locations.count(), await uow.locations.summaries(offset, limit)


async def operation_counts(uow: UnitOfWork) -> list[OperationCounts]:
    return await uow.locations.operation_counts()


ConnectorEdit = Callable[[Document], bool]


async def _edit_connectors(
    uow: UnitOfWork,
    publisher: Publisher,
    owner: OperatorId,
    edit: ConnectorEdit,
    now: datetime,
    *,
    store: bool = True,
    checked: bool = False,
) -> list[str]:
    """Apply ``edit`` to every connector of ``owner``'s Locations; the connectors it changed
    (``CC/PID/LOCATION EVSE_UID/CONNECTOR``). ``store``: store and push the changed Locations as
    any edit is (a Gireve partner gets the EVSE-level PATCH); otherwise only look."""
    changed: list[Document] = []
    names: list[str] = []
    after = 0
    every = frozenset(Visibility)
    while batch := await uow.locations.after(every, after, 500, for_update=store):
        after = batch[-1].pk
        for stored in batch:
            if (stored.key.country_code, stored.key.party_id) != (
                owner.country_code,
                owner.party_id,
            ):
                continue
            document = orjson.loads(stored.document)
            touched = [
                f"{stored.key} {evse.get('uid')}/{connector.get('id')}"
                for evse in evses_of(document)
                for connector in connectors_of(evse)
                if edit(connector)
            ]
            if touched:
                names += touched
                changed.append(document)
    if changed and store:
        await import_locations(
            uow, publisher, changed, [owner], now, allow_unknown_tariffs=True, checked=checked
        )
    return names


async def add_tariff_to_connectors(
    uow: UnitOfWork,
    publisher: Publisher,
    owner: OperatorId,
    old_id: str,
    new_id: str,
    now: datetime,
) -> int:
    """Put ``new_id`` right after ``old_id`` on every connector of ``owner`` that lists it (a
    Gireve price change: both ids on the connectors, gireve.md §12.3), then store and push the
    changed Locations. Returns how many connectors changed."""

    def edit(connector: Document) -> bool:
        ids = list(connector.get("tariff_ids") or [])
        if old_id in ids and new_id not in ids:
            ids.insert(ids.index(old_id) + 1, new_id)
            connector["tariff_ids"] = ids
            return True
        return False

    return len(await _edit_connectors(uow, publisher, owner, edit, now))


def _names(tariff_id: str) -> ConnectorEdit:
    return lambda connector: tariff_id in (connector.get("tariff_ids") or [])


async def connectors_naming(
    uow: UnitOfWork, publisher: Publisher, owner: OperatorId, tariff_id: str, now: datetime
) -> list[str]:
    """The connectors of ``owner`` whose ``tariff_ids`` name ``tariff_id``."""
    return await _edit_connectors(uow, publisher, owner, _names(tariff_id), now, store=False)


async def remove_tariff_from_connectors(
    uow: UnitOfWork, publisher: Publisher, owner: OperatorId, tariff_id: str, now: datetime
) -> list[str]:
    """Take ``tariff_id`` out of every connector of ``owner`` that names it, store and push the
    changed Locations (``tariffs delete --force``); the connectors changed. A connector left
    with no tariff breaks Gireve's rule on purpose (the operator forced it); its CDRs are held
    until it names one again."""

    def edit(connector: Document) -> bool:
        ids = list(connector.get("tariff_ids") or [])
        if tariff_id not in ids:
            return False
        connector["tariff_ids"] = [t for t in ids if t != tariff_id]
        return True

    return await _edit_connectors(uow, publisher, owner, edit, now, checked=True)
