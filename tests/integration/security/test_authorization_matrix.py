"""Every mounted route against every wrong caller: 401 and nothing leaked.

The matrix names every route the app mounts; a new route that is not in it fails
``test_every_route_is_in_the_matrix`` until its access is stated here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from ocpi_cpo.domain.commands import StoredCommand
from ocpi_cpo.sim.hub import SimHubState
from tests.integration.api.conftest import Network, auth
from tests.integration.api.locations_support import ADMIN, imported, registered
from tests.integration.security.ownership_support import A, World, reserve, token
from tests.support.locations import make_location
from tests.support.partners import partner_on

CONFIG, FUNCTIONAL, ADMIN_ONLY = "configuration", "functional", "admin"
#: probes for load balancers and orchestrators: no credentials, nothing about partners
PUBLIC = "public"

#: (method, path) -> who may call it
MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/ocpi/versions"): CONFIG,
    ("GET", "/ocpi/2.2.1"): CONFIG,
    ("GET", "/ocpi/2.2.1/credentials"): CONFIG,
    ("POST", "/ocpi/2.2.1/credentials"): CONFIG,
    ("PUT", "/ocpi/2.2.1/credentials"): CONFIG,
    ("DELETE", "/ocpi/2.2.1/credentials"): CONFIG,
    ("GET", "/ocpi/2.1.1"): CONFIG,
    ("GET", "/ocpi/2.1.1/credentials"): CONFIG,
    ("POST", "/ocpi/2.1.1/credentials"): CONFIG,
    ("PUT", "/ocpi/2.1.1/credentials"): CONFIG,
    ("DELETE", "/ocpi/2.1.1/credentials"): CONFIG,
    ("GET", "/ocpi/2.1.1/locations"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/locations/{location_id}"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/locations/{location_id}/{evse_uid}"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/locations/{location_id}/{evse_uid}/{connector_id}"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/sessions"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/cdrs"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/tariffs"): FUNCTIONAL,
    ("GET", "/ocpi/2.1.1/tokens/{country_code}/{party_id}/{token_uid}"): FUNCTIONAL,
    ("PUT", "/ocpi/2.1.1/tokens/{country_code}/{party_id}/{token_uid}"): FUNCTIONAL,
    ("PATCH", "/ocpi/2.1.1/tokens/{country_code}/{party_id}/{token_uid}"): FUNCTIONAL,
    ("POST", "/ocpi/2.1.1/commands/{command}"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/hubclientinfo/{country_code}/{party_id}"): FUNCTIONAL,
    ("PUT", "/ocpi/2.2.1/hubclientinfo/{country_code}/{party_id}"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/locations"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/locations/{location_id}"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/locations/{location_id}/{evse_uid}"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/tariffs"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/tokens/{country_code}/{party_id}/{uid}"): FUNCTIONAL,
    ("PUT", "/ocpi/2.2.1/tokens/{country_code}/{party_id}/{uid}"): FUNCTIONAL,
    ("PATCH", "/ocpi/2.2.1/tokens/{country_code}/{party_id}/{uid}"): FUNCTIONAL,
    ("POST", "/ocpi/2.2.1/commands/{command}"): FUNCTIONAL,
    ("GET", "/admin/partners"): ADMIN_ONLY,
    ("GET", "/admin/tariffs"): ADMIN_ONLY,
    ("PUT", "/admin/tariffs"): ADMIN_ONLY,
    ("DELETE", "/admin/tariffs/{country_code}/{party_id}/{tariff_id}"): ADMIN_ONLY,
    ("POST", "/admin/tariffs/{country_code}/{party_id}/{tariff_id}/change-price"): ADMIN_ONLY,
    ("GET", "/admin/locations"): ADMIN_ONLY,
    ("POST", "/admin/locations"): ADMIN_ONLY,
    ("GET", "/admin/locations/{country_code}/{party_id}/{location_id}"): ADMIN_ONLY,
    ("PUT", "/admin/evses/{evse_uid}/status"): ADMIN_ONLY,
    ("GET", "/admin/operations"): ADMIN_ONLY,
    ("POST", "/admin/tokens/authorize"): ADMIN_ONLY,
    ("GET", "/admin/authorizations"): ADMIN_ONLY,
    ("GET", "/metrics"): ADMIN_ONLY,
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/ocpi/2.2.1/sessions"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/sessions/{session_id}"): FUNCTIONAL,
    ("PUT", "/ocpi/2.2.1/sessions/{session_id}/charging_preferences"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/cdrs"): FUNCTIONAL,
    ("GET", "/ocpi/2.2.1/cdrs/{cdr_id}"): FUNCTIONAL,
    ("GET", "/admin/sessions"): ADMIN_ONLY,
    ("GET", "/admin/sessions/{session_id}"): ADMIN_ONLY,
    ("GET", "/admin/cdrs"): ADMIN_ONLY,
    ("GET", "/admin/cdrs/{cdr_id}"): ADMIN_ONLY,
    ("POST", "/admin/cdrs/{cdr_id}/credit"): ADMIN_ONLY,
    ("GET", "/admin/cdrs/held"): ADMIN_ONLY,
    ("POST", "/admin/cdrs/{cdr_id}/reprice"): ADMIN_ONLY,
    ("POST", "/admin/cdrs/{cdr_id}/release"): ADMIN_ONLY,
}

VALUES = {
    "country_code": "FR",
    "party_id": "AB1",
    "location_id": "LOC1",
    "evse_uid": "E1-1",
    "connector_id": "1",
    "tariff_id": "T1",
    "uid": "04A23BC1",
    "session_id": "S1",
    "cdr_id": "C1",
    "command": "START_SESSION",
    "station_id": "ST1",
}


def _current(state: SimHubState) -> str | None:
    """The hub's token for us now (a function, so type checkers do not assume it unchanged)."""
    return state.cpo_token


