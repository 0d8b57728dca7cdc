"""Running the deployed state machine on an emulator session, as ``ca-revoke run --wait`` does."""

from __future__ import annotations

import json
from typing import Any, Final

from cli.workflow import ExecutionResult, result_of, start_execution, wait_for
from emulator.session import EmulatorSession

__all__ = [
    "FAST_CONTEXT",
    "ONE_CALL_IN_FLIGHT",
    "POLL_SECONDS",
    "finish_workflow",
    "revokes_page",
    "run_restore",
    "run_workflow",
    "start_workflow",
]

ONE_CALL_IN_FLIGHT: Final = {"updateCertificateLatencyMs": 0.1}
"""cdk.json context for one call in flight per child at any rate a test paces at
(revocation_common.pacing.threads_for): every update on the invocation's own thread, in page order, so a
crash point (emulator.crash_points counts the calls of that thread) falls at a fixed certificate."""
FAST_CONTEXT: Final = {
    "updateCertificateTps": 2000,
    "listCertificatesByCaTps": 2000,
    "describeCertificateTps": 2000,
    "listPrincipalThingsTps": 2000,
    **ONE_CALL_IN_FLIGHT,
}
"""cdk.json context for fast pacing: the quota logic is exercised by the bench and the throttling tests."""
POLL_SECONDS: Final = 0.05
"""DescribeExecution polling interval of the helpers (the emulator is fast; the CLI polls every second)."""


def revokes_page(function: str, event: Any, page_number: int) -> bool:
    """Whether a task invocation (a CrashPlan's function and event) is RevokeCertificates on the batch
    that holds page ``page_number`` (its input: {"batch": {"pageNumbers": [...]}, ...})."""
    if function != "RevokeCertificates" or not isinstance(event, dict):
        return False
    return page_number in (event.get("batch") or {}).get("pageNumbers", ())


def start_workflow(emulator: EmulatorSession, document: Any, name: str | None = None) -> str:
    """StartExecution of the deployed state machine; returns the executionArn.

    document: the execution input, JSON text as is or any other value JSON-encoded.
    name: the execution name (None: ``ca-revoke-<UTC time>-<random>``, as start_execution picks).
    """
    assert emulator.deployment is not None
    text = document if isinstance(document, str) else json.dumps(document)
    sfn = emulator.client("stepfunctions")
    return start_execution(sfn, emulator.deployment.state_machine_arn, text, name=name)


def finish_workflow(emulator: EmulatorSession, execution_arn: str) -> ExecutionResult:
    """Wait for the execution to end; its result, with the report read from S3 when there is one."""
    sfn = emulator.client("stepfunctions")
    description = wait_for(sfn, execution_arn, poll_seconds=POLL_SECONDS)
    return result_of(sfn, emulator.client("s3"), description)


def run_workflow(emulator: EmulatorSession, document: Any, name: str | None = None) -> ExecutionResult:
    """Start an execution with ``document`` as its input, wait for it, return its result and report."""
    return finish_workflow(emulator, start_workflow(emulator, document, name))


def run_restore(emulator: EmulatorSession, document: Any) -> ExecutionResult:
    """Start an execution of the restore state machine with ``document``, wait, return its result."""
    assert emulator.deployment is not None
    text = document if isinstance(document, str) else json.dumps(document)
    sfn = emulator.client("stepfunctions")
    arn = start_execution(sfn, emulator.deployment.restore_state_machine_arn, text)
    return finish_workflow(emulator, arn)
