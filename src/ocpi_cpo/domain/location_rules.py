"""The input checks every Location must pass before it is stored (Gireve rules on top of OCPI).

The wire model has already checked the OCPI types; these are the rules Gireve adds and the
identity rules of the platform (gireve.md §6, §7.1, §7.3, §19):

* ``country_code``/``party_id`` name an operation hosted here (its eMI3 Operator Id);
* ``owner.name`` and ``operator.name`` are present (Gireve uses the operator name as brand);
* every EVSE has ``capabilities`` (Gireve reads RFID / remote start capability there);
* every EVSE has an ``evse_id`` unless it is REMOVED, and that eMI3 id starts with the operation's
  Operator Id (``FR*AB1`` holds ``FR*AB1*E...`` or ``FRAB1E...`` only);
* every connector has ``tariff_ids``, equal across the connectors of an EVSE (Gireve keeps the
  first connector's);
* EVSE uids are unique within a Location, connector ids within an EVSE, Locations and evse_ids
  within one input.

Each broken rule is a :class:`~ocpi_cpo.domain.locations.Problem` naming its JSON path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ocpi_cpo.domain.emi3 import Emi3Error, EvseId, OperatorId, belongs_to_operation
from ocpi_cpo.domain.locations import (
    Document,
    LocationKey,
    Problem,
    connectors_of,
    evses_of,
)

REMOVED = "REMOVED"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _named(document: Document, field: str) -> bool:
    details = document.get(field)
    return isinstance(details, dict) and bool(str(details.get("name") or "").strip())


def location_problems(
    document: Document, operators: Iterable[OperatorId], path: str = ""
) -> list[Problem]:
    """Every rule one Location breaks; ``path`` is where it sits in the input (``[3]``)."""
    problems: list[Problem] = []
    key = LocationKey.of(document)
    operator = OperatorId(key.country_code, key.party_id)
    if operator not in set(operators):
        problems.append(
            Problem(
                _join(path, "party_id"),
                f"{key.country_code}/{key.party_id} is no operation of this platform: add"
                f" [[operations]] operator_id = '{operator}' to the settings, or use the"
                " country_code/party_id of a configured operation",
            )
        )
        operator_known = False
    else:
        operator_known = True
    for field, why in (("owner", "the land owner"), ("operator", "the brand shown to drivers")):
        if not _named(document, field):
            problems.append(
                Problem(
                    _join(path, f"{field}.name"),
                    f"required by Gireve ({why}): give {field} a name",
                )
            )
    problems += copied_field_problems(document, path)
    seen_uids: set[str] = set()
    for index, evse in enumerate(evses_of(document)):
        where = _join(path, f"evses[{index}]")
        uid = str(evse.get("uid"))
        if uid in seen_uids:
            problems.append(Problem(_join(where, "uid"), f"EVSE uid {uid!r} appears twice"))
        seen_uids.add(uid)
        problems += evse_problems(evse, operator if operator_known else None, where)
    return problems


#: Location fields copied into a CDR's ``cdr_location`` (mod_cdrs CdrLocation) and their limits
#: there, tighter than the Location's own (address is string(255) in a Location, 45 in a CDR)
CDR_LOCATION_LIMITS = (
    ("name", 255),
    ("address", 45),
    ("city", 45),
    ("postal_code", 10),
    ("state", 20),
)


def copied_field_problems(document: Document, path: str = "") -> list[Problem]:
    """A field that could not be copied whole into the CDRs of this Location's charges: refused
    here, at import, rather than by a strict hub with OCPI 2001 when the CDR is sent."""
    problems = []
    for field, limit in CDR_LOCATION_LIMITS:
        value = document.get(field)
        if isinstance(value, str) and len(value) > limit:
            problems.append(
                Problem(
                    _join(path, field),
                    f"{len(value)} characters: a CDR's cdr_location.{field} takes at most {limit}"
                    " (mod_cdrs CdrLocation): shorten it",
                )
            )
    return problems


def evse_problems(evse: Document, operator: OperatorId | None, path: str) -> list[Problem]:
    problems: list[Problem] = []
    if evse.get("capabilities") is None:
        problems.append(
            Problem(
                _join(path, "capabilities"),
                'required by Gireve: list what the EVSE supports, e.g. ["RFID_READER",'
                ' "REMOTE_START_STOP_CAPABLE"]',
            )
        )
    problems += _evse_id_problems(evse, operator, path)
    problems += _connector_problems(evse, path)
    return problems


def _evse_id_problems(evse: Document, operator: OperatorId | None, path: str) -> list[Problem]:
    where = _join(path, "evse_id")
    evse_id = evse.get("evse_id")
    if evse_id is None:
        if evse.get("status") == REMOVED:
            return []
        return [Problem(where, "required by Gireve unless the EVSE is REMOVED: give its eMI3 id")]
    try:
        parsed = EvseId.parse(str(evse_id))
    except Emi3Error as exc:
        return [Problem(where, str(exc))]
    if operator is not None and not belongs_to_operation(parsed, operator):
        return [
            Problem(
                where,
                f"{evse_id!r} does not start with the operation's Operator Id {operator}:"
                f" every evse_id of the operation starts with {operator} (e.g. {operator}*E1)",
            )
        ]
    return []


def _connector_problems(evse: Document, path: str) -> list[Problem]:
    problems: list[Problem] = []
    first: list[str] | None = None
    seen: set[str] = set()
    for index, connector in enumerate(connectors_of(evse)):
        where = _join(path, f"connectors[{index}]")
        connector_id = str(connector.get("id"))
        if connector_id in seen:
            problems.append(
                Problem(_join(where, "id"), f"connector id {connector_id!r} appears twice")
            )
        seen.add(connector_id)
        tariff_ids = connector.get("tariff_ids")
        if not tariff_ids:
            problems.append(
                Problem(
                    _join(where, "tariff_ids"),
                    "required by Gireve: give the connector its tariff ids (the EVSE's tariff group)",
                )
            )
            continue
        if first is None:
            first = list(tariff_ids)
        elif list(tariff_ids) != first:
            problems.append(
                Problem(
                    _join(where, "tariff_ids"),
                    f"{list(tariff_ids)} differs from the first connector's {first}: Gireve keeps"
                    " only the first connector's tariff_ids, so give every connector of an EVSE"
                    " the same",
                )
            )
    return problems


def input_problems(
    documents: Sequence[Document],
    operators: Iterable[OperatorId],
    *,
    single: bool = False,
    positions: Sequence[int] | None = None,
) -> list[Problem]:
    """Every rule a whole input breaks: each Location's, plus duplicates across the input.

    ``single``: the input is one Location (paths start at its fields), not an array (``[i]``).
    ``positions``: each document's index in the input when some were left out (``[i]`` paths).
    """
    operator_set = set(operators)
    problems: list[Problem] = []
    keys: dict[LocationKey, int] = {}
    evse_ids: dict[str, str] = {}
    for number, document in enumerate(documents):
        index = positions[number] if positions is not None else number
        path = "" if single else f"[{index}]"
        problems += location_problems(document, operator_set, path)
        key = LocationKey.of(document)
        if key in keys:
            problems.append(
                Problem(_join(path, "id"), f"Location {key} appears twice (first at [{keys[key]}])")
            )
        keys.setdefault(key, index)
        for evse_index, evse in enumerate(evses_of(document)):
            problems += _unique_evse_id(evse, evse_ids, _join(path, f"evses[{evse_index}].evse_id"))
    return problems


def _unique_evse_id(evse: Document, seen: dict[str, str], where: str) -> list[Problem]:
    evse_id = evse.get("evse_id")
    if evse_id is None:
        return []
    try:
        compact = EvseId.parse(str(evse_id)).compact
    except Emi3Error:
        return []  # reported by the EVSE's own checks
    if compact in seen:
        return [Problem(where, f"evse_id {evse_id!r} is already used at {seen[compact]}")]
    seen[compact] = where
    return []
