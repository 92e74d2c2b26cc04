"""Scripted station scenarios, for ``ocpi-cpo sim station --scenario NAME`` and for tests.

Each scenario drives one :class:`~ocpi_cpo.sim.station.SimStation` through a story and raises
:class:`~ocpi_cpo.sim.station.SimError` when the central system does not answer as expected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocpi_cpo.sim.errors import SimError

if TYPE_CHECKING:
    from ocpi_cpo.sim.station import SimStation


@dataclass(frozen=True)
class ScenarioOptions:
    badge: str = "04A1B2C3D4E5F6"  # an RFID UID the central system accepts
    bad_badge: str = "DEADBEEF"  # one it refuses
    wait: float = 60.0  # how long to wait for the central system's commands
    offline_seconds: float = 1.0
    meter_steps: int = 3


Scenario = Callable[["SimStation", ScenarioOptions], Awaitable[None]]


async def _begin(station: SimStation) -> None:
    await station.boot()
    for number in station.connectors:
        await station.status(number, "Available")


async def plug_and_charge(station: SimStation, options: ScenarioOptions) -> None:
    """Badge, charge with meter values and a pause (SuspendedEV), unplug."""
    await _begin(station)
    await station.status(1, "Preparing")
    if (status := await station.authorize(options.badge)) != "Accepted":
        raise SimError(f"badge {options.badge} refused ({status})")
    if (status := await station.start_transaction(1, options.badge)) != "Accepted":
        raise SimError(f"transaction refused ({status})")
    await station.charging(1)
    for _ in range(options.meter_steps):
        await station.meter(1, 1500)
    await station.charging(1, "SuspendedEV")
    await station.stop_transaction(1, "EVDisconnected")
    await station.status(1, "Finishing")
    await station.status(1, "Available")


async def remote_start_stop(station: SimStation, options: ScenarioOptions) -> None:
    """Wait for a remote start, charge, wait for the remote stop."""
    await _begin(station)
    station.say(f"{station.station_id}: waiting {options.wait:.0f} s for a remote start")
    await station.wait_for("started", options.wait)
    station.say(f"{station.station_id}: waiting {options.wait:.0f} s for a remote stop")
    await station.wait_for("stopped", options.wait)


async def fault_during_charge(station: SimStation, options: ScenarioOptions) -> None:
    """A ground fault in the middle of a charge ends it; the connector recovers later."""
    await _begin(station)
    await station.status(1, "Preparing")
    await station.authorize(options.badge)
    await station.start_transaction(1, options.badge)
    await station.charging(1)
    await station.meter(1, 1200)
    await station.status(1, "Faulted", error_code="GroundFailure")
    await station.stop_transaction(1, "Other" if station.version == "1.6" else "GroundFault")
    await station.status(1, "Available")


async def rejected_badge(station: SimStation, options: ScenarioOptions) -> None:
    """An unknown badge is refused and nothing starts."""
    await _begin(station)
    status = await station.authorize(options.bad_badge)
    if status == "Accepted":
        raise SimError(f"badge {options.bad_badge} was accepted, expected a refusal")


async def offline_and_back(station: SimStation, options: ScenarioOptions) -> None:
    """The connection drops while a car is plugged in, then comes back (no reboot)."""
    await _begin(station)
    await station.status(1, "Preparing")
    await station.disconnect()
    await asyncio.sleep(options.offline_seconds)
    await station.reconnect()
    await station.wait_for("TriggerMessage", options.wait)
    await station.heartbeat()


SCENARIOS: dict[str, Scenario] = {
    "plug-and-charge": plug_and_charge,
    "remote-start-stop": remote_start_stop,
    "fault-during-charge": fault_during_charge,
    "rejected-badge": rejected_badge,
    "offline-and-back": offline_and_back,
}
