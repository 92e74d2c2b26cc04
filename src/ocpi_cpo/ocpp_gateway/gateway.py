"""The OCPP endpoint on the FastAPI app: ``ws(s)://HOST:PORT/ocpp/{station_id}``.

The handshake is checked before the websocket is accepted:

* a subprotocol we speak (``ocpp2.0.1`` preferred, ``ocpp1.6``), else HTTP 400;
* a station in the registry (``ocpi-cpo stations add``), else HTTP 404 (OCPP-J: unknown identity);
* the station's security profile, never less (docs/security.md, "Station certificates"):
  profile 3, a client certificate from the CPO's CA whose CN is the station id (over the stations'
  TLS listener, or in a header from a trusted proxy: ``ocpp_gateway.certificates``), else HTTP
  403; profile 2, TLS (wss, or a trusted proxy's X-Forwarded-Proto https), else HTTP 403, and
  HTTP Basic auth; profile 1, HTTP Basic auth when the station has a password. Basic auth takes
  the station id as user name; missing or wrong, HTTP 401 with ``WWW-Authenticate``.

Before any of that, the door (``ocpp_gateway.door``) counts the attempt per station id and per
source address, and attempts naming unknown ids per address: beyond a burst, HTTP 429 with
Retry-After and a log line naming the id and the address. A connected station sending messages
faster than ``[ocpp] messages_per_second`` (after ``message_burst``) is closed (1008). A station
whose events wait for the services (``[ocpp] events_per_station`` of them) is not read until
they have room (``StationLink.room``): its frames wait in its own socket, not in our memory.

A second connection of the same station replaces the first. A dropped connection, or heartbeats
missed for ``ocpp.heartbeat_grace`` intervals, is reported with ``StationEvents.station_offline``;
on return ``station_online`` and, unless the station boots, a TriggerMessage(StatusNotification)
for the EVSEs whose status is unknown (UNKNOWN since the drop, or never stored), none when all
are known (``StationLink.trigger_status_later``).
Each connection records a new epoch in the station's row (``stations.connected``); the offline
writes of a closed connection name its epoch and apply only while no newer connection exists, on
this instance or another, so a station back within a second keeps what it has just reported.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from typing import Any, NoReturn

from fastapi import FastAPI, WebSocket
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ocpi_cpo import metrics
from ocpi_cpo.domain.station_registry import Station, verify_password
from ocpi_cpo.ocpi.context import OcpiContext
from ocpi_cpo.ocpp_gateway._lib import PREFERRED, SUBPROTOCOLS
from ocpi_cpo.ocpp_gateway.certificates import StationCertificates
from ocpi_cpo.ocpp_gateway.door import Door, MessageLimit
from ocpi_cpo.ocpp_gateway.driver import OcppDriver
from ocpi_cpo.ocpp_gateway.frames import check
from ocpi_cpo.ocpp_gateway.heartbeats import Heartbeats
from ocpi_cpo.ocpp_gateway.journaling import OcppJournal
from ocpi_cpo.ocpp_gateway.link import StationLink
from ocpi_cpo.ocpp_gateway.mapping import V16
from ocpi_cpo.ocpp_gateway.passwords import CheckedPasswords
from ocpi_cpo.ocpp_gateway.traffic import Traffic
from ocpi_cpo.ocpp_gateway.v16 import CentralSystem16
from ocpi_cpo.ocpp_gateway.v201 import CentralSystem201
from ocpi_cpo.services.ports import StationEvents

LOG = logging.getLogger(__name__)
PATH = "/ocpp/{station_id}"


class Refused(Exception):
    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


class WebSocketConnection:
    """The ``ocpp`` library's connection interface (``recv``/``send``) over a Starlette websocket."""

    def __init__(
        self, websocket: WebSocket, link: StationLink, limit: MessageLimit, journal: OcppJournal
    ) -> None:
        self._ws = websocket
        self._link = link
        self._limit = limit
        self._journal = journal
        self._traffic = Traffic()

    async def recv(self) -> str:
        """The next frame the library may route; malformed ones are answered here
        (``ocpp_gateway.frames``), a binary one closes the connection."""
        while True:
            await self._link.room()
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if self._limit.exceeded():
                await self._close(1008, "more messages than allowed")
            text = message.get("text")
            if text is None:
                await self._close(1003, "a binary frame (OCPP-J frames are text)")
            self._link.touch(text)
            self._journal.note("in", str(text))
            frame, refused = check(text, self._link.version)
            if refused is None:
                self._traffic.received(frame)
                return str(text)
            LOG.info("station %s: malformed frame answered with a CALLERROR", self._link.station_id)
            await self.send(refused)

    async def _close(self, code: int, why: str) -> NoReturn:
        LOG.warning(
            "station %s from %s: %s, closing the connection",
            self._link.station_id,
            _address(self._ws),
            why,
        )
        with contextlib.suppress(Exception):
            await self._ws.close(code=code)
        raise WebSocketDisconnect(code)

    async def send(self, message: str) -> None:
        self._journal.note("out", message)
        self._traffic.sending(message)
        try:
            await self._ws.send_text(message)
        except RuntimeError:
            # closed meanwhile (replaced by the station's newer connection, or a shutdown): an
            # ordinary end, not a failure; an unanswered transaction message is sent again by
            # the station on its new connection
            if self._ws.application_state is WebSocketState.DISCONNECTED:
                raise WebSocketDisconnect(1001) from None
            raise


