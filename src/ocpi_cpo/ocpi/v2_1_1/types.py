"""OCPI 2.1.1 types (types.md 2.1.1): the same strings, numbers and dates as 2.2.1, plus the
plain ``string(n)`` lengths 2.1.1 uses where 2.2.1 has CiString."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

String36 = Annotated[str, StringConstraints(max_length=36)]
String39 = Annotated[str, StringConstraints(max_length=39)]
String48 = Annotated[str, StringConstraints(max_length=48)]
