"""OCPP 1.6J: the central-system side of one station connection.

Numbering: each connectorId (>= 1) is one OCPI EVSE with connector "1"; connectorId 0 is the whole
station (ocpp-bridge.md §2.1-2.2). We issue the integer transactionIds (a database sequence).
Actions without a handler get a CALLERROR from the library (NotImplemented / NotSupported).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from ocpi_cpo.domain.stations import TransactionStarted
from ocpi_cpo.ocpp_gateway import common
from ocpi_cpo.ocpp_gateway._lib import ChargePoint16, call16, on, result16
from ocpi_cpo.ocpp_gateway.link import StationLink, Transaction
from ocpi_cpo.ocpp_gateway.mapping import CHARGING_STATE_16, V16, authorization_status
from ocpi_cpo.ocpp_gateway.meter import parse_meter_values, parse_timestamp

LOG = logging.getLogger(__name__)
CONNECTOR = "1"  # the OCPI connector id of a 1.6 EVSE


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class CentralSystem16(ChargePoint16):
    def __init__(self, link: StationLink, connection: Any) -> None:
        super().__init__(link.station_id, connection, response_timeout=link.options.command_timeout)
        self.link = link

    def _id_tag_info(self, outcome: Any) -> dict[str, str]:
        return {"status": authorization_status(V16, outcome)}

    @on("BootNotification")
    async def on_boot_notification(
        self, charge_point_vendor: str, charge_point_model: str, **kwargs: Any
    ) -> Any:
        await common.booted(
            self.link, charge_point_vendor, charge_point_model, kwargs.get("firmware_version")
        )
        return result16.BootNotification(
            current_time=_iso(self.link.clock.now()),
            interval=self.link.options.heartbeat_interval,
            status="Accepted",
        )

    @on("Heartbeat")
    async def on_heartbeat(self, **_: Any) -> Any:
        await common.heartbeat(self.link)
        return result16.Heartbeat(current_time=_iso(self.link.clock.now()))

    @on("StatusNotification")
    async def on_status_notification(
        self, connector_id: int, error_code: str, status: str, **kwargs: Any
    ) -> Any:
        link = self.link
        at = parse_timestamp(kwargs.get("timestamp"), link.clock.now())
        common.report_status(link, connector_id, 1, status, at)
        for tx in list(link.transactions.values()):
            if tx.number == connector_id:
                await common.charging_state(link, tx, CHARGING_STATE_16.get(status), at, wait=False)
        return result16.StatusNotification()

    @on("Authorize")
    async def on_authorize(self, id_tag: str, **_: Any) -> Any:
        decision = await common.authorize(self.link, id_tag, "RFID", None)
        return result16.Authorize(id_tag_info=self._id_tag_info(decision.outcome))

    @on("StartTransaction")
    async def on_start_transaction(
        self, connector_id: int, id_tag: str, meter_start: int, timestamp: str, **_: Any
    ) -> Any:
        link = self.link
        now = link.clock.now()
        number = await link.write(
            lambda uow: uow.stations.new_transaction_id(link.station_id, connector_id, id_tag, now)
        )
        transaction_id = str(number)
        evse_uid = link.evse_uid(connector_id)
        if evse_uid is None:
            LOG.error(
                "station %s started a transaction on connector %s, which maps to no EVSE:"
                " refused (see 'ocpi-cpo stations add --evse')",
                link.station_id,
                connector_id,
            )
            return result16.StartTransaction(
                transaction_id=number, id_tag_info={"status": "Invalid"}
            )
        pending = link.pending_for(uid=id_tag, number=connector_id)
        if pending is not None:
            link.consume(pending)
        event = TransactionStarted(
            station_id=link.station_id,
            evse_uid=evse_uid,
            connector_id=CONNECTOR,
            transaction_id=transaction_id,
            uid=id_tag,
            token_type=pending.token_type if pending else "RFID",
            meter_start_wh=Decimal(meter_start),
            started_at=parse_timestamp(timestamp, now),
            remote_start_id=pending.remote_start_id if pending else None,
        )
        decision = await link.ask(lambda: link.events.transaction_started(event))
        link.transactions[transaction_id] = Transaction(
            transaction_id, connector_id, CONNECTOR, started=True, uid=id_tag
        )
        return result16.StartTransaction(
            transaction_id=number, id_tag_info=self._id_tag_info(decision.outcome)
        )

    @on("MeterValues")
    async def on_meter_values(
        self, connector_id: int, meter_value: list[Any], **kwargs: Any
    ) -> Any:
        link = self.link
        transaction_id = kwargs.get("transaction_id")
        if transaction_id is not None:
            tx = link.transactions.get(str(transaction_id)) or Transaction(
                str(transaction_id), connector_id, CONNECTOR, started=True
            )
            link.transactions.setdefault(tx.transaction_id, tx)
            await common.readings(link, tx, parse_meter_values(meter_value, link.clock.now()))
        return result16.MeterValues()

    @on("StopTransaction")
    async def on_stop_transaction(
        self, meter_stop: int, timestamp: str, transaction_id: int, **kwargs: Any
    ) -> Any:
        link = self.link
        now = link.clock.now()
        tx = link.transactions.get(str(transaction_id)) or Transaction(
            str(transaction_id), None, CONNECTOR, started=True
        )
        samples = parse_meter_values(kwargs.get("transaction_data"), now)
        stop = common.Stop(
            Decimal(meter_stop), parse_timestamp(timestamp, now), kwargs.get("reason")
        )
        await common.progress(link, tx, samples, stop=stop)
        id_tag = kwargs.get("id_tag")
        return result16.StopTransaction(id_tag_info={"status": "Accepted"} if id_tag else None)

    # -- commands (called by the driver, never from a handler) --------------------------------

    async def trigger_status(self, numbers: list[int] | None = None) -> None:
        """StatusNotification of ``numbers`` (connectorIds), or of every connector."""
        if numbers is None or set(numbers) >= set(self.link.station.evses):
            await self.call(call16.TriggerMessage(requested_message="StatusNotification"))
            return
        for number in numbers:
            await self.call(
                call16.TriggerMessage(requested_message="StatusNotification", connector_id=number)
            )
