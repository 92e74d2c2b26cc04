"""OCPI-to per module from the partner's roles, never simply roles[0] (issue 16 item 6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpi_cpo.domain.partners import Partner, PartnerState, PartyRole, roles_problem
from ocpi_cpo.services.delivery import recipient, routing_for


def partner(*roles: PartyRole) -> Partner:
    return Partner(
        1,
        "p",
        "ocpi-2.2.1",
        PartnerState.REGISTERED,
        None,
        None,
        "2.2.1",
        [],
        list(roles),
        "t",
        datetime.now(UTC),
        None,
        None,
    )


HUB = PartyRole("HUB", "FR", "107")
EMSP_A = PartyRole("EMSP", "DE", "AAA")
EMSP_B = PartyRole("EMSP", "DE", "BBB")
NSP = PartyRole("NSP", "NL", "NSP")
CPO = PartyRole("CPO", "FR", "XYZ")


@pytest.mark.parametrize(
    ("roles", "to_party", "expected"),
    [
        ((HUB,), None, HUB),
        ((EMSP_A, HUB), None, HUB),  # a hub dispatches everything, whatever comes first
        ((EMSP_A, HUB), ("DE", "AAA"), HUB),
        ((EMSP_A, EMSP_B), ("DE", "BBB"), EMSP_B),  # the eMSP whose token it is
        ((EMSP_A, EMSP_B), ("de", "bbb"), EMSP_B),
        ((CPO, EMSP_A), None, EMSP_A),  # Locations, Tariffs: not the partner's CPO role
        ((CPO, NSP), None, NSP),
        ((NSP, EMSP_A), None, EMSP_A),
        ((EMSP_A, EMSP_B), ("DE", "ZZZ"), EMSP_A),
        ((CPO,), None, CPO),
        ((), None, None),
    ],
)
def test_recipient(
    roles: tuple[PartyRole, ...], to_party: tuple[str, str] | None, expected: PartyRole | None
) -> None:
    assert recipient(partner(*roles), to_party) == expected


def test_routing_headers_from_our_party_to_the_chosen_role() -> None:
    routing = routing_for(partner(CPO, EMSP_A, EMSP_B), "FR", "AB1", to_party=("DE", "BBB"))
    assert (routing.from_country_code, routing.from_party_id) == ("FR", "AB1")
    assert (routing.to_country_code, routing.to_party_id) == ("DE", "BBB")


def test_roles_that_receive_nothing_we_send() -> None:
    assert roles_problem([HUB]) is None
    assert roles_problem([CPO, EMSP_A]) is None
    assert roles_problem([NSP]) is None
    problem = roles_problem([CPO])
    assert problem is not None and "CPO FR/XYZ" in problem and "HUB, EMSP or NSP" in problem
    assert "no role" in (roles_problem([]) or "")
