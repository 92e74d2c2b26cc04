"""Every input rule (gireve.md §6, §7.1, §7.3) with a failing example naming its JSON path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ocpi_cpo.domain.emi3 import OperatorId
from ocpi_cpo.domain.location_rules import input_problems
from tests.support.locations import make_location

OPERATORS = [OperatorId.parse("FR*AB1"), OperatorId.parse("FR*AB2")]


def paths(documents: list[dict[str, Any]], *, single: bool = False) -> list[str]:
    return [p.path for p in input_problems(documents, OPERATORS, single=single)]


def test_a_valid_location_passes() -> None:
    assert paths([make_location(1), make_location(2, "FR*AB2")]) == []


def _drop(*keys: str | int) -> Callable[[dict[str, Any]], None]:
    def change(location: dict[str, Any]) -> None:
        target: Any = location
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def _set(value: Any, *keys: str | int) -> Callable[[dict[str, Any]], None]:
    def change(location: dict[str, Any]) -> None:
        target: Any = location
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "path", "says"),
    [
        (_drop("owner"), "[0].owner.name", "owner a name"),
        (_set({"name": " "}, "owner"), "[0].owner.name", "owner a name"),
        (_drop("operator"), "[0].operator.name", "operator a name"),
        (_drop("evses", 1, "capabilities"), "[0].evses[1].capabilities", "RFID_READER"),
        (_drop("evses", 0, "evse_id"), "[0].evses[0].evse_id", "unless the EVSE is REMOVED"),
        (_set("FR*XY9*E1", "evses", 0, "evse_id"), "[0].evses[0].evse_id", "FR*AB1"),
        (_set("FRAB1X1", "evses", 0, "evse_id"), "[0].evses[0].evse_id", "ID Type 'E'"),
        (
            _drop("evses", 0, "connectors", 1, "tariff_ids"),
            "[0].evses[0].connectors[1].tariff_ids",
            "tariff ids",
        ),
        (
            _set([], "evses", 0, "connectors", 0, "tariff_ids"),
            "[0].evses[0].connectors[0].tariff_ids",
            "tariff ids",
        ),
        (
            _set(["OTHER"], "evses", 1, "connectors", 1, "tariff_ids"),
            "[0].evses[1].connectors[1].tariff_ids",
            "first connector's ['AC22']",
        ),
        (_set("E1-1", "evses", 1, "uid"), "[0].evses[1].uid", "appears twice"),
        (_set("1", "evses", 0, "connectors", 1, "id"), "[0].evses[0].connectors[1].id", "twice"),
        (_set("ZZ9", "party_id"), "[0].party_id", "no operation of this platform"),
    ],
)
def test_each_rule_names_its_path(
    change: Callable[[dict[str, Any]], None], path: str, says: str
) -> None:
    location = make_location(1)
    change(location)
    problems = input_problems([location], OPERATORS)
    assert [p.path for p in problems] == [path]
    assert says in problems[0].message


def test_a_removed_evse_needs_no_evse_id() -> None:
    location = make_location(1)
    del location["evses"][0]["evse_id"]
    location["evses"][0]["status"] = "REMOVED"
    assert paths([location]) == []


def test_evse_id_without_separators_belongs_to_the_operation() -> None:
    location = make_location(1)
    location["evses"][0]["evse_id"] = "FRAB1E77"
    assert paths([location]) == []


def test_another_operation_s_prefix_is_refused() -> None:
    location = make_location(1)
    location["evses"][0]["evse_id"] = "FR*AB2*E1"
    assert paths([location]) == ["[0].evses[0].evse_id"]


def test_duplicates_across_the_input() -> None:
    first, again = make_location(1), make_location(1)
    again["evses"] = [again["evses"][0]]
    again["evses"][0]["evse_id"] = "FR*AB1*E999"
    other = make_location(2)
    other["evses"][0]["evse_id"] = "fr*ab1*e1n1"  # the same EVSE as LOC1's first, case aside
    assert paths([first, again, other]) == ["[1].id", "[2].evses[0].evse_id"]


def test_every_problem_is_listed_and_paths_of_one_object_start_at_its_fields() -> None:
    location = make_location(1)
    del location["owner"], location["operator"]
    location["evses"][1]["evse_id"] = "BE*BEC*E1"
    assert paths([location], single=True) == ["owner.name", "operator.name", "evses[1].evse_id"]


@pytest.mark.parametrize(
    ("field", "length", "limit"),
    [("address", 46, 45), ("city", 46, 45), ("postal_code", 11, 10), ("state", 21, 20)],
)
def test_a_field_a_cdr_could_not_carry_is_refused_at_import(
    field: str, length: int, limit: int
) -> None:
    location = make_location(1)
    location[field] = "x" * length
    problems = input_problems([location, make_location(2)], [OperatorId.parse("FR*AB1")])
    [problem] = [p for p in problems if p.path == f"[0].{field}"]
    assert f"cdr_location.{field} takes at most {limit}" in problem.message
    location[field] = "x" * limit
    assert not [p for p in input_problems([location], [OperatorId.parse("FR*AB1")], single=True)
                if field in p.path]  # fmt: skip
