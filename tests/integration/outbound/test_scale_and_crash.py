"""Several workers on one database, and a worker killed with SIGKILL in the middle of a batch."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ocpi_cpo.domain.delivery import MessageState, QueueFilter
from ocpi_cpo.storage.sql.engine import SqlStorage, create_engine
from tests.integration.outbound.conftest import Delivery
from tests.support.processes import ROOT, write_config


async def test_two_workers_drain_10000_without_duplicates_or_reordering(
    delivery: Delivery, database_url: str
) -> None:
    await delivery.queue(10_000, keys=400)
    second_storage = SqlStorage(create_engine(database_url))
    try:
        workers = [delivery.worker("worker-a"), delivery.worker("worker-b", second_storage)]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]
        deadline = time.monotonic() + 120
        while len(delivery.receiver.delivered()) < 10_000 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        await second_storage.close()
    seqs = [r.body["seq"] for r in delivery.receiver.delivered()]
    assert len(seqs) == 10_000
    assert sorted(seqs) == list(range(10_000))  # every message once: no duplicate in flight
    assert delivery.receiver.overlaps == 0  # never two requests for one object at once
    per_key: dict[str, list[int]] = {}
    for got in delivery.receiver.delivered():
        per_key.setdefault(got.body["key"], []).append(got.body["seq"])
    assert all(s == sorted(s) for s in per_key.values())
    assert workers[0].delivered > 0 and workers[1].delivered > 0
    assert workers[0].delivered + workers[1].delivered == 10_000


async def test_sigkill_mid_batch_loses_nothing(
    delivery: Delivery, database_url: str, tmp_path: Path
) -> None:
    delivery.receiver.delay = 0.02
    await delivery.queue(300, keys=30)
    config = write_config(tmp_path / "c.toml", port=8080, database_url=database_url)
    env = {**os.environ, "OCPI_CPO_OUTBOX__LEASE_SECONDS": "60"}
    command = [sys.executable, "-m", "ocpi_cpo", "--config", str(config), "worker"]
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    # Kill it while requests are in flight: it then holds claims on a batch it has not recorded.
    while time.monotonic() < deadline and not (
        len(delivery.receiver.received) >= 40 and delivery.receiver.in_flight > 0
    ):
        await asyncio.sleep(0.002)
    first.send_signal(signal.SIGKILL)
    first.wait()
    async with delivery.storage.read() as uow:
        claimed = await uow.outbox.claimers()
    assert claimed, "the killed worker should have held claims mid-batch"
    # The restarted worker frees the dead worker's claims at once instead of waiting 60 s.
    with log_path.open("ab") as log:
        second = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            async with delivery.storage.read() as uow:
                if await uow.outbox.count(QueueFilter(state=MessageState.DELIVERED)) == 300:
                    break
            await asyncio.sleep(0.1)
    finally:
        second.terminate()
        second.wait(timeout=15)
    delivered = {r.body["seq"] for r in delivery.receiver.delivered()}
    assert delivered == set(range(300)), log_path.read_text()[
        -2000:
    ]  # at least once: every message arrived
    async with delivery.storage.read() as uow:
        assert await uow.outbox.count(QueueFilter(state=MessageState.DELIVERED)) == 300
