"""Versions and version details: what we advertise is what is mounted; tokens; tracing headers."""

from __future__ import annotations

import pytest

from ocpi_cpo.ocpi.v2_2_1.registry import MODULES
from tests.integration.api.conftest import Network, auth


async def test_versions_need_a_token(network: Network) -> None:
    response = await network.client.get("/ocpi/versions")
    assert response.status_code == 401
    body = response.json()
    assert body["status_code"] == 2000
    assert "Authorization header missing" in body["status_message"]
    assert "timestamp" in body


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Token",
        "Token    ",
        "Token dW5rbm93bg==",
        "Token unknown-raw-token",
        "garbage",
    ],
)
async def test_malformed_or_unknown_tokens_get_401(network: Network, header: str) -> None:
    response = await network.client.get("/ocpi/versions", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["status_code"] == 2000


async def test_registration_token_reads_versions_base64_and_raw(network: Network) -> None:
    token = await network.invite()
    for headers in (auth(token), {"Authorization": f"Token {token}"}):
        response = await network.client.get("/ocpi/versions", headers=headers)
        assert response.status_code == 200
        assert response.json()["data"] == [
            {"version": "2.2.1", "url": "http://cpo.test/ocpi/2.2.1"},
            {"version": "2.1.1", "url": "http://cpo.test/ocpi/2.1.1"},
        ]


async def test_registration_token_cannot_call_functional_modules(network: Network) -> None:
    token = await network.invite()
    response = await network.client.get("/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(token))
    assert response.status_code == 401


async def test_details_advertise_exactly_the_mounted_modules(network: Network) -> None:
    token = await network.invite()
    response = await network.client.get("/ocpi/2.2.1", headers=auth(token))
    details = response.json()["data"]
    assert details["version"] == "2.2.1"
    advertised = {(e["identifier"], e["role"], e["url"]) for e in details["endpoints"]}
    assert advertised == {(m.identifier, m.role.value, f"http://cpo.test{m.path}") for m in MODULES}
    mounted_prefixes = {p for p in network.app.openapi()["paths"] if p.startswith("/ocpi/2.2.1/")}
    for module in MODULES:
        assert any(path.startswith(module.path) for path in mounted_prefixes), module.identifier
    for path in mounted_prefixes:
        assert any(path.startswith(m.path) for m in MODULES), f"{path} is mounted, not advertised"


async def test_tracing_ids_are_echoed(network: Network) -> None:
    token = await network.invite()
    headers = {**auth(token), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}
    response = await network.client.get("/ocpi/versions", headers=headers)
    assert response.headers["X-Request-ID"] == "req-1"
    assert response.headers["X-Correlation-ID"] == "corr-1"


async def test_tracing_ids_are_generated_when_absent(network: Network) -> None:
    response = await network.client.get("/ocpi/versions")
    assert len(response.headers["X-Request-ID"]) == 36
    assert len(response.headers["X-Correlation-ID"]) == 36
    assert response.headers["X-Request-ID"] != response.headers["X-Correlation-ID"]


async def test_no_routing_headers_on_configuration_modules(network: Network) -> None:
    token = await network.invite()
    for path in ("/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.2.1/credentials"):
        response = await network.client.get(path, headers=auth(token))
        assert response.status_code == 200
        assert not [h for h in response.headers if h.lower().startswith("ocpi-")]


async def test_unknown_path_gets_an_envelope(network: Network) -> None:
    response = await network.client.get("/ocpi/2.2.1/nothing-here")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000
