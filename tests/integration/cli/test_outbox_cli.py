"""``ocpi-cpo outbox list|show|retry|purge`` on a real database, as real processes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from ocpi_cpo.domain.delivery import Attempt, MessageState, NewMessage, Outcome
from ocpi_cpo.domain.partners import PartnerState
from ocpi_cpo.storage.sql.engine import SqlStorage
from tests.support.processes import cli, write_config


async def seed(storage: SqlStorage) -> list[int]:
    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        partner = await uow.partners.create("hub", "gireve-preprod", PartnerState.REGISTERED, now)
        ids = [
            await uow.outbox.add(
                NewMessage(partner.id, module, f"key-{i}", "PUT", f"/FR/AB1/{i}", b'{"n":1}'), now
            )
            for i, module in enumerate(["locations", "locations", "cdrs"])
        ]
        dead = Attempt(
            ids[0], now, "w", 200, 2001, 12.5, Outcome.DEAD, "HTTP 200, OCPI 2001: bad", "{}"
        )
        await uow.outbox.record(dead, state=MessageState.DEAD)
        done = Attempt(ids[2], now, "w", 201, 1000, 3.0, Outcome.DELIVERED, None, "{}")
        await uow.outbox.record(done, state=MessageState.DELIVERED, reply_location="http://x/cdr/1")
    return ids


async def test_outbox_commands(storage: SqlStorage, database_url: str, tmp_path: Path) -> None:
    dead, pending, delivered = await seed(storage)
    config = write_config(tmp_path / "c.toml", port=8080, database_url=database_url)

    listed = cli("outbox", "list", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    states = {m["id"]: m["state"] for m in orjson.loads(listed.stdout)}
    assert states == {dead: "DEAD", pending: "PENDING", delivered: "DELIVERED"}

    only_dead = cli(
        "outbox",
        "list",
        "--state",
        "dead",
        "--partner",
        "hub",
        "--module",
        "locations",
        "--json",
        config=config,
    )
    assert [m["id"] for m in orjson.loads(only_dead.stdout)] == [dead]

    shown = cli("outbox", "show", str(dead), config=config)
    assert shown.returncode == 0, shown.stderr
    assert "OCPI 2001: bad" in shown.stdout and "DEAD" in shown.stdout

    assert cli("outbox", "show", "999", config=config).returncode == 1
    bad_state = cli("outbox", "list", "--state", "lost", config=config)
    assert bad_state.returncode == 2 and "expected one of" in bad_state.stderr
    assert cli("outbox", "list", "--partner", "nobody", config=config).returncode == 1

    retried = cli("outbox", "retry", "--partner", "hub", config=config)
    assert "1 dead letters queued again" in retried.stdout
    no_pending = cli("outbox", "purge", "--state", "pending", config=config)
    assert no_pending.returncode == 2 and "never purged" in no_pending.stderr
    purged = cli("outbox", "purge", config=config)
    assert "1 messages purged" in purged.stdout  # the delivered one; the two waiting stay
    remaining = orjson.loads(cli("outbox", "list", "--json", config=config).stdout)
    assert sorted(m["id"] for m in remaining) == [dead, pending]


async def test_partner_delivery_state_is_shown(
    storage: SqlStorage, database_url: str, tmp_path: Path
) -> None:
    """``partners list`` and ``outbox list`` show each partner's delivery state (issue 16)."""
    from ocpi_cpo.domain.delivery import Backoff, Observation

    _, pending, _ = await seed(storage)
    config = write_config(tmp_path / "c.toml", port=8080, database_url=database_url)
    listed = cli("partners", "list", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    assert orjson.loads(listed.stdout)[0]["delivery"]["state"] == "available"

    now = datetime.now(UTC)
    async with storage.transaction() as uow:
        [partner] = await uow.partners.all()
        seen = Observation(pending, now, True, "PUT http://hub/x: cannot connect", 60)
        await uow.partner_delivery.observe(partner.id, [seen], Backoff(1, 5), now)

    listed = cli("partners", "list", "--json", config=config)
    view = orjson.loads(listed.stdout)[0]["delivery"]
    assert view["state"] == "probing" and view["since"] == now.isoformat()
    assert view["last_error"] == "PUT http://hub/x: cannot connect"
    assert view["next_probe_at"] >= (now.replace(microsecond=0)).isoformat()
    table = cli("partners", "list", config=config)
    assert "probing since" in table.stdout and "cannot connect" in table.stdout
    messages = cli("outbox", "list", config=config)
    assert messages.returncode == 0, messages.stderr
    assert "delivery to hub: probing since" in messages.stdout
    as_json = orjson.loads(cli("outbox", "list", "--json", config=config).stdout)
    assert {m["partner_delivery"]["state"] for m in as_json} == {"probing"}
