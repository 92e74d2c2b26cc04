"""The steps of ``ocpi-cpo demo``: every Gireve CPO use case, against real processes: the
simulated Gireve hub on OCPI 2.2.1, and beside it an eMSP on OCPI 2.1.1 that hears the same
Locations and charges in its own version.

The same steps run against a Gireve hub on OCPI 2.1.1 (``Stage.version``; the Gireve rehearsal
e2e suite does both): each use case of Gireve's 2.1.1 guide, in 2.1.1 form (docs/gireve-2.1.1.md),
where its rules differ (no Tariffs DELETE; START/STOP only, RESERVE_NOW and UNLOCK_CONNECTOR not
forwarded, no CANCEL_RESERVATION in 2.1.1).

Each step returns a one-line detail or raises; the runner prints a tick or a cross and its time.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from ocpi_cpo.cli.demo import ADMIN_TOKEN
from ocpi_cpo.outbound.transport import AiohttpTransport
from ocpi_cpo.sim import demo_data
from ocpi_cpo.sim.station import SimStation

BADGE = "04A1B2C3D4E5F6"

Step = tuple[str, Callable[[], Awaitable[str]]]


class StepFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


@dataclass
class Stage:
    """What the steps share: where everything runs and what earlier steps learnt."""

    folder: Path
    cpo: str
    hub: str
    cli: Callable[..., Any]
    session: aiohttp.ClientSession
    #: the simulated eMSP on OCPI 2.1.1 (NL/EMS, the eMSP of the demo's tokens); "": none
    partner: str = ""
    #: the OCPI version the hub speaks (its profile is gireve-preprod on that version)
    version: str = "2.2.1"
    state: dict[str, Any] = field(default_factory=dict)
    stations: list[SimStation] = field(default_factory=list)

    async def get(self, url: str) -> Any:
        async with self.session.get(url) as response:
            return orjson.loads(await response.read())

    async def post(self, url: str, body: Any = None) -> Any:
        async with self.session.post(
            url, data=orjson.dumps(body or {}), headers={"Content-Type": "application/json"}
        ) as response:
            return orjson.loads(await response.read())

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(
            method,
            f"{self.cpo}{path}",
            data=orjson.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        ) as response:
            return orjson.loads(await response.read())

    async def hub_requests(self, method: str, path_part: str) -> list[dict[str, Any]]:
        """What the hub accepted (requests it failed on purpose are left out)."""
        return [
            r
            for r in await self.get(f"{self.hub}/_sim/requests")
            if r["method"] == method and path_part in r["path"] and not r.get("failed")
        ]

    async def until(self, check: Callable[[], Awaitable[Any]], what: str, limit: float = 10) -> Any:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            found = await check()
            if found:
                return found
            await asyncio.sleep(0.05)
        raise StepFailed(f"{what}: not seen within {limit:g} s")

    def run_cli(self, *args: str) -> str:
        done = self.cli(*args)
        expect(
            done.returncode == 0,
            f"ocpi-cpo {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}",
        )
        return str(done.stdout)

    async def cli_beside(self, *args: str) -> str:
        """``run_cli`` in a thread, so a step can run it beside another."""
        return await asyncio.to_thread(self.run_cli, *args)


def steps(stage: Stage) -> list[Step]:
    s = stage

    v211 = s is not None and s.version == "2.1.1"
    #: the Locations the hub holds: all 25, or on 2.1.1 (bound to FR*AB1) that operation's
    at_hub = sum(1 for n in range(1, 26) if not v211 or demo_data.operation_of(n) == "FR*AB1")

    async def register() -> str:
        if not s.partner:
            return await register_hub()
        # the 2.1.1 eMSP's registration runs beside the hub's: one CLI process each
        hub, emsp = await asyncio.gather(register_hub(), register_211())
        return f"{hub}; {emsp}"

    async def register_hub() -> str:
        # Gireve on 2.1.1 takes one registration per operation (docs/gireve-2.1.1.md §2), and the
        # simulated hub holds one CPO registration: this one is FR*AB1's
        pin = ("--version", s.version, "--operation", "FR*AB1") if v211 else ()
        invite = orjson.loads(
            await s.cli_beside(
                "partners", "invite", "gireve", "--profile", "gireve-preprod", *pin, "--json"
            )
        )
        result = await s.post(f"{s.hub}/_sim/register", invite)
        expect(result["ok"], f"registration failed: {result}")
        state = await s.get(f"{s.hub}/_sim/state")
        expect(
            (state["version"], state["cpo_party"]) == (s.version, "FR/AB1"),
            f"registered on {state['version']} as {state['cpo_party']}",
        )
        transport = AiohttpTransport()
        try:
            reply = await transport.send("GET", f"{s.cpo}/ocpi/versions", token=invite["token"])
        finally:
            await transport.close()
        expect(reply.http_status == 401, "the registration token still works")
        return "hub: versions, details, POST credentials, the registration token now refused"

    async def register_211() -> str:
        offer = await s.post(f"{s.partner}/_sim/invite")
        await s.cli_beside(
            "partners",
            "register",
            "emsp",
            "--versions-url",
            offer["versions_url"],
            "--token",
            offer["token"],
            "--profile",
            "ocpi-2.1.1",
        )
        state = await s.get(f"{s.partner}/_sim/state")
        expect(state["registered"] and state["version"] == "2.1.1", f"not registered: {state}")
        return f"2.1.1 eMSP: partners register, our 2.1.1 credentials name {state['cpo_party']}"

    async def tariffs_push() -> str:
        path = s.folder / "tariffs.json"
        path.write_bytes(orjson.dumps(demo_data.tariffs()))
        s.run_cli("tariffs", "import", str(path))
        puts = await s.until(lambda: s.hub_requests("PUT", "/tariffs/"), "tariff PUT at the hub")
        if v211:  # a 2.1.1 Tariff names no owner and has no type
            body = puts[0]["body"]
            expect("country_code" not in body and "type" not in body, f"not 2.1.1: {body}")
        return f"ocpi-cpo tariffs import: {len(puts)} PUT at the hub"

    async def locations_push() -> str:
        path = s.folder / "locations.json"
        path.write_bytes(orjson.dumps(demo_data.locations(25)))
        s.run_cli("locations", "import", str(path))
        if not s.partner:
            held = await s.until(
                lambda: _count(s.get(f"{s.hub}/_sim/locations"), at_hub), f"{at_hub} at the hub"
            )
            copies = await s.get(f"{s.hub}/_sim/locations")
            location = copies["FR/AB1/LOC1"]
            expect(("type" in location) == v211, f"not in {s.version} form")
            others = [key for key in copies if v211 and not key.startswith("FR/AB1/")]
            expect(not others, f"another operation's Locations at FR*AB1's hub: {others[:3]}")
            return f"ocpi-cpo locations import: the hub holds {held}, in {s.version} form"
        held, held_211 = await asyncio.gather(
            s.until(lambda: _count(s.get(f"{s.hub}/_sim/locations"), 25), "25 at the hub"),
            s.until(lambda: _count(s.get(f"{s.partner}/_sim/locations"), 25), "25 at the eMSP"),
        )
        location = (await s.get(f"{s.partner}/_sim/locations"))["FR/AB1/LOC1"]
        expect("type" in location and "publish" not in location, "not in 2.1.1 form")
        return f"ocpi-cpo locations import: the hub holds {held}, the 2.1.1 eMSP {held_211}"

    async def pull() -> str:
        found, shown = [], []
        for party in ("FR/AB1", "FR/AB2"):  # one pull per operation, as the hub addresses them
            result = await s.post(
                f"{s.hub}/_sim/pull", {"module": "locations", "limit": 10, "party": party}
            )
            expect(result["ok"], f"pagination problems: {result}")
            found += result["ids"]
            shown.append(f"{party}: {[p['count'] for p in result['pages']]}")
        distinct = len(set(found))
        expect(distinct == at_hub, f"{distinct} distinct locations pulled, not {at_hub}")
        if v211:  # bound to FR*AB1: whatever party it addresses, it sees FR*AB1's
            return f"the hub pulled FR*AB1's {at_hub} locations page by page ({'; '.join(shown)})"
        return f"the hub pulled all 25 locations page by page ({'; '.join(shown)})"

    async def stations_connect() -> str:
        s.run_cli(
            "stations", "add", "ST16", "--location", "LOC1", "--evse", "1=E1-1", "--evse", "2=E1-2"
        )
        s.run_cli(
            "stations", "add", "ST201", "--location", "LOC2", "--evse", "1=E2-1", "--evse", "2=E2-2"
        )
        ws = s.cpo.replace("http://", "ws://") + "/ocpp"
        for station_id, version in (("ST16", "1.6"), ("ST201", "2.0.1")):
            station = SimStation(ws, station_id, version, connectors=2, say=lambda _: None)
            await station.connect()
            await station.boot()
            for number in (1, 2):
                await station.status(number, "Available")
            s.stations.append(station)
        await s.until(lambda: _status_patches(s, "E2-2", "AVAILABLE"), "AVAILABLE at the hub")
        return "ST16 (OCPP 1.6) and ST201 (OCPP 2.0.1) booted; statuses pushed"

    async def status_change() -> str:
        started = time.perf_counter()
        await s.stations[0].status(2, "Faulted", "GroundFailure")
        await s.until(
            lambda: _status_patches(s, "E1-2", "OUTOFORDER"), "OUTOFORDER at the hub", 1.0
        )
        return f"Faulted on ST16 connector 2 -> PATCH OUTOFORDER at the hub in {(time.perf_counter() - started) * 1000:.0f} ms"

    async def rfid_authorize() -> str:
        station = s.stations[0]
        await station.status(1, "Preparing")
        status = await station.authorize(BADGE)
        expect(status == "Accepted", f"badge refused: {status}")
        [call] = await s.hub_requests("POST", f"/tokens/{BADGE}/authorize")
        expect(
            call["body"] == {"location_id": "LOC1", "evse_uids": ["E1-1"]},
            f"LocationReferences {call['body']}",
        )
        return "Authorize -> POST tokens/{uid}/authorize with LocationReferences -> Accepted"

    async def rfid_session() -> str:
        station = s.stations[0]
        status = await station.start_transaction(1, BADGE)
        expect(status == "Accepted", f"transaction refused: {status}")
        await station.charging(1)
        for _ in range(3):
            await station.meter(1, 2000)
        session = await s.until(
            lambda: _session(s, lambda x: float(x.get("kwh", 0)) >= 6),
            "a session with 6 kWh at the hub",
        )
        s.state["rfid_session"] = session["id"]
        return f"session {session['id']} {session['status']}, {session['kwh']} kWh, PUT to the hub"

    async def rfid_cdr() -> str:
        await s.stations[0].stop_transaction(1, "EVDisconnected")
        cdr = await s.until(lambda: _cdr(s, s.state["rfid_session"]), "the CDR at the hub", 3)
        s.state["rfid_cdr"] = cdr["id"]
        cost = cdr["total_cost"]
        expect(cost_excl_vat(cdr) > 0, "the CDR has no price")
        if v211:  # a plain number in 2.1.1, and Gireve's authorization_id
            expect("authorization_id" in cdr, f"no authorization_id in {cdr}")
            return f"CDR {cdr['id']}: {cdr['total_energy']} kWh, {cost} EUR excl. VAT (2.1.1)"
        return f"CDR {cdr['id']}: {cdr['total_energy']} kWh, {cost['excl_vat']} EUR excl. VAT ({cost.get('incl_vat')} incl.)"

    async def charge_211() -> str:
        session_id = s.state["rfid_session"]
        session = await s.until(
            lambda: _session(s, lambda x: x["id"] == session_id, s.partner),
            "the session at the 2.1.1 eMSP",
        )
        # a 2.1.1 CDR names no session: the same CDR id as the hub's
        cdr = await s.until(lambda: _cdr_211(s, s.state["rfid_cdr"]), "the CDR at the eMSP", 3)
        expect("start_datetime" in session and "auth_id" in session, f"Session {session}")
        expect(isinstance(cdr["total_cost"], (int, float)), f"2.1.1 total_cost {cdr['total_cost']}")
        problems = [r for r in await s.get(f"{s.partner}/_sim/requests") if r["problems"]]
        expect(not problems, f"the 2.1.1 eMSP saw {problems[:1]}")
        return (
            f"session {session['id']} (start_datetime, auth_id {session['auth_id']}) and CDR"
            f" {cdr['id']} (stop_date_time, total_cost {cdr['total_cost']}) in OCPI 2.1.1"
        )

    async def remote_start() -> str:
        answer = await s.post(
            f"{s.hub}/_sim/commands/START_SESSION", {"location_id": "LOC2", "evse_uid": "E2-1"}
        )
        expect(answer.get("data", {}).get("result") == "ACCEPTED", f"CommandResponse {answer}")
        await s.stations[1].wait_for("started", 10)
        result = await s.until(lambda: _command_result(s, "ACCEPTED"), "CommandResult ACCEPTED")
        session = await s.until(
            lambda: _session(s, lambda x: evse_of(x) == "E2-1"), "the remote session at the hub"
        )
        s.state["remote_session"] = session["id"]
        return f"START_SESSION -> RequestStartTransaction -> CommandResult {result['result']}, session {session['id']}"

    async def meter_values() -> str:
        station = s.stations[1]
        for _ in range(2):
            await station.meter(1, 3000)
        session = await s.until(
            lambda: _session(
                s, lambda x: x["id"] == s.state["remote_session"] and float(x["kwh"]) >= 6
            ),
            "the session's kWh at the hub",
        )
        return f"session {session['id']}: {session['kwh']} kWh, {len(session.get('charging_periods', []))} charging periods"

    async def remote_stop() -> str:
        answer = await s.post(
            f"{s.hub}/_sim/commands/STOP_SESSION", {"session_id": s.state["remote_session"]}
        )
        expect(answer.get("data", {}).get("result") == "ACCEPTED", f"CommandResponse {answer}")
        await s.stations[1].wait_for("stopped", 10)
        cdr = await s.until(lambda: _cdr(s, s.state["remote_session"]), "the CDR at the hub", 3)
        return f"STOP_SESSION -> CDR {cdr['id']}: {cost_excl_vat(cdr)} EUR excl. VAT"

    async def commands_not_forwarded() -> str:
        """Gireve's 2.1.1 IOP forwards START/STOP only (its cpo_commands.md: ReserveNow and
        UnlockConnector "not yet implemented"); 2.1.1 has no CANCEL_RESERVATION."""
        orders = {
            "RESERVE_NOW": {"location_id": "LOC2", "evse_uid": "E2-1"},
            "UNLOCK_CONNECTOR": {"location_id": "LOC2", "evse_uid": "E2-1", "connector_id": "1"},
            "CANCEL_RESERVATION": {"body": {"response_url": f"{s.hub}/x", "reservation_id": "R1"}},
        }
        for command, order in orders.items():
            answer = await s.post(f"{s.hub}/_sim/commands/{command}", order)
            result = (answer.get("data") or {}).get("result")
            expect(result == "NOT_SUPPORTED", f"{command}: {answer}")
        return "RESERVE_NOW, UNLOCK_CONNECTOR, CANCEL_RESERVATION -> NOT_SUPPORTED"

    async def reserve_and_unlock_211() -> str:
        """The 2.1.1 eMSP (a plain 2.1.1 partner) reserves and unlocks; results at its
        response_url, in 2.1.1 form."""
        done = []
        for command, order in (
            ("RESERVE_NOW", {"location_id": "LOC2", "evse_uid": "E2-1", "uid": BADGE}),
            ("UNLOCK_CONNECTOR", {"location_id": "LOC2", "evse_uid": "E2-1", "connector_id": "1"}),
        ):
            answer = await s.post(f"{s.partner}/_sim/commands/{command}", order)
            expect((answer.get("data") or {}).get("result") == "ACCEPTED", f"{command}: {answer}")
            ref = str(answer["ref"])
            result = await s.until(
                functools.partial(_command_result, s, "ACCEPTED", s.partner, ref),
                f"the {command} result at the eMSP",
            )
            done.append(f"{command} {result['result']}")
        return f"2.1.1 eMSP: {', '.join(done)} (CommandResponse at its response_url)"

    async def tariff_delete() -> str:
        path = s.folder / "promo.json"
        path.write_bytes(orjson.dumps(demo_data.tariff(demo_data.PROMO_ID, "0.20")))
        s.run_cli("tariffs", "import", str(path))
        if v211:  # Gireve's 2.1.1 IOP takes Tariffs PUT and GET only (gireve-2.1.1.md §7)
            promo = f"FR/AB1/{demo_data.PROMO_ID}"
            await s.until(lambda: s.hub_requests("PUT", f"/tariffs/{promo}"), "the PROMO PUT")
            deleted = orjson.loads(
                s.run_cli(
                    "tariffs", "delete", demo_data.PROMO_ID, "--operation", "FR*AB1", "--json"
                )
            )
            expect(deleted["queued"] == 0, f"a DELETE queued for a 2.1.1 Gireve: {deleted}")
            return "PUT of tariff PROMO at the hub; its delete sends nothing (no DELETE on 2.1.1)"
        s.run_cli("tariffs", "delete", demo_data.PROMO_ID, "--operation", "FR*AB1")
        await s.until(
            lambda: s.hub_requests("DELETE", f"/tariffs/FR/AB1/{demo_data.PROMO_ID}"),
            "the tariff DELETE at the hub",
        )
        return "PUT then DELETE of tariff PROMO at the hub"

    async def outage() -> str:
        await s.post(f"{s.hub}/_sim/fail", {"mode": "down", "seconds": 3})
        sequence = ["CHARGING", "AVAILABLE", "BLOCKED", "AVAILABLE", "CHARGING"]
        for status in sequence:
            await s.admin("PUT", "/admin/evses/E3-1/status", {"status": status})
        seen = await s.until(lambda: _statuses(s, "E3-1", len(sequence)), "the replay", 20)
        expect(seen == sequence, f"replayed out of order: {seen}")
        return f"hub down 3 s, 5 changes kept and replayed in order: {' > '.join(seen)}"

    async def check_evci() -> str:
        stale = demo_data.location(5, datetime.now(UTC))
        stale["name"] = "A stale copy"
        async with s.session.put(f"{s.hub}/_sim/locations/FR/AB1/LOC5", data=orjson.dumps(stale)):
            pass
        found = s.cli("locations", "check", "gireve")
        expect(found.returncode == 1 and "LOC5" in found.stdout, f"not found stale: {found.stdout}")
        s.run_cli("locations", "check", "gireve", "--fix")
        await s.until(lambda: _hub_name(s, "FR/AB1/LOC5", "Demo station 5"), "the repaired copy")
        again = s.cli("locations", "check", "gireve")
        expect(again.returncode == 0, f"still out of sync: {again.stdout}")
        return "found the stale LOC5, --fix pushed it, the hub now matches"

    async def well_formed() -> str:
        seen = await s.get(f"{s.hub}/_sim/requests")
        problems = [(r["method"], r["path"], r["problems"]) for r in seen if r["problems"]]
        expect(not problems, f"the hub found {len(problems)} bad requests: {problems[:2]}")
        return f"{len(seen)} requests at the hub, each as OCPI {s.version} and Gireve ask"

    emsp = ", eMSP (2.1.1)" if s is None or s.partner else ""
    version = "2.2.1" if s is None else s.version
    return [
        (f"registration: hub (FromIOP, {version}){emsp}", register),
        ("tariffs push", tariffs_push),
        ("locations push (PUT)", locations_push),
        (f"pull with pagination ({at_hub} locations, pages of 10)", pull),
        ("stations connect: OCPP 1.6 and 2.0.1", stations_connect),
        ("a status change reaches the hub within a second", status_change),
        ("RFID real-time authorization through the hub", rfid_authorize),
        ("RFID charge: session updates at the hub", rfid_session),
        ("end of charge: priced CDR at the hub", rfid_cdr),
        *([("the same charge at the 2.1.1 eMSP, in 2.1.1", charge_211)] if emsp else []),
        ("remote start from the hub", remote_start),
        ("meter values: session updates", meter_values),
        ("remote stop and its CDR", remote_stop),
        *([("commands Gireve does not forward on 2.1.1", commands_not_forwarded)] if v211 else []),
        *([("reserve and unlock from the 2.1.1 eMSP", reserve_and_unlock_211)] if emsp else []),
        (
            "tariff push and delete" if not v211 else "tariff push (no DELETE on 2.1.1)",
            tariff_delete,
        ),
        ("hub outage and FIFO replay", outage),
        ("Check EVCI and repair", check_evci),
        ("every request well-formed at the hub", well_formed),
    ]


async def _count(fetch: Awaitable[Any], wanted: int) -> int | None:
    held = await fetch
    return len(held) if len(held) >= wanted else None


async def _status_patches(s: Stage, evse: str, status: str) -> bool:
    for r in await s.hub_requests("PATCH", f"/{evse}"):
        if isinstance(r["body"], dict) and r["body"].get("status") == status:
            return True
    return False


async def _statuses(s: Stage, evse: str, count: int) -> list[str] | None:
    seen = [
        r["body"]["status"]
        for r in await s.hub_requests("PATCH", f"/{evse}")
        if isinstance(r["body"], dict) and "status" in r["body"]
    ]
    return seen[-count:] if len(seen) >= count else None


async def _session(
    s: Stage, match: Callable[[dict[str, Any]], bool], at: str | None = None
) -> dict[str, Any] | None:
    sessions = await s.get(f"{at or s.hub}/_sim/sessions")
    return next((x for x in sessions.values() if match(x)), None)


async def _cdr_211(s: Stage, cdr_id: str) -> dict[str, Any] | None:
    cdrs = await s.get(f"{s.partner}/_sim/cdrs")
    return next((c for c in cdrs if c.get("id") == cdr_id), None)


def evse_of(document: dict[str, Any]) -> str | None:
    """The EVSE uid of a Session or CDR as the hub holds it: 2.2.1 names it (``evse_uid``,
    ``cdr_location.evse_uid``), 2.1.1 gives the Location with that one EVSE."""
    if "evse_uid" in document:
        return str(document["evse_uid"])
    if "cdr_location" in document:
        return str(document["cdr_location"]["evse_uid"])
    evses = (document.get("location") or {}).get("evses") or [{}]
    uid = evses[0].get("uid")
    return None if uid is None else str(uid)


def cost_excl_vat(cdr: dict[str, Any]) -> float:
    """A CDR's total cost excluding VAT: a Price in 2.2.1, a plain number in 2.1.1."""
    cost = cdr["total_cost"]
    return float(cost["excl_vat"] if isinstance(cost, dict) else cost)


