"""Reading the Authorization header: Base64 first (OCPI 2.2.1), raw as a fallback (older peers)."""

from __future__ import annotations

import base64

import pytest

from ocpi_cpo.ocpi.auth import token_candidates
from ocpi_cpo.ocpi.errors import Unauthorized


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Token {b64('abc-123')}", ["abc-123", b64("abc-123")]),
        (f"token {b64('abc-123')}", ["abc-123", b64("abc-123")]),
        (f"Token   {b64('abc-123')}  ", ["abc-123", b64("abc-123")]),
        ("Token raw_token!", ["raw_token!"]),
        ("Token abcd", ["abcd"]),  # decodes to bytes that are not printable: raw only
    ],
)
def test_candidates(header: str, expected: list[str]) -> None:
    assert token_candidates(header) == expected


@pytest.mark.parametrize("header", [None, "", "Token", "Token  ", "Bearer x", "Basic dXNlcjpwdw=="])
def test_refused(header: str | None) -> None:
    with pytest.raises(Unauthorized, match="Authorization header"):
        token_candidates(header)