def mounted(network: Network) -> set[tuple[str, str]]:
    paths = network.app.openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES.get(m.group(1), "x"), path)


def test_every_route_is_in_the_matrix(network: Network) -> None:
    routes = mounted(network)
    assert routes - set(MATRIX) == set(), "new routes: state who may call them in MATRIX"
    assert set(MATRIX) - routes == set(), "routes in MATRIX that are no longer mounted"


async def wrong_callers(network: Network) -> dict[str, dict[str, str]]:
    """Every kind of caller that must be refused, as request headers."""
    token_a = await network.invite("gireve", "gireve-preprod")
    await network.hub_registers(token_a)
    token_b = await network.invite("gone", "ocpi-2.2.1")
    state = network.hub_state
    registered_token = state.cpo_token
    state.cpo_token = None
    await network.hub_registers(token_b)
    gone_token = _current(state)
    assert gone_token is not None
    await network.client.delete("/ocpi/2.2.1/credentials", headers=auth(gone_token))
    state.cpo_token = registered_token
    admin = "admin-token-0123456789abcdef"
    return {
        "no token": {},
        "malformed header": {"Authorization": "Basic dXNlcjpwYXNz"},
        "empty token": {"Authorization": "Token "},
        "registration token after registration": auth(token_a),
        "unregistered partner's token": auth(gone_token),
        "admin token as an OCPI token": auth(admin),
        "admin token sent raw": {"Authorization": f"Token {admin}"},
        "unknown token": auth("never-issued-token"),
    }


async def test_wrong_callers_get_401_and_nothing_leaks(network: Network) -> None:
    """Every route, every wrong caller (one set-up for all routes keeps this fast)."""
    callers = await wrong_callers(network)
    partner_token = network.hub_state.cpo_token
    assert partner_token is not None
    secrets = [partner_token, "admin-token-0123456789abcdef", *network.hub_state.issued]
    for route in sorted(r for r, k in MATRIX.items() if k != PUBLIC):
        method, path = route
        wrong = dict(callers)
        if MATRIX[route] == ADMIN_ONLY:
            wrong = {k: v for k, v in wrong.items() if "admin" not in k}
            wrong["partner token on admin"] = auth(partner_token)
            wrong["partner token as bearer"] = {"Authorization": f"Bearer {partner_token}"}
        for name, headers in wrong.items():
            body: Any = {} if method in ("POST", "PUT", "PATCH") else None
            response = await network.client.request(
                method, concrete(path), headers=headers, json=body
            )
            where = f"{method} {path} with {name}"
            assert response.status_code == 401, f"{where}: {response.status_code} {response.text}"
            envelope = response.json()
            assert envelope["status_code"] == 2000 and envelope["status_message"], where
            assert "Traceback" not in response.text, where
            for secret in secrets:
                assert secret not in response.text, where


