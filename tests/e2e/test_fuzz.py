"""Schema-driven fuzzing of every endpoint of a real `ocpi-cpo serve` (schemathesis on our
OpenAPI, hypothesis underneath): no 500, every answer an OCPI envelope, and a rejected request
leaves the database exactly as it was."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.conftest import POSTGRES_URL, _admin, _database_in
from tests.e2e.test_registration_e2e import call
from tests.support.processes import cli, free_port, running, write_config

pytestmark = pytest.mark.e2e

ADMIN = "admin-token-0123456789abcdef"
#: tables that only change through accepted requests (the outbox, attempts, last-seen stamps and
#: the authorization log change by themselves)
WATCHED = (
    "locations",
    "location_evses",
    "tariffs",
    "emsp_tokens",
    "hub_client_info",
    "credentials_tokens",
    "stations",
    "sessions",
    "cdrs",
    "commands",
)


class Server:
    def __init__(self, url: str, database: str, token: str, token_211: str) -> None:
        self.url = url
        self.database = database  # the database URL the server runs on
        self.token = token
        #: a partner calls its agreed version's routes only: the 2.1.1 ones get a 2.1.1 hub's
        self.token_211 = token_211
        self.calls = 0
        # PostgreSQL: one connection for the module's thousands of fingerprints, on a loop of
        # its own (a connection, and ten lookups of which tables exist, per check cost more
        # than the request checked)
        self._runner: asyncio.Runner | None = None
        self._connection: asyncpg.Connection | None = None
        self._tables: list[str] = []

    def fingerprint(self) -> str:
        """A digest of every watched table's rows."""
        if self.database.startswith("postgresql"):
            if self._runner is None:
                self._runner = asyncio.Runner()
            return self._runner.run(self._postgres_fingerprint())
        digest = hashlib.sha256()
        path = self.database.split(":///", 1)[1]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            names = {
                r[0]
                for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            for table in WATCHED:
                if table in names:
                    for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1"):  # noqa: S608
                        digest.update(repr(row).encode())
        return digest.hexdigest()

    async def _postgres_fingerprint(self) -> str:
        if self._connection is None:
            dsn = self.database.replace("postgresql+asyncpg://", "postgresql://", 1)
            self._connection = await asyncpg.connect(dsn)
            # the schema is migrated before the server starts and requests never change it
            self._tables = [
                table
                for table in WATCHED
                if await self._connection.fetchval("SELECT to_regclass($1)", table) is not None
            ]
        digest = hashlib.sha256()
        for table in self._tables:
            for row in await self._connection.fetch(f"SELECT * FROM {table} ORDER BY 1"):  # noqa: S608
                digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    def close(self) -> None:
        if self._runner is None:
            return
        if self._connection is not None:
            self._runner.run(self._connection.close())
        self._runner.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("fuzz")
    cpo_port, hub_port, hub_211_port = free_port(), free_port(), free_port()
    if request.param == "postgres":
        template = request.getfixturevalue("postgres_template")
        name = f"ocpi_cpo_fuzz_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        request.addfinalizer(  # noqa: PT021 - the fixture's yield is further down, in a with block
            lambda: asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        )
        database = _database_in(POSTGRES_URL, name)
    else:
        database = f"sqlite+aiosqlite:///{folder / 'db.sqlite'}"
    config = write_config(folder / "c.toml", port=cpo_port, database_url=database)
    config.write_text(
        config.read_text() + "\n[limits]\npartner_rate = 100000.0\npartner_burst = 100000\n"
    )
    cpo, hub = f"http://127.0.0.1:{cpo_port}", f"http://127.0.0.1:{hub_port}"
    hub_211 = f"http://127.0.0.1:{hub_211_port}"
    with (
        running(
            ["sim", "hub", "--port", str(hub_port), "--quiet"],
            ready_url=f"{hub}/_sim/state",
            log=folder / "hub.log",
        ),
        running(
            ["sim", "hub", "--port", str(hub_211_port), "--version", "2.1.1", "--quiet"],
            ready_url=f"{hub_211}/_sim/state",
            log=folder / "hub-211.log",
        ),
        running(
            ["--config", str(config), "serve"],
            ready_url=f"{cpo}/ocpi/versions",
            log=folder / "cpo.log",
        ),
    ):
        invite = orjson.loads(
            cli(
                "partners",
                "invite",
                "gireve",
                "--profile",
                "gireve-preprod",
                "--json",
                config=config,
            ).stdout
        )
        assert call(f"{hub}/_sim/register", method="POST", body=invite)[2]["ok"]
        # Our token at the hub is the one the hub uses to call us: ask the hub for it.
        state = call(f"{hub}/_sim/state")[2]
        assert state["registered"]
        invite_211 = cli(
            "partners", "invite", "gireve-211", "--profile", "gireve-preprod",
            "--version", "2.1.1", "--operation", "FR*AB1", "--json", config=config,
        )  # fmt: skip
        registered = call(
            f"{hub_211}/_sim/register", method="POST", body=orjson.loads(invite_211.stdout)
        )
        assert registered[2]["ok"], registered
        fuzzed = Server(cpo, database, _hub_token(hub), _hub_token(hub_211))
        try:
            yield fuzzed
        finally:
            fuzzed.close()  # before the database is dropped


def _hub_token(hub: str) -> str:
    token: str = call(f"{hub}/_sim/state")[2]["cpo_token"]
    return token


def check(case: Any, server: Server) -> None:
    """One generated request: no 500, an envelope, and no change when it is rejected."""
    if case.path.startswith(("/admin", "/metrics")):
        headers = {"Authorization": f"Bearer {ADMIN}"}
    elif case.path.startswith("/ocpi/2.1.1"):
        headers = {"Authorization": f"Token {server.token_211}"}  # 2.1.1: the token as it is
    else:
        headers = {"Authorization": "Token " + base64.b64encode(server.token.encode()).decode()}
    before = server.fingerprint()
    response = case.call(base_url=server.url, headers=headers)
    server.calls += 1
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, f"{where}: {response.text}"
    if case.path in ("/metrics", "/health", "/ready"):
        return  # probes and Prometheus text: not OCPI envelopes (their own tests check them)
    envelope = response.json()
    assert isinstance(envelope.get("status_code"), int), f"{where}: {response.text}"
    assert "timestamp" in envelope
    if response.status_code >= 400 or envelope["status_code"] >= 2000:
        assert envelope.get("status_message"), f"{where}: {response.text}"
        assert server.fingerprint() == before, f"{where} changed data: {response.text}"


def test_every_operation(server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/admin/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"our OpenAPI has an invalid operation: {result}"
        operations.append(result.ok())
    assert len(operations) > 20
    # Every OCPI 2.1.1 module we mount is fuzzed too (its routers are in the same OpenAPI).
    ours_211 = {o.path.split("/")[3] for o in operations if o.path.startswith("/ocpi/2.1.1/")}
    assert {"locations", "sessions", "cdrs", "tariffs", "tokens", "commands"} <= ours_211
    for operation in operations:
        if operation.method.upper() == "DELETE" and operation.path.endswith("/credentials"):
            continue  # unregistering would end the session

        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            # The same cases in every CI run; explore further locally without it.
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            check(case, server)

        fuzz()
    assert server.calls > 5 * len(operations)
