"""Step Functions executions as AWS starts and reports them, where moto's parser backend differs.

- StartExecution without ``name``: AWS names the execution with a UUID ("If you don't provide a name for
  the execution, Step Functions automatically generates a universally unique identifier (UUID) as the
  execution name": AWS Step Functions API reference, StartExecution). moto names it "None", so the next
  such call fails with ExecutionAlreadyExists.
- ``$$.Execution.StartTime``: AWS gives ISO 8601 with milliseconds and ``Z``, e.g.
  ``2019-03-26T20:14:13.192Z`` (Step Functions Developer Guide, "Accessing execution data from the Context
  object"). moto passes a datetime, which becomes ``2019-03-26 20:14:13.192731+00:00``.
- ListMapRuns before the execution's Map state starts: AWS answers an empty ``mapRuns`` list (AWS Step
  Functions API reference, ListMapRuns: "Lists all Map Runs that were started by a given state machine
  execution"); moto raises AttributeError (a 500 and a traceback in the server log). DescribeMapRun
  skips executions whose interpreter has not started, for the same reason, and answers an unknown Map Run
  with ResourceNotFound (moto raises a TypeError building that error).

``install()`` patches moto's parser backend classes, process-wide and idempotently, like the emulator's
other patches (emulator/session.py calls it).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

_INSTALLED = "_emulator_stepfunctions_executions"


def start_time_text(moment: datetime.datetime) -> str:
    """``moment`` as the context object's StartTime: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC."""
    utc = moment.astimezone(datetime.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def install() -> None:
    """Patch moto's Step Functions parser backend (idempotent)."""
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if getattr(StepFunctionsParserBackend, _INSTALLED, False):
        return
    start_execution = StepFunctionsParserBackend.start_execution
    execution_details = Execution.get_start_execution_details

    def start_execution_named(
        self: Any,
        state_machine_arn: str,
        name: Any = None,
        execution_input: Any = None,
        trace_header: Any = None,
    ) -> Any:
        return start_execution(
            self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header
        )

    def details_with_aws_start_time(self: Any) -> Any:
        details = execution_details(self)
        if isinstance(details.start_time, datetime.datetime):
            details.start_time = start_time_text(details.start_time)
        return details

    def list_map_runs(self: Any, execution_arn: str) -> dict[str, Any]:
        execution = self.describe_execution(execution_arn=execution_arn)
        worker = execution.exec_worker
        environment = getattr(worker, "env", None) if worker is not None else None
        if environment is None:
            return {"mapRuns": []}
        records = environment.map_run_record_pool_manager.get_all()
        return {"mapRuns": [record.list_item() for record in records]}

    def describe_map_run(self: Any, map_run_arn: str) -> dict[str, Any]:
        from moto.stepfunctions.exceptions import ResourceNotFound

        for execution in self._get_executions():
            worker = execution.exec_worker
            environment = getattr(worker, "env", None) if worker is not None else None
            if environment is None:
                continue
            record = environment.map_run_record_pool_manager.get(map_run_arn)
            if record is not None:
                return dict(record.describe())
        raise ResourceNotFound(map_run_arn)

    StepFunctionsParserBackend.start_execution = start_execution_named  # type: ignore[method-assign]
    StepFunctionsParserBackend.list_map_runs = list_map_runs  # type: ignore[method-assign]
    StepFunctionsParserBackend.describe_map_run = describe_map_run  # type: ignore[method-assign]
    Execution.get_start_execution_details = details_with_aws_start_time  # type: ignore[method-assign]
    setattr(StepFunctionsParserBackend, _INSTALLED, True)
