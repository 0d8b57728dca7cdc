"""The emulator's Distributed Map ends as AWS's does when child executions fail.

Step Functions Developer Guide, "Setting failure thresholds for Distributed Map states in Step Functions":
a Map Run whose failed items exceed ToleratedFailurePercentage/ToleratedFailureCount (default 0) fails
with States.ExceedToleratedFailureThreshold; within the tolerance it succeeds. moto 5.2.5 alone ends
every such Map Run SUCCEEDED (emulator/stepfunctions_map.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.config import default_user_config

from emulator.stepfunctions_map import exceeds_threshold, install_map_failure_thresholds

ROLE_ARN = "arn:aws:iam::123456789012:role/sfn"


def _definition(**tolerance: Any) -> str:
    return json.dumps(
        {
            "StartAt": "Pages",
            "States": {
                "Pages": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "PageFails",
                        "States": {"PageFails": {"Type": "Fail", "Error": "PageError", "Cause": "page"}},
                    },
                    **tolerance,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.mapError", "Next": "Done"}],
                    "ResultPath": "$.results",
                    "Next": "Done",
                },
                "Done": {"Type": "Pass", "End": True},
            },
        }
    )


@pytest.fixture
def sfn() -> Iterator[Any]:
    with mock_aws():
        config = default_user_config.setdefault("stepfunctions", {})
        saved = config.get("execute_state_machine")
        config["execute_state_machine"] = True
        install_map_failure_thresholds()
        try:
            yield boto3.client("stepfunctions", region_name="us-east-1")
        finally:
            config["execute_state_machine"] = saved


def _run(sfn: Any, name: str, **tolerance: Any) -> dict[str, Any]:
    arn = sfn.create_state_machine(name=name, definition=_definition(**tolerance), roleArn=ROLE_ARN)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": [1, 2]}))
    for _ in range(600):  # moto runs the execution in a thread; wait for its end, not for a time
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return dict(json.loads(described.get("output") or "{}"), status=described["status"])
        time.sleep(0.05)
    raise AssertionError("the execution did not end")


def test_two_of_two_failed_at_tolerance_zero_fail_the_map_run(sfn: Any) -> None:
    result = _run(sfn, "tolerance-zero")
    assert result["status"] == "SUCCEEDED"  # the Catch of the Map state took the Map's error
    assert result["mapError"]["Error"] == "States.ExceedToleratedFailureThreshold"
    assert "results" not in result


def test_two_of_two_failed_at_tolerance_100_percent_succeed(sfn: Any) -> None:
    result = _run(sfn, "tolerance-all", ToleratedFailurePercentage=100.0)
    assert result["status"] == "SUCCEEDED"
    assert "mapError" not in result
    assert "results" in result


def test_threshold_rule() -> None:
    assert exceeds_threshold(1, 2, tolerated_count=0, tolerated_percentage=0)
    assert not exceeds_threshold(0, 2, tolerated_count=0, tolerated_percentage=0)
    assert not exceeds_threshold(2, 2, tolerated_count=0, tolerated_percentage=100)
    assert exceeds_threshold(2, 4, tolerated_count=0, tolerated_percentage=49.9)
    assert not exceeds_threshold(2, 4, tolerated_count=0, tolerated_percentage=50)
    assert not exceeds_threshold(1, 4, tolerated_count=1, tolerated_percentage=0)
    assert exceeds_threshold(2, 4, tolerated_count=1, tolerated_percentage=0)
    # both set: either one exceeded fails the Map Run
    assert exceeds_threshold(2, 100, tolerated_count=1, tolerated_percentage=50)
    assert exceeds_threshold(3, 4, tolerated_count=5, tolerated_percentage=50)
