"""GET /metrics: Prometheus text format, behind the admin token (Prometheus sends it as a bearer
token). Queue depth, the oldest message's age and the held CDRs are read from the database at
scrape time, so they are right whichever process delivers."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ocpi_cpo import metrics
from ocpi_cpo.api.admin.auth import Admin
from ocpi_cpo.domain.sync import Reconciliation
from ocpi_cpo.ocpi.context import Context
from ocpi_cpo.services import partner_sync


def _reconciliations(results: dict[int, Reconciliation], names: dict[int, str]) -> None:
    for gauge in (metrics.RECONCILED_AT, metrics.RECONCILE_DIFFERENCES, metrics.RECONCILE_REPAIRED):
        gauge.clear()
    for partner_id, result in results.items():
        partner = names.get(partner_id, str(partner_id))
        metrics.RECONCILED_AT.labels(partner).set(result.ran_at.timestamp())
        metrics.RECONCILE_DIFFERENCES.labels(partner).set(result.differences)
        metrics.RECONCILE_REPAIRED.labels(partner).set(result.repaired)


def router() -> APIRouter:
    api = APIRouter(tags=["metrics"])

    @api.get("/metrics", summary="Prometheus metrics (bearer admin token)")
    async def get_metrics(admin: Admin, context: Context) -> Response:
        async with context.storage.read() as uow:
            stats = await uow.outbox.stats()
            names = {p.id: p.name for p in await uow.partners.all()}
            reconciled = await partner_sync.reconciliations(uow)
            held, oldest_held = await uow.cdrs.held_stats()
        now = context.clock.now()
        metrics.CDRS_HELD.set(held)
        metrics.CDRS_HELD_OLDEST.set(
            0 if oldest_held is None else (now - oldest_held).total_seconds()
        )
        metrics.DEPTH.clear()
        metrics.OLDEST.clear()
        for row in stats:
            partner = names.get(row.partner_id, str(row.partner_id))
            metrics.DEPTH.labels(partner, row.module, row.state.value).set(row.count)
            if row.state.value == "PENDING" and row.oldest is not None:
                age = (now - row.oldest).total_seconds()
                metrics.OLDEST.labels(partner, row.module).set(age)
        _reconciliations(reconciled, names)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return api
