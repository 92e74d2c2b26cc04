"""Gireve's RFID UID format (gireve.md §8.4): 8 or 14 upper-case hex digits, zero-padded on the left."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpi_cpo.domain.tokens import (
    RFID_UID_4_BYTES,
    RFID_UID_7_BYTES,
    TokenUidError,
    normalise_rfid_uid,
)

VALID_UIDS = [
    # text, Gireve form
    ("04A23BC15D802F", "04A23BC15D802F"),  # 7 bytes, already canonical
    ("04a23bc15d802f", "04A23BC15D802F"),  # not case-sensitive; upper case recommended
    ("A23BC15D", "A23BC15D"),  # 4 bytes
    ("a23bc15d", "A23BC15D"),
    ("23BC15D", "023BC15D"),  # leading zero lost: left-pad to 8
    ("1", "00000001"),
    ("0", "00000000"),
    ("4A23BC15D802F", "04A23BC15D802F"),  # 13 digits: a 7-byte UID, pad to 14
    ("123456789", "00000123456789"),  # 9 digits cannot be 4 bytes: pad to 14
    ("  04A23BC1\t", "04A23BC1"),  # surrounding whitespace
    ("04:A2:3B:C1", "04A23BC1"),  # byte separators as readers print them
    ("04-a2-3b-c1-5d-80-2f", "04A23BC15D802F"),
    ("04 A2 3B C1 5D 80 2F", "04A23BC15D802F"),
    (" 04 A2 3B C1 ", "04A23BC1"),
    ("00:00:01", "00000001"),
]

INVALID_UIDS = [
    # text, words the message must contain
    ("", "empty"),
    ("   ", "empty"),
    ("04A23BC15D802G", "'G'"),
    ("0x04A23BC1", "'x'"),
    ("04A2_3BC1", "'_'"),
    ("04A2.3BC1", "'.'"),
    ("٠٤A23BC1", "'٠'"),  # Arabic-Indic digits are digits to int() but not hex digits here
    ("04A23BC15D802F00", "16 hex digits"),  # 8 bytes
    ("04A23BC15D802F0", "15 hex digits"),
    ("04A23BC15D802F0011223344", "at most 14"),  # 10-byte (triple size) UID
    ("04:A2:3B:C", "whole bytes"),
    ("4:A2:3B:C1", "whole bytes"),
    ("04A2:3BC1", "whole bytes"),
    ("04::A2", "whole bytes"),
    ("04:A2-3B:C1", "mixes separators"),
    ("04 A2:3B C1", "mixes separators"),
    ("04:A2:3B:C1:5D:80:2F:11", "16 hex digits"),
    ("04:G2", "'G'"),
]


@pytest.mark.parametrize(("text", "expected"), VALID_UIDS)
def test_valid_uids_are_normalised(text: str, expected: str) -> None:
    assert normalise_rfid_uid(text) == expected


@pytest.mark.parametrize(("text", "reason"), INVALID_UIDS)
def test_invalid_uids_say_why(text: str, reason: str) -> None:
    with pytest.raises(TokenUidError) as caught:
        normalise_rfid_uid(text)
    assert reason in str(caught.value)
    assert repr(text) in str(caught.value)


def test_token_uid_error_is_a_value_error() -> None:
    assert issubclass(TokenUidError, ValueError)


# -- properties --------------------------------------------------------------------------------------

_hex = st.text(alphabet=string.hexdigits, min_size=1, max_size=RFID_UID_7_BYTES)
_anything = st.text(max_size=30)


def _is_gireve_form(uid: str) -> bool:
    return len(uid) in (RFID_UID_4_BYTES, RFID_UID_7_BYTES) and all(
        c in "0123456789ABCDEF" for c in uid
    )


@given(_hex)
def test_any_hex_string_up_to_14_digits_becomes_8_or_14_upper_case_hex(text: str) -> None:
    uid = normalise_rfid_uid(text)
    assert _is_gireve_form(uid)
    assert len(uid) == (RFID_UID_4_BYTES if len(text) <= RFID_UID_4_BYTES else RFID_UID_7_BYTES)
    assert int(uid, 16) == int(text, 16)  # padding and case never change the value
    assert uid.endswith(text.upper())


@given(_anything)
def test_normalisation_is_idempotent_and_only_yields_gireve_form(text: str) -> None:
    try:
        uid = normalise_rfid_uid(text)
    except TokenUidError:
        return  # the tables above check what the messages say
    assert _is_gireve_form(uid)
    assert normalise_rfid_uid(uid) == uid


@given(st.binary(min_size=1, max_size=7), st.sampled_from([":", "-", " "]), st.booleans())
def test_bytes_with_or_without_separators_give_the_same_uid(
    uid: bytes, separator: str, lower: bool
) -> None:
    plain = uid.hex().upper()
    spaced = separator.join(f"{byte:02x}" if lower else f"{byte:02X}" for byte in uid)
    assert normalise_rfid_uid(spaced) == normalise_rfid_uid(plain)
    assert normalise_rfid_uid(plain) == plain.zfill(
        RFID_UID_4_BYTES if len(uid) <= 4 else RFID_UID_7_BYTES
    )


@given(st.text(alphabet=string.hexdigits, min_size=RFID_UID_7_BYTES + 1, max_size=40))
def test_more_than_14_hex_digits_is_refused(text: str) -> None:
    with pytest.raises(TokenUidError, match="at most 14 hex digits"):
        normalise_rfid_uid(text)


@given(_hex, st.integers(min_value=0, max_value=14), st.sampled_from("gGxZ_.#+éß٠"))
def test_a_non_hex_character_is_refused(text: str, position: int, char: str) -> None:
    with pytest.raises(TokenUidError, match="not a hex string"):
        normalise_rfid_uid(text[:position] + char + text[position:])
