"""CiString is printable ASCII (0x20-0x7e), String has no control characters: each checked the
same whatever the field (transport_and_format, types)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from ocpi_cpo.ocpi.v2_2_1.types import CiString36, String45

CI = TypeAdapter(CiString36)
TEXT = TypeAdapter(String45)


@pytest.mark.parametrize("value", ["", "FR*AB1*E1", " ~", "a-b_c.d"])
def test_ci_string_takes_printable_ascii(value: str) -> None:
    assert CI.validate_python(value) == value


@pytest.mark.parametrize("value", ["FR\n", "é", "tab\there", "\x7f", "\x1f", "nul\x00"])
def test_ci_string_refuses_anything_else(value: str) -> None:
    # "FR\n" too: a regex ending in $ took a trailing newline
    with pytest.raises(ValidationError, match="printable ASCII"):
        CI.validate_python(value)


@pytest.mark.parametrize("value", ["Ville de Paris", "Château", "", "emoji 🚗"])
def test_string_takes_text(value: str) -> None:
    assert TEXT.validate_python(value) == value


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\tb"])
def test_string_refuses_control_characters(value: str) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        TEXT.validate_python(value)