def cdr_of_session(cdr: dict[str, Any], session: dict[str, Any] | None) -> bool:
    """Whether the CDR closes the session: 2.2.1 names it (``session_id``); a 2.1.1 CDR does
    not, it starts when the session started, at the same EVSE."""
    if session is None:
        return False
    if "session_id" in cdr:
        return bool(cdr["session_id"] == session["id"])
    return bool(
        cdr.get("start_date_time") == session.get("start_datetime")
        and evse_of(cdr) == evse_of(session)
    )


async def _cdr(s: Stage, session_id: str) -> dict[str, Any] | None:
    sessions = await s.get(f"{s.hub}/_sim/sessions")
    session = next((x for x in sessions.values() if x["id"] == session_id), None)
    cdrs = await s.get(f"{s.hub}/_sim/cdrs")
    return next((c for c in cdrs if cdr_of_session(c, session)), None)


async def _command_result(
    s: Stage, result: str, at: str | None = None, ref: str | None = None
) -> dict[str, Any] | None:
    results = await s.get(f"{at or s.hub}/_sim/command_results")
    return next(
        (r for r in results if r.get("result") == result and ref in (None, r.get("ref"))), None
    )


async def _hub_name(s: Stage, key: str, name: str) -> bool:
    held = await s.get(f"{s.hub}/_sim/locations")
    return bool(held.get(key, {}).get("name") == name)
