"""eMI3 identifiers (eMI3 Part 2): Operator Ids such as ``FR*AB1``, EVSE Ids such as ``FR*AB1*E1``.

Gireve ties every CPO operation to one eMI3 Operator Id: 2-letter ISO country code, then 3
alphanumerics, written with or without the ``*`` separator (gireve.md §6.1, §6.2). Every evse_id of
the operation starts with that Operator Id (gireve.md §6.2); :func:`belongs_to_operation` and
:func:`find_operation` apply that rule.

Errors: ``ValueError`` > :class:`Emi3Error`, whose message names the broken rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_OPERATOR_ID = re.compile(r"^([A-Za-z]{2})\*?([A-Za-z0-9]{3})$")


class Emi3Error(ValueError):
    """An identifier that does not follow eMI3 Part 2; the message says why."""


@dataclass(frozen=True, slots=True)
class OperatorId:
    """An eMI3 Operator Id; ``country_code``/``party_id`` are the OCPI party of the operation."""

    country_code: str
    party_id: str

    @classmethod
    def parse(cls, text: str) -> OperatorId:
        match = _OPERATOR_ID.match(text.strip())
        if match is None:
            raise Emi3Error(
                f"{text!r} is not an eMI3 Operator Id: expected 2 letters (country), an optional '*',"
                " then 3 letters or digits, such as FR*AB1"
            )
        return cls(match.group(1).upper(), match.group(2).upper())

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id}"

    @property
    def compact(self) -> str:
        """The form without separator, e.g. ``FRAB1``."""
        return f"{self.country_code}{self.party_id}"


# OCPI 2.2.1 types EVSE.evse_id as CiString(48); the eMI3 limits below keep us far inside it.
EVSE_ID_MAX_LENGTH = 48
#: eMI3 Part 2 and the ID registration offices (BDEW, IDACS): the power outlet id is 1 to 30 characters
POWER_OUTLET_ID_MAX_LENGTH = 30
_SEPARATOR = "*"
_ID_TYPE_EVSE = "E"
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_ALNUM = _ASCII_LETTERS | frozenset("0123456789")
_POWER_OUTLET_CHARS = _ASCII_ALNUM | {_SEPARATOR}
_ANY_CASE_CHARS = _POWER_OUTLET_CHARS | frozenset("abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True, eq=False)
class EvseId:
    """An eMI3 / ISO 15118-2 EVSE Id such as ``FR*AB1*EABCDEFG*1`` (``FRAB1EABCDEFG1`` without separators).

    Syntax (ISO 15118-2 Annex H, eMI3 standard V1.0 Part 2; gireve.md §6.2)::

        <Country Code> <S> <Operator ID> <S> <ID Type> <Power Outlet ID>
        Country Code    = 2 letters (ISO 3166-1 alpha-2)
        Operator ID     = 3 letters or digits
        ID Type         = "E" (an EVSE)
        Power Outlet ID = 1 to 30 letters, digits or "*", starting with a letter or digit
        S               = optional "*"

    The id is case-insensitive and ``*`` is only a separator, so two ids that differ in case or in
    separators name the same EVSE: equality and hashing use :attr:`compact`. ``str()`` gives the
    canonical form, upper case with both separators and the power outlet id's own ``*`` kept as written
    (``FR*AB1*EABCDEFG*1``), which is what we publish as ``evse_id``; key storage on ``compact``.
    """

    operator: OperatorId
    #: upper case, as written by the operator: may hold ``*`` between groups (``ABCDEFG*1``)
    power_outlet_id: str

    def __post_init__(self) -> None:
        _check_power_outlet_id(self.power_outlet_id, self.power_outlet_id)

    @classmethod
    def parse(cls, text: str) -> EvseId:
        """Read an EVSE Id in either form, any case; raise :class:`Emi3Error` naming the broken rule."""
        stripped = text.strip()
        _check_characters(text, stripped)
        value = (
            stripped.upper()
        )  # after the check: str.upper() maps some non-ASCII letters to ASCII
        if len(value) > EVSE_ID_MAX_LENGTH:
            raise Emi3Error(
                f"{text!r} is {len(value)} characters long; an OCPI evse_id is at most"
                f" {EVSE_ID_MAX_LENGTH} (CiString(48))"
            )
        country, rest = value[:2], _drop_separator(value[2:])
        if len(country) < 2 or not set(country) <= _ASCII_LETTERS:
            raise Emi3Error(
                f"{text!r} is not an eMI3 EVSE Id: it must start with a 2-letter country code"
                " (ISO 3166-1 alpha-2), such as FR in FR*AB1*E1"
            )
        party, rest = rest[:3], _drop_separator(rest[3:])
        if len(party) < 3 or not set(party) <= _ASCII_ALNUM:
            raise Emi3Error(
                f"{text!r} is not an eMI3 EVSE Id: the Operator ID after the country code must be"
                " 3 letters or digits, such as AB1 in FR*AB1*E1"
            )
        if not rest.startswith(_ID_TYPE_EVSE):
            found = repr(rest[0]) if rest else "nothing"
            raise Emi3Error(
                f"{text!r} is not an eMI3 EVSE Id: the EVSE part after the Operator Id must start with"
                f" the ID Type 'E' (found {found}), such as FR*AB1*E1"
            )
        _check_power_outlet_id(text, rest[1:])
        return cls(OperatorId(country, party), rest[1:])

    def __str__(self) -> str:
        return f"{self.operator}{_SEPARATOR}{_ID_TYPE_EVSE}{self.power_outlet_id}"

    @property
    def compact(self) -> str:
        """The form without any separator, e.g. ``FRAB1EABCDEFG1``; the identity of the EVSE."""
        outlet = self.power_outlet_id.replace(_SEPARATOR, "")
        return f"{self.operator.compact}{_ID_TYPE_EVSE}{outlet}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EvseId):
            return NotImplemented
        return self.compact == other.compact

    def __hash__(self) -> int:
        return hash(self.compact)


def _drop_separator(text: str) -> str:
    return text[1:] if text.startswith(_SEPARATOR) else text


def _check_characters(text: str, stripped: str) -> None:
    if not stripped:
        raise Emi3Error(f"{text!r} is not an eMI3 EVSE Id: it is empty; expected such as FR*AB1*E1")
    for position, char in enumerate(stripped, start=1):
        if char not in _ANY_CASE_CHARS:
            raise Emi3Error(
                f"{text!r} is not an eMI3 EVSE Id: character {char!r} at position {position} is not"
                " allowed; use only letters A-Z, digits 0-9 and the separator '*'"
            )


def _check_power_outlet_id(text: str, outlet: str) -> None:
    """ISO 15118-2 Annex H: (ALPHA / DIGIT) then ALPHA / DIGIT / S; eMI3 Part 2: at most 30."""
    if not outlet:
        raise Emi3Error(
            f"{text!r} is not an eMI3 EVSE Id: the power outlet id after 'E' is missing, such as 1 in FR*AB1*E1"
        )
    if not set(outlet) <= _POWER_OUTLET_CHARS:
        raise Emi3Error(
            f"{text!r} is not an eMI3 power outlet id: use only upper-case letters A-Z, digits 0-9 and '*'"
        )
    if outlet[0] not in _ASCII_ALNUM:
        raise Emi3Error(
            f"{text!r} is not an eMI3 EVSE Id: the power outlet id after 'E' must start with a letter or"
            f" digit, not {outlet[0]!r}"
        )
    if len(outlet) > POWER_OUTLET_ID_MAX_LENGTH:
        raise Emi3Error(
            f"{text!r} is not an eMI3 EVSE Id: the power outlet id after 'E' is {len(outlet)} characters"
            f" long; eMI3 allows at most {POWER_OUTLET_ID_MAX_LENGTH}"
        )


def belongs_to_operation(evse_id: EvseId | str, operator: OperatorId) -> bool:
    """Whether an EVSE may be published by the operation whose eMI3 Operator Id is ``operator``.

    Gireve (gireve.md §6.2): every evse_id of an operation starts with its Operator Id, with or
    without ``*`` (a ``DE*CPO`` operation holds only evse_ids starting ``DE*CPO`` or ``DECPO``), case
    aside. A string is parsed first, so a malformed evse_id raises :class:`Emi3Error` with its reason
    rather than answering False.
    """
    evse = evse_id if isinstance(evse_id, EvseId) else EvseId.parse(evse_id)
    return evse.operator == operator


def find_operation(evse_id: EvseId | str, operators: Iterable[OperatorId]) -> OperatorId | None:
    """The first of ``operators`` the EVSE belongs to (see :func:`belongs_to_operation`), else None.

    Mixing Operator Ids inside one operation is forbidden (gireve.md §6.2), so an EVSE matches at most
    one distinct Operator Id; None means no operation hosted here may publish it.
    """
    evse = evse_id if isinstance(evse_id, EvseId) else EvseId.parse(evse_id)
    return next((operator for operator in operators if evse.operator == operator), None)
