"""OCPP 2.0.1: the CSMS side of one station connection.

Numbering: each evseId is one OCPI EVSE, its connectorIds the OCPI connector ids. The station
chooses transaction ids. A transaction becomes a session when a token is known for it: in the
Started event, in a later Updated event (plug first, badge later), or from our own remote start
(``remoteStartId``). Events are de-duplicated by ``seqNo``; ``offline=true`` replays are accepted.
Actions without a handler get a CALLERROR from the library (NotImplemented / NotSupported).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.stations import AuthorizationDecision, AuthorizationOutcome, TransactionStarted
from ocpi_cpo.ocpp_gateway import common
from ocpi_cpo.ocpp_gateway._lib import ChargePoint201, call201, on, result201
from ocpi_cpo.ocpp_gateway.link import StationLink, Transaction
from ocpi_cpo.ocpp_gateway.mapping import CHARGING_STATE_201, TOKEN_TYPE, V201, authorization_status
from ocpi_cpo.ocpp_gateway.meter import Sample, begin_register, parse_meter_values, parse_timestamp

LOG = logging.getLogger(__name__)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _end_register(samples: list[Sample]) -> Decimal | None:
    registers = [s for s in samples if s.register_wh is not None]
    for sample in registers:
        if sample.context == "Transaction.End":
            return sample.register_wh
    return registers[-1].register_wh if registers else None


class CentralSystem201(ChargePoint201):
    def __init__(self, link: StationLink, connection: Any) -> None:
        super().__init__(link.station_id, connection, response_timeout=link.options.command_timeout)
        self.link = link

    def _info(self, decision: AuthorizationDecision) -> dict[str, str]:
        return {"status": authorization_status(V201, decision.outcome)}

    @on("BootNotification")
    async def on_boot_notification(self, charging_station: dict[str, Any], **_: Any) -> Any:
        await common.booted(
            self.link,
            charging_station.get("vendor_name"),
            charging_station.get("model"),
            charging_station.get("firmware_version"),
        )
        return result201.BootNotification(
            current_time=_iso(self.link.clock.now()),
            interval=self.link.options.heartbeat_interval,
            status="Accepted",
        )

    @on("Heartbeat")
    async def on_heartbeat(self, **_: Any) -> Any:
        await common.heartbeat(self.link)
        return result201.Heartbeat(current_time=_iso(self.link.clock.now()))

    @on("StatusNotification")
    async def on_status_notification(
        self, timestamp: str, connector_status: str, evse_id: int, connector_id: int, **_: Any
    ) -> Any:
        at = parse_timestamp(timestamp, self.link.clock.now())
        common.report_status(self.link, evse_id, connector_id, connector_status, at)
        return result201.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> Any:
        decision = await common.authorize(
            self.link, id_token["id_token"], TOKEN_TYPE.get(id_token.get("type", ""), "OTHER"), None
        )
        return result201.Authorize(id_token_info=self._info(decision))

    @on("MeterValues")
    async def on_meter_values(self, **_: Any) -> Any:
        # Outside transactions: nothing a session needs.
        return result201.MeterValues()

    @on("TransactionEvent")
    async def on_transaction_event(
        self,
        event_type: str,
        timestamp: str,
        seq_no: int,
        transaction_info: dict[str, Any],
        **kwargs: Any,
    ) -> Any:
        link = self.link
        now = link.clock.now()
        at = parse_timestamp(timestamp, now)
        tx = self._transaction(event_type, transaction_info, kwargs, at)
        if seq_no in tx.seq_nos:
            return result201.TransactionEvent()  # a retry of an event already handled
        tx.seq_nos.add(seq_no)
        try:
            return await self._handle_event(tx, event_type, at, now, transaction_info, kwargs)
        except BaseException:
            # Not handled (the station gets a CALLERROR): its resend must be, not skipped as a
            # duplicate, or an Ended event lost here would leave the charge open and unbilled.
            tx.seq_nos.discard(seq_no)
            raise

    async def _handle_event(
        self,
        tx: Transaction,
        event_type: str,
        at: datetime,
        now: datetime,
        transaction_info: dict[str, Any],
        kwargs: dict[str, Any],
    ) -> Any:
        link = self.link
        samples = parse_meter_values(kwargs.get("meter_value"), now)
        info: dict[str, str] | None = None
        id_token = kwargs.get("id_token")
        if not tx.started:
            tx.buffered.extend(samples)
            samples = []
            decision = await self._start(tx, transaction_info, id_token, at)
            if decision is not None:
                info = self._info(decision)
                samples, tx.buffered = tx.buffered, []
        elif id_token is not None:
            info = self._info(await self._other_token(tx, id_token))
        if tx.started:
            state = CHARGING_STATE_201.get(transaction_info.get("charging_state") or "")
            stop = None
            if event_type == "Ended":
                reason = transaction_info.get("stopped_reason")
                stop = common.Stop(_end_register(samples), at, reason)
            await common.progress(link, tx, samples, state, at, stop)
        elif event_type == "Ended":
            LOG.warning(
                "station %s: transaction %s ended without a token: no session",
                link.station_id,
                tx.transaction_id,
            )
            link.transactions.pop(tx.transaction_id, None)
        return result201.TransactionEvent(id_token_info=info)

    def _transaction(
        self,
        event_type: str,
        transaction_info: dict[str, Any],
        kwargs: dict[str, Any],
        at: datetime,
    ) -> Transaction:
        transaction_id = str(transaction_info["transaction_id"])
        tx = self.link.transactions.get(transaction_id)
        evse = kwargs.get("evse") or {}
        if tx is None:
            # Unknown and not Started: begun before we (re)started; its session exists already,
            # unless this event brings the token that starts it.
            started = event_type != "Started" and kwargs.get("id_token") is None
            tx = Transaction(
                transaction_id,
                evse.get("id"),
                str(evse.get("connector_id", 1)),
                started=started,
                opened_at=at,
            )
            self.link.transactions[transaction_id] = tx
        elif tx.number is None and evse.get("id") is not None:
            tx.number = evse["id"]
            tx.connector_id = str(evse.get("connector_id", 1))
        return tx

    async def _start(
        self,
        tx: Transaction,
        transaction_info: dict[str, Any],
        id_token: dict[str, Any] | None,
        at: datetime,
    ) -> AuthorizationDecision | None:
        link = self.link
        counter = transaction_info.get("remote_start_id")
        pending = link.pending_for(counter=counter) if counter is not None else None
        if pending is None and id_token is not None:
            pending = link.pending_for(uid=id_token["id_token"], number=tx.number)
        if id_token is None and pending is None:
            return None  # wait for the token (plug first, badge later)
        if pending is not None and tx.number is None:
            tx.number = pending.number
        evse_uid = link.evse_uid(tx.number)
        if evse_uid is None:
            LOG.error(
                "station %s: transaction %s on EVSE %s, which maps to no OCPI EVSE: refused",
                link.station_id,
                tx.transaction_id,
                tx.number,
            )
            tx.started = True
            return AuthorizationDecision(AuthorizationOutcome.NOT_ALLOWED, reason="unmapped EVSE")
        if id_token is not None:
            uid, token_type = (
                id_token["id_token"],
                TOKEN_TYPE.get(id_token.get("type", ""), "OTHER"),
            )
        else:
            assert pending is not None
            uid, token_type = pending.uid, pending.token_type
        if pending is not None:
            link.consume(pending)
            token_type = pending.token_type if pending.uid == uid else token_type
        meter_start = begin_register(tx.buffered)
        event = TransactionStarted(
            station_id=link.station_id,
            evse_uid=evse_uid,
            connector_id=tx.connector_id,
            transaction_id=tx.transaction_id,
            uid=uid,
            token_type=token_type,
            meter_start_wh=meter_start if meter_start is not None else Decimal(0),
            started_at=tx.opened_at or at,
            remote_start_id=pending.remote_start_id if pending else None,
            meter_start_known=meter_start is not None,
        )
        decision = await link.ask(lambda: link.events.transaction_started(event))
        tx.started, tx.uid = True, uid
        return decision

    async def _other_token(
        self, tx: Transaction, id_token: dict[str, Any]
    ) -> AuthorizationDecision:
        if id_token["id_token"] == tx.uid:
            return AuthorizationDecision(AuthorizationOutcome.ALLOWED)
        token_type = TOKEN_TYPE.get(id_token.get("type", ""), "OTHER")
        evse_uid = self.link.evse_uid(tx.number)
        return await common.authorize(self.link, id_token["id_token"], token_type, evse_uid)

    # -- commands (called by the driver, never from a handler) --------------------------------

    async def trigger_status(self, numbers: list[int] | None = None) -> None:
        """StatusNotification of ``numbers`` (evseIds), or of every EVSE."""
        for number in sorted(self.link.station.evses) if numbers is None else numbers:
            await self.call(
                call201.TriggerMessage(requested_message="StatusNotification", evse={"id": number})
            )
