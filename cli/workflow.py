"""Starting an execution, following it, and reading its report: shared by ``run``, ``demo`` and ``bench``.

Source: AWS Step Functions API reference (StartExecution, DescribeExecution, GetExecutionHistory,
ListMapRuns, DescribeMapRun).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from cli import exit_codes
from cli.history import Progress, ProgressTracker
from contract.names import STATE_MACHINE_NAME

__all__ = [
    "ExecutionResult",
    "Progress",
    "error_message",
    "find_state_machine",
    "result_of",
    "start_execution",
    "wait_for",
]

REPORT_URL = re.compile(r"s3://([a-z0-9.\-]+)/([^\s\"';,]+report\.json)")


@dataclass
class ExecutionResult:
    """How an execution ended, with its report (the output, or the S3 report of a failed run)."""

    execution_arn: str
    status: str
    error: str = ""
    cause: str = ""
    report: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 only when the execution SUCCEEDED and the report says verified (see cli/exit_codes.py)."""
        if self.status == "SUCCEEDED":
            verified = bool(self.report and self.report.get("verification", {}).get("verified"))
            return exit_codes.VERIFIED if verified else exit_codes.NOT_VERIFIED
        return exit_codes.BY_ERROR.get(self.error, exit_codes.FAILED)


def find_state_machine(sfn: Any, name: str = STATE_MACHINE_NAME) -> str:
    """The ARN of the state machine called ``name`` (ListStateMachines); LookupError when there is none."""
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return str(machine["stateMachineArn"])
    raise LookupError(f"no state machine named {name!r}; pass --state-machine-arn")


def start_execution(sfn: Any, state_machine_arn: str, document: str, name: str | None = None) -> str:
    """StartExecution with ``document`` as the input, as it is; returns the executionArn.

    The name defaults to ``ca-revoke-<utc time>-<random>`` (unique, and usable in an S3 prefix).
    """
    name = name or f"ca-revoke-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:8]}"
    return str(
        sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=document)["executionArn"]
    )


def wait_for(
    sfn: Any,
    execution_arn: str,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    poll_seconds: float = 0.5,
) -> dict[str, Any]:
    """Poll DescribeExecution every ``poll_seconds`` until the execution leaves RUNNING; returns the last
    description. With ``on_progress``, each poll also reads what the execution reached (cli/history.py:
    GetExecutionHistory, ListMapRuns, DescribeMapRun, best effort) and passes it on.
    """
    tracker = ProgressTracker(execution_arn)
    while True:
        description = dict(sfn.describe_execution(executionArn=execution_arn))
        if description["status"] not in ("RUNNING", "PENDING_REDRIVE"):
            return description
        if on_progress is not None:
            on_progress(tracker.poll(sfn))
        time.sleep(poll_seconds)


def result_of(sfn: Any, s3: Any, description: dict[str, Any]) -> ExecutionResult:
    """The ExecutionResult of a finished execution.

    A SUCCEEDED execution's output is the report. For a failed one, the report is read from S3 when the
    failure cause names it (VerificationFailed does), so a person still sees every certificate's outcome.
    """
    result = ExecutionResult(
        execution_arn=str(description["executionArn"]),
        status=str(description["status"]),
        error=str(description.get("error", "") or ""),
        cause=str(description.get("cause", "") or ""),
    )
    if result.status == "SUCCEEDED" and description.get("output"):
        result.report = json.loads(description["output"])
    elif result.cause:
        match = REPORT_URL.search(result.cause.replace("\\/", "/"))
        if match:
            try:
                body = s3.get_object(Bucket=match.group(1), Key=match.group(2))["Body"].read()
                result.report = json.loads(body)
            except ClientError:
                result.report = None
    if result.report is not None:
        result.report["status"] = result.status
        result.report["executionArn"] = result.execution_arn
    return result


def error_message(cause: str) -> str:
    """The human part of a Lambda error cause ({"errorType","errorMessage",...}), else the cause itself."""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        return str(parsed["errorMessage"])
    return cause