def choose_subprotocol(offered: list[str]) -> str | None:
    for name in PREFERRED:
        if name in offered:
            return name
    return None


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _address(websocket: WebSocket) -> str:
    return websocket.client.host if websocket.client is not None else "unknown"


class Gateway:
    def __init__(self, context: OcpiContext, events: StationEvents, driver: OcppDriver) -> None:
        self.context = context
        self.events = events
        self.driver = driver
        self.door = Door(context.settings.ocpp)
        self.certificates = StationCertificates(context.settings.ocpp.tls)
        self.heartbeats = driver.heartbeats = Heartbeats(context.storage)
        self.offline_grace = context.settings.ocpp.offline_grace
        self.passwords = CheckedPasswords()

    async def _admit(self, websocket: WebSocket, station_id: str) -> tuple[Station, str]:
        offered = list(websocket.scope.get("subprotocols") or [])
        subprotocol = choose_subprotocol(offered)
        if subprotocol is None:
            raise Refused(
                400, f"no OCPP subprotocol we speak in {offered}: use ocpp1.6 or ocpp2.0.1"
            )
        # read at every connection, never kept: a password or profile changed anywhere (the CLI,
        # another instance) holds from the next connection on; one statement, no transaction
        async with self.context.storage.read(snapshot=False) as uow:
            station = await uow.stations.get(station_id)
        if station is None:
            raise Refused(404, f"unknown station {station_id!r}")
        await self._authenticate(websocket, station)
        return station, subprotocol

    async def _authenticate(self, websocket: WebSocket, station: Station) -> None:
        """Refuse anything below the station's security profile (no downgrade)."""
        station_id = station.station_id
        headers = websocket.headers
        if station.security_profile == 3:
            identity = self.certificates.identity(
                websocket.scope, headers, self.context.clock.now()
            )
            if identity.common_names is None:
                raise Refused(403, f"station {station_id}: security profile 3: {identity.problem}")
            if identity.common_names != (station_id,):
                shown = ", ".join(identity.common_names) or "none"
                raise Refused(
                    403,
                    f"station {station_id}: security profile 3: the certificate's CN ({shown})"
                    " is not the station id",
                )
            return
        if station.security_profile == 2 and not self.certificates.over_tls(
            websocket.scope, headers
        ):
            raise Refused(403, f"station {station_id}: security profile 2 needs TLS (wss)")
        if station.password_hash is not None:
            credentials = basic_credentials(websocket.headers.get("authorization"))
            ok = credentials is not None and credentials[0] == station_id
            if ok and credentials is not None:
                ok = await self._password_ok(station_id, credentials[1], station.password_hash)
            if not ok:
                raise Refused(
                    401,
                    f"station {station_id}: HTTP Basic auth missing or wrong",
                    {"WWW-Authenticate": 'Basic realm="ocpi-cpo OCPP", charset="UTF-8"'},
                )

    async def _password_ok(self, station_id: str, password: str, stored: str) -> bool:
        """scrypt, unless this password let the station in before (ocpp_gateway.passwords)."""
        if self.passwords.known(station_id, password, stored):
            return True
        ok = await asyncio.to_thread(verify_password, password, stored)
        if ok:
            self.passwords.remember(station_id, password, stored)
        return ok

    async def endpoint(self, websocket: WebSocket, station_id: str) -> None:
        address = _address(websocket)
        limited = self.door.attempt(station_id, address)
        try:
            if limited is not None:
                wait, why = limited
                raise Refused(429, f"{why}: retry in {wait} s", {"Retry-After": str(wait)})
            station, subprotocol = await self._admit(websocket, station_id)
        except Refused as refused:
            if refused.status == 404:
                self.door.unknown(address)
            metrics.OCPP_REFUSED.labels(str(refused.status)).inc()
            LOG.warning(
                "OCPP connection refused (%s): station id %r from %s: %s",
                refused.status,
                station_id,
                address,
                refused.reason,
            )
            await _deny(websocket, refused)
            return
        await websocket.accept(subprotocol=subprotocol)
        await self._serve(websocket, station, SUBPROTOCOLS[subprotocol])

    async def _serve(self, websocket: WebSocket, station: Station, version: str) -> None:
        context = self.context

        async def close() -> None:
            if websocket.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(Exception):  # already gone: nothing left to close
                    await websocket.close(code=1001)

        link = StationLink(
            station,
            version,
            events=self.events,
            storage=context.storage,
            clock=context.clock,
            options=context.settings.ocpp,
            close=close,
            heartbeats=self.heartbeats,
            writes=context.station_writes,
        )
        options = context.settings.ocpp
        limit = MessageLimit(options.messages_per_second, options.message_burst)
        journal = OcppJournal(context.journal, station.station_id, link.evse_uid)
        connection = WebSocketConnection(websocket, link, limit, journal)
        endpoint: Any = (CentralSystem16 if version == V16 else CentralSystem201)(link, connection)
        link.endpoint = endpoint
        previous = self.driver.attach(link)
        # recorded online, but no connection of it here: its last connection's instance died
        # before recording its end (or holds it still): its last statuses may not be stored
        link.statuses_in_doubt = previous is None and station.online
        if previous is not None:
            LOG.warning(
                "station %s connected again: closing its previous connection", station.station_id
            )
            await previous.close()
        LOG.info("station %s connected (OCPP %s)", station.station_id, version)
        link.start()
        link.emit(lambda: self.events.station_online(station.station_id, context.clock.now()))
        await link.write(link.record_connected)
        link.spawn(
            link.watch(), link.trigger_status_later(context.settings.ocpp.status_trigger_delay)
        )
        metrics.OCPP_STATIONS.labels(version).inc()
        try:
            link.mark_receive_loop()
            await endpoint.start()
        except (WebSocketDisconnect, OSError):  # uvicorn's ClientDisconnected is an OSError
            pass
        except Exception:
            LOG.exception("station %s: connection failed", station.station_id)
        finally:
            await self._closed(link)

    async def _closed(self, link: StationLink) -> None:
        link.closed.set()
        metrics.OCPP_STATIONS.labels(link.version).dec()
        await link.cancel_tasks()
        current = self.driver.detach(link)
        if current:
            # reported offline (EVSEs UNKNOWN) now, or by the leader if it is not back within
            # the grace (services.dropped_stations)
            link.went_offline("connection closed", report=self.offline_grace <= 0)
        await link.drain()
        if current:
            # after its events are stored: a connection recorded closed has nothing in flight
            # (a crash before this leaves it recorded online: the next connection asks all)
            now, epoch = self.context.clock.now(), link.epoch
            try:
                await link.write(lambda uow: uow.stations.disconnected(link.station_id, now, epoch))
            except Exception:
                # left recorded online: its next connection asks for every status, and on
                # PostgreSQL the leader reports it offline once its presence lease lapses
                LOG.exception("station %s: the end of its connection not recorded", link.station_id)
        link.finished.set()
        LOG.info("station %s disconnected", link.station_id)


async def _deny(websocket: WebSocket, refused: Refused) -> None:
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(
            PlainTextResponse(refused.reason, status_code=refused.status, headers=refused.headers)
        )
    else:
        await websocket.close(code=1008)


def mount_gateway(app: FastAPI, context: OcpiContext, events: StationEvents) -> OcppDriver:
    """Serve OCPP 1.6J and 2.0.1 stations at ``/ocpp/{station_id}`` on ``app``.

    ``events`` receives what stations report; the returned driver is the ``StationDriver`` for
    commands. Settings: ``context.settings.ocpp``. Call ``await driver.close()`` at shutdown to
    close the connections before storage goes away.
    """
    driver = OcppDriver()
    gateway = Gateway(context, events, driver)
    app.add_api_websocket_route(PATH, gateway.endpoint, name="ocpp")
    return driver
