"""Tokens: the RFID UID format Gireve accepts (gireve.md §8.4).

Gireve (integration_guidelines.md §RFID Tokens, OCPI 2.1.1 and 2.2.1 guides): an RFID token ``uid`` is
the hex string of the 4- or 7-byte MIFARE UID (7 bytes preferred), not case-sensitive but upper case
recommended, left-padded with zeros to 8 or 14 characters, lowest address byte first. The IOP rejects a
request whose RFID UID is badly formatted, so we normalise every UID before it leaves the platform.

What :func:`normalise_rfid_uid` accepts beyond the canonical form, and why:

* Surrounding whitespace is dropped: it is never part of a hex string, and it comes with copy/paste,
  CSV imports and badge-reader terminals.
* Lower-case hex digits are upper-cased: Gireve says the UID is not case-sensitive.
* One separator (``:``, ``-`` or a space) between bytes is dropped, as in ``04:A2:3B:C1``: readers,
  phone NFC apps and datasheets print UIDs byte by byte. Only whole bytes are accepted (every group
  exactly 2 hex digits, one kind of separator), so dropping them can never lose or shift a digit.
* Fewer digits than 8 or 14 are left-padded with zeros, as Gireve prescribes: up to 8 digits are a
  4-byte UID; 9 to 13 digits cannot be a 4-byte UID, so they are a 7-byte UID whose leading zeros were
  lost (a spreadsheet reading the UID as a number does that) and are padded to 14.

The byte order (lowest address byte first) cannot be checked from the string; the charge point
integration reading the badge must deliver the UID in that order.

Errors: ``ValueError`` > :class:`TokenUidError`, whose message says what is wrong.
"""

from __future__ import annotations

#: hex digits of a 4-byte (single size) MIFARE UID
RFID_UID_4_BYTES = 8
#: hex digits of a 7-byte (double size) MIFARE UID, Gireve's preferred size
RFID_UID_7_BYTES = 14
_HEX_DIGITS = frozenset("0123456789ABCDEFabcdef")
_BYTE_SEPARATORS = (":", "-", " ")
_EXAMPLE = "such as 04A23BC15D802F (7 bytes) or 04A23BC1 (4 bytes)"


class TokenUidError(ValueError):
    """A token uid Gireve would reject; the message says why and what is expected."""


def normalise_rfid_uid(text: str) -> str:
    """The Gireve form of an RFID UID: 8 or 14 upper-case hex digits (gireve.md §8.4).

    Raise :class:`TokenUidError` for an empty UID, a character that is not a hex digit, separators
    that do not split whole bytes, or more than 14 hex digits (a UID longer than 7 bytes).
    """
    digits = _join_bytes(text, text.strip())
    if not digits:
        raise TokenUidError(
            f"RFID UID {text!r} is empty; expected the hex string of the UID, {_EXAMPLE}"
        )
    for position, char in enumerate(digits, start=1):
        if char not in _HEX_DIGITS:
            raise TokenUidError(
                f"RFID UID {text!r} is not a hex string: {char!r} (hex digit {position}) is not 0-9 or A-F;"
                f" expected {_EXAMPLE}"
            )
    if len(digits) > RFID_UID_7_BYTES:
        raise TokenUidError(
            f"RFID UID {text!r} has {len(digits)} hex digits; Gireve takes 4- or 7-byte UIDs, at most"
            f" {RFID_UID_7_BYTES} hex digits"
        )
    width = RFID_UID_4_BYTES if len(digits) <= RFID_UID_4_BYTES else RFID_UID_7_BYTES
    return digits.upper().zfill(width)


def _join_bytes(text: str, stripped: str) -> str:
    """Drop byte separators, accepting them only between whole bytes (``04:A2:3B:C1``)."""
    used = [separator for separator in _BYTE_SEPARATORS if separator in stripped]
    if not used:
        return stripped
    if len(used) > 1:
        raise TokenUidError(
            f"RFID UID {text!r} mixes separators {' and '.join(map(repr, used))}; write the hex digits"
            f" without separators, {_EXAMPLE}"
        )
    groups = stripped.split(used[0])
    if any(len(group) != 2 for group in groups):
        raise TokenUidError(
            f"RFID UID {text!r} has separators that do not split it into whole bytes of 2 hex digits;"
            f" write it as 04:A2:3B:C1 or without separators, {_EXAMPLE}"
        )
    return "".join(groups)
