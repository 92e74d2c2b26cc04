"""What an imported Location must agree with beyond itself (issue "Money right", items 2 and 3).

* Tariffs: every ``tariff_ids`` entry of a connector names a tariff its operation publishes and
  that is in force (not ended; a tariff starting later is fine: a price change lists both ids).
  A connector naming none that exists yields a CDR nobody can price (it would be held).
* Identity: an EVSE ``uid`` is unique within the CPO's platform (mod_locations, EVSE object: "uniquely
  identifies the EVSE within the CPO's platform"), and so is an ``evse_id`` (eMI3). The same EVSE
  in two Locations makes status changes and authorization pick one at random.

Each problem names the JSON path in the input and, for a clash, the other place. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ocpi_cpo.domain.emi3 import Emi3Error, EvseId
from ocpi_cpo.domain.locations import Document, LocationKey, Problem, connectors_of, evses_of

#: per owner (country_code, party_id): tariff id -> when its last description ends (None: open)
PublishedTariffs = Mapping[tuple[str, str], Mapping[str, datetime | None]]


@dataclass(frozen=True, slots=True)
class StoredEvse:
    """An EVSE as stored: its uid, its evse_id, the Location it is in."""

    uid: str
    evse_id: str | None
    key: LocationKey


def _prefix(index: int, single: bool) -> str:
    return "" if single else f"[{index}]"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def compact_evse_id(evse_id: object) -> str | None:
    """An eMI3 evse_id as compared (upper case, without ``*``); None when absent."""
    if evse_id is None:
        return None
    try:
        return EvseId.parse(str(evse_id)).compact
    except Emi3Error:
        return str(evse_id).replace("*", "").upper()


def _tariff_problem(
    tariff_id: str, owner: str, ends: Mapping[str, datetime | None], now: datetime
) -> str | None:
    if tariff_id not in ends:
        return f"tariff {tariff_id!r} is not published by {owner}: import it first ('ocpi-cpo tariffs import')"
    end = ends[tariff_id]
    if end is not None and end <= now:
        return f"tariff {owner}/{tariff_id} ended at {end.isoformat()}: remove it from tariff_ids"
    return None


def tariff_link_problems(
    documents: Sequence[Document],
    published: PublishedTariffs,
    now: datetime,
    *,
    single: bool = False,
) -> list[Problem]:
    """One problem per ``tariff_ids`` entry that names no tariff in force of the Location's
    operation; path ``[i].evses[j].connectors[k].tariff_ids[m]``."""
    problems = []
    for index, document in enumerate(documents):
        key = LocationKey.of(document)
        owner = (key.country_code, key.party_id)
        ends = published.get(owner, {})
        path = _prefix(index, single)
        for e, evse in enumerate(evses_of(document)):
            for c, connector in enumerate(connectors_of(evse)):
                for m, tariff_id in enumerate(connector.get("tariff_ids") or []):
                    problem = _tariff_problem(str(tariff_id), f"{owner[0]}/{owner[1]}", ends, now)
                    if problem is not None:
                        where = _join(path, f"evses[{e}].connectors[{c}].tariff_ids[{m}]")
                        problems.append(Problem(where, problem))
    return problems


def connector_warnings(documents: Sequence[Document], problems: Sequence[Problem]) -> list[str]:
    """``--allow-unknown-tariffs``: one warning per connector instead of an error per entry."""
    by_connector: dict[str, list[str]] = {}
    for problem in problems:
        connector, _, _ = problem.path.rpartition(".tariff_ids")
        by_connector.setdefault(connector, []).append(problem.message)
    return [
        f"{connector}: {'; '.join(messages)} (imported anyway: its CDRs will be held until the"
        " tariff exists)"
        for connector, messages in by_connector.items()
    ]


def identity_problems(
    documents: Sequence[Document], stored: Sequence[StoredEvse], *, single: bool = False
) -> list[Problem]:
    """EVSE uids used by two Locations of the input, and uids or evse_ids already used by a
    stored Location that the input does not replace. (Twice in one Location, and one evse_id
    twice in the input, are the input rules' own problems: ``domain.location_rules``.)"""
    replaced = {LocationKey.of(d) for d in documents}
    uids: dict[str, tuple[int, str]] = {}
    evse_ids: dict[str, str] = {}
    for other in stored:
        if other.key in replaced:
            continue
        uids.setdefault(other.uid, (-1, f"stored Location {other.key}"))
        known = compact_evse_id(other.evse_id)
        if known is not None:
            evse_ids.setdefault(known, f"stored Location {other.key} (EVSE {other.uid})")
    problems = []
    for index, document in enumerate(documents):
        key = LocationKey.of(document)
        for e, evse in enumerate(evses_of(document)):
            here = _join(_prefix(index, single), f"evses[{e}]")
            uid = str(evse.get("uid"))
            first = uids.setdefault(uid, (index, f"{here} (Location {key})"))
            if first[0] != index:
                problems.append(
                    Problem(
                        f"{here}.uid",
                        f"EVSE uid {uid!r} is already used at {first[1]}: an EVSE uid is unique"
                        " within the platform",
                    )
                )
            compact = compact_evse_id(evse.get("evse_id"))
            if compact is not None and compact in evse_ids:
                problems.append(
                    Problem(
                        f"{here}.evse_id",
                        f"evse_id {evse.get('evse_id')!r} is already used at {evse_ids[compact]}:"
                        " an evse_id is unique within the platform",
                    )
                )
    return problems
