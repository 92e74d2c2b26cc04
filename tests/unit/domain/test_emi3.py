"""eMI3 Operator Ids and EVSE Ids (eMI3 Part 2, ISO 15118-2 Annex H, gireve.md §6.2)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpi_cpo.domain.emi3 import (
    EVSE_ID_MAX_LENGTH,
    Emi3Error,
    EvseId,
    OperatorId,
    belongs_to_operation,
    find_operation,
)

# -- table-driven cases ------------------------------------------------------------------------------

VALID_EVSE_IDS = [
    # text, canonical str(), compact
    ("FR*AB1*EABCDEFG*1", "FR*AB1*EABCDEFG*1", "FRAB1EABCDEFG1"),
    ("FRAB1EABCDEFG1", "FR*AB1*EABCDEFG1", "FRAB1EABCDEFG1"),
    ("fr*ab1*eabcdefg*1", "FR*AB1*EABCDEFG*1", "FRAB1EABCDEFG1"),
    ("DE*CPO*E1", "DE*CPO*E1", "DECPOE1"),
    ("DECPOE1", "DE*CPO*E1", "DECPOE1"),
    ("DE*CPOE1", "DE*CPO*E1", "DECPOE1"),  # each separator is optional on its own
    ("DECPO*E1", "DE*CPO*E1", "DECPOE1"),
    ("  DE*CPO*E1\n", "DE*CPO*E1", "DECPOE1"),  # surrounding whitespace, as OperatorId.parse
    ("DE*123*E12345*A", "DE*123*E12345*A", "DE123E12345A"),
    ("CH*ION*E213604", "CH*ION*E213604", "CHIONE213604"),
    ("FR*AB1*EE", "FR*AB1*EE", "FRAB1EE"),  # the outlet may itself start with E
    ("FR*AB1*E1*", "FR*AB1*E1*", "FRAB1E1"),  # ISO 15118-2 lets a separator close the outlet id
    ("FR*AB1*E" + "9" * 30, "FR*AB1*E" + "9" * 30, "FRAB1E" + "9" * 30),  # longest outlet id
    ("FR*AB1*E1" + "*2" * 14, "FR*AB1*E1" + "*2" * 14, "FRAB1E1" + "2" * 14),
]

INVALID_EVSE_IDS = [
    # text, words the message must contain
    ("", "empty"),
    ("   ", "empty"),
    ("FR-AB1-E1", "'-'"),
    ("FR*AB1*E1_2", "'_'"),
    ("FR*AB1*E1 2", "' '"),
    ("FR*AB1*E1ß", "'ß'"),  # "ß".upper() is "SS": checked before upper-casing
    ("FR*AB1*Eı", "'ı'"),  # dotless i upper-cases to ASCII I
    ("F1*AB1*E1", "country code"),
    ("1FAB1E1", "country code"),
    ("F", "country code"),
    ("FR", "Operator ID"),
    ("FR*A", "Operator ID"),
    ("FR**AB1*E1", "Operator ID"),
    ("FR*A*B*E1", "Operator ID"),
    ("FR*AB1", "ID Type 'E'"),
    ("FR*AB1*", "ID Type 'E'"),
    ("FR*AB1*P1", "ID Type 'E'"),  # a pool id, not an EVSE id
    ("FR*AB1*S1", "ID Type 'E'"),  # a station id
    ("FR*AB1**E1", "ID Type 'E'"),
    ("FR*AB1*E", "missing"),
    ("FR*AB1*E*1", "start with a letter or digit"),
    ("FR*AB1*E" + "9" * 31, "at most 30"),
    ("FR*AB1*E1" + "*2" * 15, "at most 30"),
    ("FR*AB1*E" + "9" * 41, "CiString(48)"),
]


@pytest.mark.parametrize(("text", "canonical", "compact"), VALID_EVSE_IDS)
def test_valid_evse_ids_parse_and_normalise(text: str, canonical: str, compact: str) -> None:
    evse = EvseId.parse(text)
    assert str(evse) == canonical
    assert evse.compact == compact
    assert EvseId.parse(canonical) == evse == EvseId.parse(compact)


@pytest.mark.parametrize(("text", "reason"), INVALID_EVSE_IDS)
def test_invalid_evse_ids_say_which_rule_is_broken(text: str, reason: str) -> None:
    with pytest.raises(Emi3Error) as caught:
        EvseId.parse(text)
    assert reason in str(caught.value)
    assert repr(text) in str(caught.value)


def test_evse_id_gives_its_operator() -> None:
    evse = EvseId.parse("fr*ab1*eabcdefg*1")
    assert evse.operator == OperatorId("FR", "AB1")
    assert evse.power_outlet_id == "ABCDEFG*1"


def test_evse_ids_differing_only_in_separators_are_one_key() -> None:
    assert len({EvseId.parse("FR*AB1*EABCDEFG*1"), EvseId.parse("FRAB1EABCDEFG1")}) == 1
    assert EvseId.parse("FR*AB1*E1") != EvseId.parse("FR*AB1*E2")
    assert EvseId.parse("FR*AB1*E1") != "FR*AB1*E1"


@pytest.mark.parametrize("outlet", ["", "a1", "*1", "1_2", "9" * 31])
def test_the_constructor_enforces_the_power_outlet_rules(outlet: str) -> None:
    with pytest.raises(Emi3Error):
        EvseId(OperatorId("FR", "AB1"), outlet)


def test_emi3_error_is_a_value_error() -> None:
    assert issubclass(Emi3Error, ValueError)


@pytest.mark.parametrize(
    ("evse_id", "operator", "expected"),
    [
        ("DE*CPO*E1", "DE*CPO", True),
        ("DECPOE1", "DE*CPO", True),
        ("DE*CPO*E1", "DECPO", True),
        ("de*cpo*e1", "DE*CPO", True),
        ("DE*CP1*E1", "DE*CPO", False),
        ("FR*CPO*E1", "DE*CPO", False),
        ("FR*AB1*EABCDEFG*1", "FR*AB1", True),
    ],
)
def test_belongs_to_operation(evse_id: str, operator: str, expected: bool) -> None:
    assert belongs_to_operation(evse_id, OperatorId.parse(operator)) is expected
    assert belongs_to_operation(EvseId.parse(evse_id), OperatorId.parse(operator)) is expected


def test_belongs_to_operation_refuses_a_malformed_evse_id_with_its_reason() -> None:
    with pytest.raises(Emi3Error, match="ID Type 'E'"):
        belongs_to_operation("DE*CPO*X1", OperatorId("DE", "CPO"))


def test_find_operation() -> None:
    operators = [OperatorId.parse(text) for text in ("FR*AB1", "DE*CPO", "FR*XY9")]
    assert find_operation("DECPOE12", operators) == OperatorId("DE", "CPO")
    assert find_operation(EvseId.parse("fr*xy9*e1"), operators) == OperatorId("FR", "XY9")
    assert find_operation("NL*CPO*E1", operators) is None
    assert find_operation("NL*CPO*E1", []) is None


def test_operator_id_is_unchanged() -> None:
    operator = OperatorId.parse(" fr*ab1 ")
    assert (str(operator), operator.compact) == ("FR*AB1", "FRAB1")
    assert OperatorId.parse("FRAB1") == operator
    with pytest.raises(Emi3Error, match="3 letters or digits"):
        OperatorId.parse("FR*AB")


# -- properties --------------------------------------------------------------------------------------

_letters = st.sampled_from(string.ascii_letters)
_alnum = st.sampled_from(string.ascii_letters + string.digits)
_separator = st.sampled_from(["", "*"])


@st.composite
def operator_texts(draw: st.DrawFn) -> str:
    """An Operator Id as someone may write it: any case, with or without ``*``."""
    country = draw(_letters) + draw(_letters)
    party = "".join(draw(st.lists(_alnum, min_size=3, max_size=3)))
    return country + draw(_separator) + party


@st.composite
def outlet_texts(draw: st.DrawFn) -> str:
    first = draw(_alnum)
    rest = draw(st.lists(st.sampled_from(string.ascii_letters + string.digits + "*"), max_size=29))
    return first + "".join(rest)


@st.composite
def evse_texts(draw: st.DrawFn) -> str:
    """A valid EVSE Id in any case, each separator present or not."""
    return (
        draw(operator_texts())
        + draw(_separator)
        + draw(st.sampled_from("Ee"))
        + draw(outlet_texts())
    )


def _written_operator(evse_text: str) -> str:
    country, rest = evse_text[:2], evse_text[2:]
    return country + rest.removeprefix("*")[:3]


@given(evse_texts())
def test_parse_of_str_is_identity(text: str) -> None:
    evse = EvseId.parse(text)
    assert EvseId.parse(str(evse)) == evse
    assert str(EvseId.parse(str(evse))) == str(evse)
    assert str(evse) == str(evse).upper()
    assert len(str(evse)) <= EVSE_ID_MAX_LENGTH


@given(evse_texts())
def test_compact_round_trip(text: str) -> None:
    evse = EvseId.parse(text)
    again = EvseId.parse(evse.compact)
    assert again == evse
    assert hash(again) == hash(evse)
    assert again.compact == evse.compact
    assert "*" not in evse.compact


@given(operator_texts(), outlet_texts())
def test_both_forms_normalise_to_the_same_value(operator: str, outlet: str) -> None:
    country, party = operator[:2], operator[-3:]
    separated = EvseId.parse(f"{country}*{party}*E{outlet}")
    compact = EvseId.parse(f"{country}{party}E{outlet.replace('*', '')}")
    assert separated == compact
    assert separated.compact == compact.compact
    assert EvseId.parse(str(separated).lower()) == separated


@given(evse_texts(), st.one_of(operator_texts(), st.just("")))
def test_belongs_to_is_the_prefix_rule(text: str, operator_text: str) -> None:
    # an empty draw stands for the evse_id's own Operator Id, read from the text without EvseId
    operator = OperatorId.parse(operator_text or _written_operator(text))
    evse_upper = text.strip().upper()
    by_prefix = evse_upper.startswith(str(operator)) or evse_upper.startswith(operator.compact)
    assert belongs_to_operation(text, operator) is by_prefix
    found = find_operation(text, [operator])
    assert (found == operator) is by_prefix
    assert (found is None) is not by_prefix


@given(evse_texts(), st.lists(operator_texts().map(OperatorId.parse), max_size=5))
def test_find_operation_returns_an_operation_the_evse_belongs_to(
    text: str, operators: list[OperatorId]
) -> None:
    own = EvseId.parse(text).operator
    for candidates in (operators, [*operators, own]):
        found = find_operation(text, candidates)
        if found is None:
            assert not any(belongs_to_operation(text, operator) for operator in candidates)
        else:
            assert found == own
            assert belongs_to_operation(text, found)


@given(evse_texts(), st.integers(min_value=0, max_value=60), st.sampled_from("-_ .#/é+ßı"))
def test_a_foreign_character_anywhere_is_refused(text: str, position: int, char: str) -> None:
    spoiled = text[:position] + char + text[position:]
    if spoiled.strip() != spoiled:  # a leading or trailing space is stripped, not refused
        spoiled = spoiled.strip() + "_"
    with pytest.raises(Emi3Error, match="not allowed"):
        EvseId.parse(spoiled)