def _version(path: str) -> str | None:
    parts = path.split("/")
    return parts[2] if len(parts) > 3 and parts[1] == "ocpi" else None


async def test_the_right_caller_gets_through(network: Network) -> None:
    """Each functional route with a partner registered on that route's version."""
    tokens = {
        "2.2.1": auth(await registered(network)),
        "2.1.1": auth(await partner_on(network.storage, "hub-211", "2.1.1")),
    }
    for route in sorted(r for r, k in MATRIX.items() if k not in (CONFIG, PUBLIC)):
        method, path = route
        version = _version(path)
        headers = ADMIN if MATRIX[route] == ADMIN_ONLY else tokens[str(version)]
        body: Any = {} if method in ("POST", "PUT", "PATCH") else None
        response = await network.client.request(method, concrete(path), headers=headers, json=body)
        where = f"{method} {path}"
        assert response.status_code not in (401, 403), f"{where}: {response.text}"
        assert response.status_code != 500, f"{where}: {response.text}"


async def test_a_partner_calls_only_the_routes_of_its_version(network: Network) -> None:
    """A partner registered on one version gets 403 (OCPI 2000, naming both versions) on every
    functional route of the other; versions, each version's details and credentials stay open
    (that is how it changes version), and its own version's routes answer."""
    tokens = {
        "2.2.1": auth(await registered(network)),
        "2.1.1": auth(await partner_on(network.storage, "hub-211", "2.1.1")),
    }
    for route in sorted(r for r, k in MATRIX.items() if k == FUNCTIONAL):
        method, path = route
        called = str(_version(path))
        [(agreed, headers)] = [(v, h) for v, h in tokens.items() if v != called]
        body: Any = {} if method in ("POST", "PUT", "PATCH") else None
        response = await network.client.request(method, concrete(path), headers=headers, json=body)
        where = f"{method} {path} by a partner on {agreed}"
        assert response.status_code == 403, f"{where}: {response.status_code} {response.text}"
        envelope = response.json()
        assert envelope["status_code"] == 2000, where
        assert (
            f"OCPI {called} is not the version agreed with you ({agreed})"
            in (envelope["status_message"])
        ), where
    for agreed, headers in tokens.items():
        for path in ("/ocpi/versions", "/ocpi/2.2.1", "/ocpi/2.1.1"):
            response = await network.client.get(path, headers=headers)
            assert response.status_code == 200, f"GET {path} by a partner on {agreed}"
        for version in tokens:
            response = await network.client.get(f"/ocpi/{version}/credentials", headers=headers)
            assert response.status_code == 200, f"credentials {version} by a partner on {agreed}"
        own = await network.client.get(f"/ocpi/{agreed}/locations", headers=headers)
        assert own.status_code == 200, own.text


async def test_a_partner_does_not_see_a_location_not_published_to_it(network: Network) -> None:
    token = await registered(network)
    hidden = make_location(2, publish=False)
    await imported(network, [make_location(1), hidden])
    listed = await network.client.get("/ocpi/2.2.1/locations", headers=auth(token))
    assert [loc["id"] for loc in listed.json()["data"]] == ["LOC1"]
    one = await network.client.get("/ocpi/2.2.1/locations/LOC2", headers=auth(token))
    assert one.status_code == 404
    assert "publish" not in one.text


