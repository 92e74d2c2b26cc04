"""Choosing the OCPI version with a partner: the highest both sides offer, compared as numbers."""

from __future__ import annotations

import pytest

from ocpi_cpo.ocpi.versions import highest_common, order_key


@pytest.mark.parametrize(
    ("ours", "offered", "chosen"),
    [
        (["2.2.1", "2.1.1"], ["2.1.1", "2.2.1", "2.2"], "2.2.1"),
        (["2.2.1", "2.1.1"], ["2.0", "2.1.1"], "2.1.1"),
        (["2.1.1"], ["2.1.1", "2.2.1"], "2.1.1"),
        (["2.2.1"], ["2.1.1"], None),
        (["2.10.1", "2.9.9"], ["2.9.9", "2.10.1"], "2.10.1"),
    ],
)
def test_the_highest_common_version_is_chosen(
    ours: list[str], offered: list[str], chosen: str | None
) -> None:
    assert highest_common(ours, offered) == chosen


def test_versions_compare_as_numbers() -> None:
    assert order_key("2.10") > order_key("2.9.9")
