"""The OCPP schema check, compiled (ocpp_gateway/_lib.py): the library's schemas and rules, its
verdicts and its CALLERROR codes, from jsonschema-rs instead of jsonschema."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import ocpp
import ocpp.messages
import pytest
from ocpp.exceptions import (
    FormatViolationError,
    OCPPError,
    ProtocolError,
    TypeConstraintViolationError,
)
from ocpp.messages import Call, CallResult, validate_payload

from ocpi_cpo.ocpp_gateway._lib import CompiledSchema

SCHEMAS = Path(ocpp.__file__).parent


def _schemas() -> list[Path]:
    return sorted([*SCHEMAS.glob("v16/schemas/*.json"), *SCHEMAS.glob("v201/schemas/*.json")])


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return loaded


def _rule(validator: Any, payload: Any) -> str | None:
    """The rule that failed (None: valid), as the library reads it off the error."""
    try:
        validator.validate(payload)
    except jsonschema.ValidationError as error:
        return str(error.validator)
    return None


#: real payloads, each valid, both versions, requests and answers
SAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("v16/schemas/BootNotification.json", {"chargePointVendor": "V", "chargePointModel": "M"}),
    (
        "v16/schemas/StatusNotification.json",
        {"connectorId": 1, "errorCode": "NoError", "status": "Charging", "info": "ok"},
    ),
    (
        "v16/schemas/MeterValues.json",
        {
            "connectorId": 2,
            "transactionId": 12,
            "meterValue": [
                {
                    "timestamp": "2026-12-04T10:00:00Z",
                    "sampledValue": [
                        {"value": "1234", "measurand": "Energy.Active.Import.Register"},
                        {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        },
    ),
    (
        "v16/schemas/StopTransaction.json",
        {"meterStop": 7000, "timestamp": "2026-12-04T10:00:00Z", "transactionId": 3},
    ),
    (
        "v16/schemas/StartTransactionResponse.json",
        {"transactionId": 3, "idTagInfo": {"status": "Accepted"}},
    ),
    (
        "v201/schemas/TransactionEventRequest.json",
        {
            "eventType": "Updated",
            "timestamp": "2026-12-04T10:00:00Z",
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 3,
            "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "04A1", "type": "ISO14443"},
            "meterValue": [
                {
                    "timestamp": "2026-12-04T10:00:00Z",
                    "sampledValue": [
                        {"value": 1234.5, "unitOfMeasure": {"unit": "Wh"}},
                        {"value": 7000, "measurand": "Power.Active.Import"},
                    ],
                }
            ],
        },
    ),
    (
        "v201/schemas/StatusNotificationRequest.json",
        {
            "timestamp": "2026-12-04T10:00:00Z",
            "connectorStatus": "Occupied",
            "evseId": 1,
            "connectorId": 1,
        },
    ),
    (
        "v201/schemas/BootNotificationResponse.json",
        {"currentTime": "2026-12-04T10:00:00Z", "interval": 300, "status": "Accepted"},
    ),
]


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int | float):
        return "12"
    if isinstance(value, str):
        return 12
    if isinstance(value, list):
        return {"x": 1}
    return [1]


def _faults(payload: Any) -> Iterator[tuple[str, Any]]:
    """One fault at a time, at every level: a field left out, of another type, too long, and
    a field the schema does not have."""
    yield "unexpected field", {**payload, "unexpectedField": 1}

    def walk(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[str, Any]]:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            where = "/".join(str(p) for p in (*path, key))
            for name, changed in (
                ("left out", None),
                ("other type", _other_type(value)),
                ("too long", "x" * 2_000 if isinstance(value, str) else None),
            ):
                if name == "too long" and changed is None:
                    continue
                faulty = copy.deepcopy(payload)
                parent = faulty
                for step in path:
                    parent = parent[step]
                if name == "left out":
                    if isinstance(parent, list):
                        continue
                    del parent[key]
                else:
                    parent[key] = changed
                yield f"{where}: {name}", faulty
            if isinstance(value, dict | list):
                yield from walk(value, (*path, key))

    yield from walk(payload, ())


@pytest.mark.parametrize("path", _schemas(), ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_schema_compiles_and_judges_as_the_library(path: Path) -> None:
    schema = _load(path)
    library, compiled = jsonschema.Draft4Validator(schema), CompiledSchema(schema)
    payloads: list[Any] = [{}, {"unexpectedField": 1}, [], "text"]
    for payload in payloads:
        assert (_rule(library, payload) is None) == (_rule(compiled, payload) is None), payload


@pytest.mark.parametrize(("name", "payload"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_each_fault_gets_the_library_verdict_and_rule(name: str, payload: dict[str, Any]) -> None:
    schema = _load(SCHEMAS / name)
    library, compiled = jsonschema.Draft4Validator(schema), CompiledSchema(schema)
    assert _rule(library, payload) is None and _rule(compiled, payload) is None
    faults = list(_faults(payload))
    assert len(faults) > 3
    for fault, faulty in faults:
        errors = list(library.iter_errors(faulty))
        found = _rule(compiled, faulty)
        assert (found is None) == (not errors), fault
        if len(errors) == 1:  # one rule broken: the same one, so the same CALLERROR code
            assert found == errors[0].validator, fault


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"connectorId": "one", "errorCode": "NoError", "status": "Available"}, "type"),
        ({"connectorId": 1, "errorCode": "NoError", "status": "Available", "x": 1}, "format"),
        ({"connectorId": 1, "status": "Available"}, "protocol"),
        (
            {"connectorId": 1, "errorCode": "NoError", "status": "Available", "info": "x" * 51},
            "type",
        ),
        ({"connectorId": 1, "errorCode": "Broken", "status": "Available"}, "format"),
    ],
)
async def test_the_library_answers_its_callerror_codes(payload: dict[str, Any], error: str) -> None:
    expected: type[OCPPError] = {
        "type": TypeConstraintViolationError,
        "format": FormatViolationError,
        "protocol": ProtocolError,
    }[error]
    assert isinstance(ocpp.messages.get_validator(2, "StatusNotification", "1.6"), CompiledSchema)
    with pytest.raises(expected):
        await validate_payload(Call("m1", "StatusNotification", payload), "1.6")


async def test_charging_profiles_keep_the_library_decimal_check() -> None:
    """OCPP 1.6 charging profiles are checked with decimals by the library (21.4 is a multiple
    of 0.1); that check is the library's own still."""
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.4}],
        },
    }
    call = Call("m1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile})
    await validate_payload(call, "1.6")
    answer = CallResult("m1", {"status": "Accepted"})
    answer.action = "SetChargingProfile"
    await validate_payload(answer, "1.6")
