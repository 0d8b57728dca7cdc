"""Events of the tasks as the state machine builds them (docs/data-contract.md, "State data"), for the
unit tier. Values are made up; their shapes are the contract's."""

from __future__ import annotations

from typing import Any

BUCKET = "iot-ca-revocation-reports-123456789012"
LOCK_TABLE = "iot-ca-revocation-locks"
MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:iot-ca-revocation"
CA_ID = "a379f90349bc0536e20c9e76b4cfe526d5c750345cbd2d95d3b519b59cf4c11d"


def execution_arn(name: str) -> str:
    return MACHINE_ARN.replace(":stateMachine:", ":execution:") + f":{name}"


def normalize_event(execution_input: Any, name: str = "run-1") -> dict[str, Any]:
    """NormalizeInput's Parameters: the execution input and the context object's execution fields."""
    return {
        "input": execution_input,
        "execution": {
            "executionArn": execution_arn(name),
            "executionName": name,
            "startTime": "2026-11-30T04:15:02.000Z",
            "stateMachineArn": MACHINE_ARN,
        },
    }


def certificate_id(number: int) -> str:
    return f"{number:064x}"
