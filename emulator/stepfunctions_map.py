"""Distributed Map failure thresholds in moto's Step Functions interpreter, as AWS applies them.

moto 5.2.5 reads ToleratedFailurePercentage/ToleratedFailureCount (and their Path forms) into the Map
Run record but never applies them: a Map Run whose child executions all fail ends SUCCEEDED. On AWS
(Step Functions Developer Guide, "Distributed Map state" and "Setting failure thresholds for Distributed
Map states in Step Functions"), the Map Run fails with ``States.ExceedToleratedFailureThreshold`` as soon
as the failed items exceed the threshold (by default 0: the first failed item), and the child executions
not yet started never start. ``install_map_failure_thresholds`` makes the interpreter do the same.

Where moto evaluates one item: ``DistributedItemProcessorWorker._eval_job``
(moto/stepfunctions/parser/asl/component/state/exec/state_map/iteration/itemprocessor/
distributed_item_processor_worker.py) counts a failed child in ``MapRunRecord.item_counter.failed``; a job
whose output is an exception stops the ``JobPool`` (no further job starts) and ``_map_run`` raises it, so
the Map state fails with that error (its Catch and Retry apply) and the Map Run ends FAILED.

Assumed where the guide is silent: with both fields, the Map Run fails when either threshold is exceeded;
a field left out (moto stores 0) does not limit when the other field is set above 0.
"""

from __future__ import annotations

from typing import Any, Final

from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
    distributed_item_processor_worker as worker_module,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

EXCEED_TOLERATED_FAILURE_THRESHOLD: Final = "States.ExceedToleratedFailureThreshold"

_Worker = worker_module.DistributedItemProcessorWorker
_PATCHED_FLAG: Final = "_iot_ca_revoke_failure_thresholds"


def exceeds_threshold(failed: int, total: int, *, tolerated_count: int, tolerated_percentage: float) -> bool:
    """Whether ``failed`` of ``total`` items exceed the Map's failure threshold.

    Args:
        failed: items whose child execution failed (or timed out) so far.
        total: items of the Map Run (the percentage is of these).
        tolerated_count: ToleratedFailureCount (0 when left out).
        tolerated_percentage: ToleratedFailurePercentage, 0-100 (0 when left out).

    Returns:
        True when the Map Run must fail: more failures than the count, or a higher failed percentage than
        the percentage; with neither set, any failure.
    """
    if failed <= 0:
        return False
    count_limits = tolerated_count > 0 or tolerated_percentage <= 0
    percentage_limits = tolerated_percentage > 0 or tolerated_count <= 0
    over_count = count_limits and failed > tolerated_count
    over_percentage = percentage_limits and total > 0 and failed * 100.0 / total > tolerated_percentage
    return over_count or over_percentage


def _threshold_failure(env: Any, failed: int, total: int) -> FailureEventException:
    cause = (
        f"The specified tolerated failure threshold was exceeded: {failed} of {total} items failed "
        "(Map Run failed)."
    )
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold),
            event_type=HistoryEventType.ExecutionFailed,
            # moto's EventDetails TypedDict lists every event's details; one is set, as moto does.
            event_details=EventDetails(  # type: ignore[typeddict-item]
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=EXCEED_TOLERATED_FAILURE_THRESHOLD, cause=cause
                )
            ),
        )
    )


def install_map_failure_thresholds() -> None:
    """Patch moto's Distributed Map worker so that a Map Run over its failure threshold fails (idempotent).

    After each item, the failed and timed-out items of the Map Run are compared with its tolerance
    (``exceeds_threshold``); past it, the item's job ends with ``States.ExceedToleratedFailureThreshold``,
    which stops the job pool (items not started stay unstarted) and fails the Map state.
    """
    if getattr(_Worker, _PATCHED_FLAG, False):
        return
    original = _Worker._eval_job

    def _eval_job(self: Any, env: Any, job: Any) -> None:
        original(self, env, job)
        if isinstance(job.job_output, Exception):
            return
        record = self._map_run_record
        failed = record.item_counter.failed.get() + record.item_counter.timed_out.get()
        total = self._job_pool._jobs_number
        if exceeds_threshold(
            failed,
            total,
            tolerated_count=int(record.tolerated_failure_count or 0),
            tolerated_percentage=float(record.tolerated_failure_percentage or 0.0),
        ):
            job.job_output = _threshold_failure(env, failed, total)

    setattr(_Worker, "_eval_job", _eval_job)  # noqa: B010 - mypy refuses assigning to a method
    setattr(_Worker, _PATCHED_FLAG, True)
