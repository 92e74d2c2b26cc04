"""eMI3 identifiers (eMI3 Part 2): Operator Ids such as ``FR*AB1``.

Gireve ties every CPO operation to one eMI3 Operator Id: 2-letter ISO country code, then 3
alphanumerics, written with or without the ``*`` separator (gireve.md §6.1, §6.2).
"""

from __future__ import annotations

import re
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
