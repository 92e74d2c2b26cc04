"""Error answers of every functional OCPI module carry the request's routing headers swapped
(transport_and_format §"Routing headers"); configuration modules carry none."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import registered
from tests.integration.security.test_authorization_matrix import (
    CONFIG,
    FUNCTIONAL,
    MATRIX,
    concrete,
)

ROUTING = {
    "OCPI-from-country-code": "NL",
    "OCPI-from-party-id": "EMS",
    "OCPI-to-country-code": "FR",
    "OCPI-to-party-id": "AB1",
}
SWAPPED = {
    "OCPI-from-country-code": "FR",
    "OCPI-from-party-id": "AB1",
    "OCPI-to-country-code": "NL",
    "OCPI-to-party-id": "EMS",
}
CONFIGURATION = ("/versions", "/credentials", "/hubclientinfo")


def _routing_of(response: httpx.Response) -> dict[str, str]:
    return {k: response.headers[k] for k in SWAPPED if k in response.headers}


async def test_every_error_answer_swaps_the_routing_headers(network: Network) -> None:
    token = await registered(network)
    wrong: list[str] = []
    for (method, path), kind in sorted(MATRIX.items()):
        if not path.startswith("/ocpi/"):
            continue
        expected = {} if kind == CONFIG or any(m in path for m in CONFIGURATION) else SWAPPED
        body: Any = {"not": "what the route takes"} if method in ("POST", "PUT", "PATCH") else None
        attempts = {
            "unknown token": {**auth("never-issued"), **ROUTING},
            "bad request": {**auth(token), **ROUTING},
        }
        for name, headers in attempts.items():
            url = concrete(path) + ("?date_from=yesterday" if method == "GET" else "")
            response = await network.client.request(method, url, headers=headers, json=body)
            if response.status_code == 200 and response.json()["status_code"] == 1000:
                continue  # not an error answer (a route that takes anything)
            if _routing_of(response) != expected:
                wrong.append(
                    f"{method} {path} ({name}, {response.status_code}): {response.headers}"
                )
    assert wrong == [], "\n".join(wrong)


async def test_no_routing_headers_without_routing_headers(network: Network) -> None:
    token = await registered(network)
    response = await network.client.get("/ocpi/2.2.1/sessions/NOPE", headers=auth(token))
    assert response.status_code == 404
    assert _routing_of(response) == {}
    with_them = await network.client.get(
        "/ocpi/2.2.1/sessions/NOPE", headers={**auth(token), **ROUTING}
    )
    assert with_them.status_code == 404 and _routing_of(with_them) == SWAPPED
    unknown = await network.client.get("/ocpi/2.2.1/nothing-here", headers=ROUTING)
    assert unknown.status_code == 404 and _routing_of(unknown) == SWAPPED


def test_functional_kinds_are_known() -> None:
    assert {k for r, k in MATRIX.items() if r[1].startswith("/ocpi/")} <= {CONFIG, FUNCTIONAL}
