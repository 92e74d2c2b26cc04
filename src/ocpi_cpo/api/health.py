"""GET /health and GET /ready, for a load balancer or an orchestrator (docs/deployment.md).

* ``/health``: the process is alive and its event loop answers. Always 200 while it runs; no
  database access (a database outage must not get every instance restarted).
* ``/ready``: this instance can serve now: the database answers within 2 s, its schema is at this
  version's migrations, other instances' changes are followed (the PostgreSQL listener that drops
  caches of revoked tokens), and the outbox worker runs when ``[outbox] worker_in_serve``. 200
  with every check ``ok``, else 503 naming what is wrong. Take the instance out of rotation on 503.

Neither needs a token and neither tells more than which check failed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ocpi_cpo.ocpi.context import OcpiContext


def _worker_problem(request: Request, context: OcpiContext) -> str | None:
    if not context.settings.outbox.worker_in_serve:
        return None
    task: asyncio.Task[None] | None = getattr(request.app.state, "worker_task", None)
    if task is None:
        return "not started"
    if task.done():
        return "stopped"
    return None


def router() -> APIRouter:
    api = APIRouter(tags=["health"])

    @api.get("/health", summary="The process is alive (no database access)")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/ready", summary="This instance can serve: database, migrations, changes, worker")
    async def ready(request: Request) -> JSONResponse:
        context: OcpiContext = request.app.state.ocpi
        problems = await context.storage.problems()
        worker = _worker_problem(request, context)
        if worker is not None:
            problems["worker"] = worker
        checks: dict[str, Any] = {
            name: problems.get(name, "ok")
            for name in ("database", "migrations", "changes", "worker")
        }
        if not context.settings.outbox.worker_in_serve:
            checks["worker"] = "not run here (ocpi-cpo worker)"
        body = {"ready": not problems, "checks": checks}
        return JSONResponse(body, status_code=503 if problems else 200)

    return api
