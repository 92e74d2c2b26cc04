"""``ocpi-cpo worker``: the outbox worker alone, to scale delivery out (PostgreSQL)."""

from __future__ import annotations

import asyncio
import signal

import typer

from ocpi_cpo.cli.common import command_context, run, settings_from


def worker(ctx: typer.Context) -> None:
    """Deliver queued messages to partners until stopped (SIGTERM or Ctrl-C)."""
    from ocpi_cpo.logs import configure_logging
    from ocpi_cpo.outbound.partner_sync import SyncDriver
    from ocpi_cpo.outbound.worker import OutboxWorker

    settings = settings_from(ctx)
    configure_logging(settings.log_level)

    async def _work() -> None:
        async with command_context(settings) as context:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            runner = OutboxWorker(context.storage, context.transport, settings, context.clock)
            typer.echo(f"outbox worker {runner.name} started", err=True)
            syncs = SyncDriver(context.storage, context.clock, settings.outbox.sync_batch_size)
            await asyncio.gather(runner.run(stop), syncs.run(stop))
            typer.echo(
                f"outbox worker {runner.name} stopped: {runner.delivered} delivered", err=True
            )

    run(_work())
