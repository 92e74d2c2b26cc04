"""GET /health and GET /ready for a load balancer (issue 18, point 5), with the app's own
start-up and shutdown (its lifespan) around each test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ocpi_cpo.api.app import create_app
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from tests.integration.api.conftest import auth
from tests.support.factories import CPO_HOST, make_settings


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{CPO_HOST}"
        ) as client,
    ):
        yield client


async def test_ready_when_database_migrations_changes_and_worker_are(
    storage: SqlStorage, database_url: str
) -> None:
    app = create_app(make_settings(database_url), storage=storage)
    async with running(app) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        response = await client.get("/ready")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "ready": True,
            "checks": {"database": "ok", "migrations": "ok", "changes": "ok", "worker": "ok"},
        }
        worker = app.state.worker_task

        async def died() -> None:
            raise RuntimeError("the worker died")

        app.state.worker_task = asyncio.create_task(died())
        await asyncio.gather(app.state.worker_task, return_exceptions=True)
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["worker"] == "stopped"
        assert (await client.get("/health")).status_code == 200  # alive all the same
        app.state.worker_task = worker


async def test_a_database_behind_this_version_is_not_ready(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"  # never migrated
    app = create_app(make_settings(url, outbox={"worker_in_serve": False}))
    async with running(app) as client:
        response = await client.get("/ready")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["migrations"].startswith("database at none, this version needs ")
        assert checks["worker"] == "not run here (ocpi-cpo worker)"


async def test_an_unreachable_database_answers_503_to_ready_and_to_partners() -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    settings = make_settings(url, outbox={"worker_in_serve": False})
    storage = SqlStorage(create_engine(url))
    app = create_app(settings, storage=storage)
    try:
        async with running(app) as client:
            response = await client.get("/ready")
            assert response.status_code == 503
            assert response.json()["checks"]["database"].startswith("not reachable")
            assert not storage.watching  # nothing cached is trusted
            partner = await client.get("/ocpi/2.2.1/locations", headers=auth("some-token"))
            assert partner.status_code == 503
            assert partner.json()["status_code"] == 3000
            assert (await client.get("/health")).status_code == 200
    finally:
        await storage.close()


async def test_a_worker_stuck_behind_a_write_transaction_does_not_stop_the_shutdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite: a write transaction that never ends keeps the outbox worker's claim waiting; the
    shutdown cancels the worker after its grace period and says which task held the lock."""
    from ocpi_cpo.api import app as app_module
    from ocpi_cpo.storage.sql.migrate import upgrade

    monkeypatch.setattr(app_module, "WORKER_STOP_SECONDS", 0.5)
    url = f"sqlite+aiosqlite:///{tmp_path / 'stuck.db'}"
    storage = SqlStorage(create_engine(url))
    await upgrade(storage.engine)
    release = asyncio.Event()
    held = asyncio.Event()

    async def hold() -> None:
        async with storage.transaction():
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold(), name="stuck-writer")
    try:
        app = create_app(make_settings(url), storage=storage)
        with caplog.at_level("ERROR", logger="ocpi_cpo.serve"):
            async with running(app):
                await held.wait()
                storage.outbox_signal.set()  # the worker claims: it waits for the lock
                await asyncio.sleep(0.2)
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert any(
            "did not stop within" in e and "held by task 'stuck-writer'" in e for e in errors
        ), errors
    finally:
        release.set()
        await holder
        await storage.close()
