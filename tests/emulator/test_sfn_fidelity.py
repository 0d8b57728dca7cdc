"""The emulator's Step Functions executions as AWS starts and reports them (stepfunctions_executions).

Sources: AWS Step Functions API reference, StartExecution ("If you don't provide a name for the execution,
Step Functions automatically generates a universally unique identifier (UUID) as the execution name") and
ListMapRuns; Step Functions Developer Guide, "Accessing execution data from the Context object"
(``"StartTime": "2019-03-26T20:14:13.192Z"``).
"""

from __future__ import annotations

import datetime
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from emulator import stepfunctions_executions

ROLE = "arn:aws:iam::123456789012:role/sfn"
CONTEXT_ECHO = {
    "StartAt": "Echo",
    "States": {
        "Echo": {
            "Type": "Pass",
            "Parameters": {"startTime.$": "$$.Execution.StartTime", "name.$": "$$.Execution.Name"},
            "End": True,
        }
    },
}
AWS_START_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture
def sfn() -> Iterator[Any]:
    stepfunctions_executions.install()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name="us-east-1")


def _machine(sfn: Any, definition: dict[str, Any]) -> str:
    return str(
        sfn.create_state_machine(name="fidelity", definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _finished(sfn: Any, arn: str) -> dict[str, Any]:
    for _ in range(200):
        description = dict(sfn.describe_execution(executionArn=arn))
        if description["status"] != "RUNNING":
            return description
        time.sleep(0.05)
    raise AssertionError(f"{arn} still RUNNING")


def test_start_execution_without_a_name_gets_a_new_uuid_each_time(sfn):
    machine = _machine(sfn, CONTEXT_ECHO)
    first = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    names = [arn.rsplit(":", 1)[1] for arn in (first, second)]
    assert names[0] != names[1]
    for name in names:
        assert str(uuid.UUID(name)) == name
    assert json.loads(_finished(sfn, first)["output"])["name"] == names[0]


def test_context_start_time_is_iso_8601_with_milliseconds_and_z(sfn):
    machine = _machine(sfn, CONTEXT_ECHO)
    arn = sfn.start_execution(stateMachineArn=machine, name="when", input="{}")["executionArn"]
    description = _finished(sfn, arn)
    start_time = json.loads(description["output"])["startTime"]
    assert AWS_START_TIME.match(start_time), start_time
    parsed = datetime.datetime.strptime(start_time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.UTC)
    assert abs((parsed - description["startDate"]).total_seconds()) < 1  # the same instant, to the ms


def test_list_map_runs_before_the_interpreter_starts_is_an_empty_list(sfn, monkeypatch):
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    machine = _machine(sfn, CONTEXT_ECHO)
    # The moment between StartExecution and the interpreter's first step, held open.
    monkeypatch.setattr(ExecutionWorker, "start", lambda self: None)
    arn = sfn.start_execution(stateMachineArn=machine, name="held", input="{}")["executionArn"]
    assert sfn.list_map_runs(executionArn=arn)["mapRuns"] == []
    missing = f"arn:aws:states:us-east-1:123456789012:mapRun:fidelity/Map:{uuid.uuid4()}"
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=missing)


def test_start_time_text_is_utc_milliseconds():
    moment = datetime.datetime(
        2019, 3, 26, 22, 14, 13, 192731, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    assert stepfunctions_executions.start_time_text(moment) == "2019-03-26T20:14:13.192Z"