async def test_hub_client_info_is_per_partner(network: Network) -> None:
    token = await registered(network)
    info = {
        "party_id": "ABC",
        "country_code": "NL",
        "role": "EMSP",
        "status": "CONNECTED",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    await network.client.put("/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(token), json=info)
    other = await network.invite("other", "ocpi-2.2.1")
    network.hub_state.cpo_token = None
    await network.hub_registers(other)
    other_token = _current(network.hub_state)
    assert other_token is not None
    response = await network.client.get(
        "/ocpi/2.2.1/hubclientinfo/NL/ABC", headers=auth(other_token)
    )
    assert response.status_code == 404


# --- Ownership: two eMSPs and a hub, objects of eMSP A's tokens (ownership_support) ----------

EVERYONE = frozenset({"emsp A", "emsp B", "hub", "hub for A", "hub for B"})
A_SIDE = frozenset({"emsp A", "hub", "hub for A"})
HUB_SIDE = frozenset({"hub", "hub for A", "hub for B"})

Check = Callable[[World, str], Awaitable[bool]]


def _found(response: httpx.Response) -> bool:
    """200 with data, or 404 answered exactly as for an object that does not exist."""
    assert response.status_code in (200, 201, 404), response.text
    if response.status_code == 404:
        assert response.json()["status_message"].startswith("no "), response.text
        return False
    assert response.json()["status_code"] == 1000, response.text
    return True


def _get(path: str, version: str = "2.2.1") -> Check:
    async def check(world: World, who: str) -> bool:
        return _found(await world.call(who, "GET", path.format(**vars(world)), version=version))

    return check


def _listed(module: str, key: str, version: str = "2.2.1") -> Check:
    async def check(world: World, who: str) -> bool:
        response = await world.call(
            who, "GET", module, version=version, date_from="2000-01-01T00:00:00Z"
        )
        assert response.status_code == 200, response.text
        return getattr(world, key) in [item["id"] for item in response.json()["data"]]

    return check


async def _preferences(world: World, who: str) -> bool:
    body = {"profile_type": "FAST", "energy_need": 20}
    path = f"sessions/{world.session_id}/charging_preferences"
    response = await world.call(who, "PUT", path, body)
    if response.status_code == 404 and response.json()["status_code"] == 2001:
        # The session was found; its EVSE is not CHARGING_PREFERENCES_CAPABLE (spec: 404, 2001).
        assert "CHARGING_PREFERENCES_CAPABLE" in response.json()["status_message"]
        return True
    return _found(response)


async def _patch_token(world: World, who: str) -> bool:
    body = {"valid": True, "last_updated": "2026-02-01T00:00:00Z"}
    return _found(await world.call(who, "PATCH", "tokens/NL/EMS/TOKA", body))


async def _put_token(world: World, who: str) -> bool:
    uid = "P" + who.replace(" ", "").upper()[:8]
    response = await world.call(who, "PUT", f"tokens/NL/EMS/{uid}", token(A, uid))
    if response.json()["status_code"] == 2001:
        assert "not a party you act for" in response.json()["status_message"]
        return False
    return _found(response)


async def _patch_token_211(world: World, who: str) -> bool:
    body = {"valid": True, "last_updated": "2026-02-01T00:00:00Z"}
    return _found(await world.call(who, "PATCH", "tokens/NL/EMS/TOKB", body, "2.1.1"))


async def _put_token_211(world: World, who: str) -> bool:
    """A 2.1.1 Token names no party: the owner is the party in the URL (NL/EMS is A's)."""
    uid = "Q" + who.replace(" ", "").upper()[:8]
    body = {
        "uid": uid,
        "type": "RFID",
        "auth_id": f"NL-EMS-C{uid}",
        "issuer": "eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    response = await world.call(who, "PUT", f"tokens/NL/EMS/{uid}", body, "2.1.1")
    if response.json()["status_code"] == 2001:
        assert "not a party you act for" in response.json()["status_message"], response.text
        return False
    return _found(response)


async def _put_client_info(world: World, who: str) -> bool:
    info = {
        "party_id": "ZZZ",
        "country_code": "BE",
        "role": "EMSP",
        "status": "CONNECTED",
        "last_updated": "2026-11-24T08:00:00Z",
    }
    return _found(await world.call(who, "PUT", "hubclientinfo/BE/ZZZ", info))


def _answered(
    name: str, body: Callable[[World], dict[str, Any]], refusal: str, version: str = "2.2.1"
) -> Check:
    """Through: ACCEPTED; refused: ``refusal`` at once (UNKNOWN_SESSION, REJECTED)."""

    async def check(world: World, who: str) -> bool:
        result = await world.command(who, name, body(world), version)
        assert result in ("ACCEPTED", refusal), result
        return result == "ACCEPTED"

    return check


async def _newest(world: World) -> StoredCommand:
    async with world.network.storage.read() as uow:
        return (await uow.commands.recent(1))[0]


def _cancel(reservation_id: str) -> Check:
    """A CANCEL_RESERVATION is ACCEPTED either way: through, it names the station it goes to;
    refused, it has none and its result is UNKNOWN_RESERVATION at once."""

    async def check(world: World, who: str) -> bool:
        body = {"reservation_id": reservation_id}
        assert await world.command(who, "CANCEL_RESERVATION", body) == "ACCEPTED"
        newest = await _newest(world)
        assert newest.station_id is not None or newest.result == "UNKNOWN_RESERVATION"
        return newest.station_id is not None

    return check


async def _replace_hub_reservation(world: World, who: str) -> bool:
    """RESERVE_NOW with the id of a reservation the hub made for A: through, it replaces it (same
    station reservation); otherwise it is another reservation."""
    assert await world.command(who, "RESERVE_NOW", reserve("R-HUB")) == "ACCEPTED"
    newest = await _newest(world)
    return newest.station_reservation_id == world.hub_reservation


#: (method, path, command) -> the check, and who must get through; the rest see nothing
OWNERSHIP: dict[tuple[str, str, str], tuple[Check, frozenset[str]]] = {
    ("GET", "/ocpi/2.2.1/sessions", ""): (_listed("sessions", "session_id"), A_SIDE),
    ("GET", "/ocpi/2.2.1/sessions/{session_id}", ""): (_get("sessions/{session_id}"), A_SIDE),
    ("PUT", "/ocpi/2.2.1/sessions/{session_id}/charging_preferences", ""): (
        _preferences,
        A_SIDE,
    ),
    ("GET", "/ocpi/2.2.1/cdrs", ""): (_listed("cdrs", "cdr_id"), A_SIDE),
    ("GET", "/ocpi/2.2.1/cdrs/{cdr_id}", ""): (_get("cdrs/{cdr_id}"), A_SIDE),
    ("GET", "/ocpi/2.2.1/tokens/{country_code}/{party_id}/{uid}", ""): (
        _get("tokens/NL/EMS/TOKA"),
        frozenset({"emsp A"}),
    ),
    ("PATCH", "/ocpi/2.2.1/tokens/{country_code}/{party_id}/{uid}", ""): (
        _patch_token,
        frozenset({"emsp A"}),
    ),
    ("PUT", "/ocpi/2.2.1/tokens/{country_code}/{party_id}/{uid}", ""): (_put_token, A_SIDE),
    ("GET", "/ocpi/2.2.1/locations/{location_id}", ""): (_get("locations/LOC1"), EVERYONE),
    ("GET", "/ocpi/2.2.1/locations/{location_id}/{evse_uid}", ""): (
        _get("locations/LOC1/E1-1"),
        EVERYONE,
    ),
    ("GET", "/ocpi/2.2.1/locations/{location_id}/{evse_uid}/{connector_id}", ""): (
        _get("locations/LOC1/E1-1/1"),
        EVERYONE,
    ),
    ("GET", "/ocpi/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}", ""): (
        _get("tariffs/FR/AB1/AC22"),
        EVERYONE,
    ),
    ("GET", "/ocpi/2.2.1/hubclientinfo/{country_code}/{party_id}", ""): (
        _get("hubclientinfo/NL/EMS"),
        HUB_SIDE,
    ),
    # each partner keeps its own copy: an eMSP's PUT changes nothing the hub told us
    ("PUT", "/ocpi/2.2.1/hubclientinfo/{country_code}/{party_id}", ""): (
        _put_client_info,
        EVERYONE,
    ),
    ("POST", "/ocpi/2.2.1/commands/{command}", "STOP_SESSION"): (
        _answered("STOP_SESSION", lambda w: {"session_id": w.session_id}, "UNKNOWN_SESSION"),
        A_SIDE,
    ),
    ("POST", "/ocpi/2.2.1/commands/{command}", "CANCEL_RESERVATION R-A"): (
        _cancel("R-A"),
        frozenset({"emsp A"}),  # reservation ids are per partner: R-A is A's own
    ),
    ("POST", "/ocpi/2.2.1/commands/{command}", "CANCEL_RESERVATION R-HUB"): (
        _cancel("R-HUB"),
        frozenset({"hub", "hub for A"}),
    ),
    ("POST", "/ocpi/2.2.1/commands/{command}", "RESERVE_NOW replacing R-HUB"): (
        _replace_hub_reservation,
        frozenset({"hub", "hub for A"}),
    ),
    ("POST", "/ocpi/2.2.1/commands/{command}", "UNLOCK_CONNECTOR"): (
        _answered(
            "UNLOCK_CONNECTOR",
            lambda w: {"location_id": "LOC1", "evse_uid": "E1-1", "connector_id": "1"},
            "REJECTED",
        ),
        A_SIDE | HUB_SIDE,
    ),
    # OCPI 2.1.1: the same objects, the same rules (one service behind both versions)
    ("GET", "/ocpi/2.1.1/sessions", ""): (_listed("sessions", "session_id", "2.1.1"), A_SIDE),
    ("GET", "/ocpi/2.1.1/cdrs", ""): (_listed("cdrs", "cdr_id", "2.1.1"), A_SIDE),
    ("GET", "/ocpi/2.1.1/tokens/{country_code}/{party_id}/{token_uid}", ""): (
        _get("tokens/NL/EMS/TOKB", "2.1.1"),  # TOKB: pushed by A's 2.1.1 registration
        frozenset({"emsp A"}),
    ),
    ("PATCH", "/ocpi/2.1.1/tokens/{country_code}/{party_id}/{token_uid}", ""): (
        _patch_token_211,
        frozenset({"emsp A"}),
    ),
    ("PUT", "/ocpi/2.1.1/tokens/{country_code}/{party_id}/{token_uid}", ""): (
        _put_token_211,
        A_SIDE,
    ),
    ("GET", "/ocpi/2.1.1/locations/{location_id}", ""): (
        _get("locations/LOC1", "2.1.1"),
        EVERYONE,
    ),
    ("GET", "/ocpi/2.1.1/locations/{location_id}/{evse_uid}", ""): (
        _get("locations/LOC1/E1-1", "2.1.1"),
        EVERYONE,
    ),
    ("GET", "/ocpi/2.1.1/locations/{location_id}/{evse_uid}/{connector_id}", ""): (
        _get("locations/LOC1/E1-1/1", "2.1.1"),
        EVERYONE,
    ),
    ("POST", "/ocpi/2.1.1/commands/{command}", "STOP_SESSION"): (
        _answered(
            "STOP_SESSION", lambda w: {"session_id": w.session_id}, "UNKNOWN_SESSION", "2.1.1"
        ),
        A_SIDE,
    ),
    ("POST", "/ocpi/2.1.1/commands/{command}", "UNLOCK_CONNECTOR"): (
        _answered(
            "UNLOCK_CONNECTOR",
            lambda w: {"location_id": "LOC1", "evse_uid": "E1-1", "connector_id": "1"},
            "REJECTED",
            "2.1.1",
        ),
        A_SIDE | HUB_SIDE,
    ),
}


def test_every_object_level_route_is_in_the_ownership_matrix() -> None:
    """Every OCPI functional route that names an object, or lists what belongs to partners
    (MATRIX holds every mounted route: test_every_route_is_in_the_matrix)."""
    functional = {r for r, k in MATRIX.items() if k == FUNCTIONAL}
    routes = {r for r in functional if "{" in r[1] or r[1].endswith(("/sessions", "/cdrs"))}
    covered = {(method, path) for method, path, _ in OWNERSHIP}
    assert routes - covered == set(), "state who may act on these objects in OWNERSHIP"


async def test_each_partner_acts_only_on_what_is_its_own(world: World) -> None:
    """Two eMSPs and a hub (for itself, for A, for B) on every object-level route."""
    wrong: list[str] = []
    for (method, path, detail), (check, allowed) in OWNERSHIP.items():
        # refusals first, the hub speaking for itself last (a change it makes is its own)
        for who in sorted(EVERYONE, key=lambda w: (w in allowed, w == "hub", w)):
            through = await check(world, who)
            if through != (who in allowed):
                wrong.append(f"{method} {path} {detail} by {who}: {through=}")
    assert wrong == [], "\n".join(wrong)


async def test_an_emsp_cannot_take_over_another_emsps_token(world: World) -> None:
    hijack = token(A, "TOKA") | {"contract_id": "DE-EMX-STOLEN"}
    response = await world.call("emsp B", "PUT", "tokens/NL/EMS/TOKA", hijack)
    assert response.json()["status_code"] == 2001
    mine = await world.call("emsp A", "GET", "tokens/NL/EMS/TOKA")
    assert mine.json()["data"]["contract_id"] == "NL-EMS-CTOKA"
