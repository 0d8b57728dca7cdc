"""AcquireLock task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.errors import RevocationAlreadyInProgress
from revocation_common.models import TaskInput
from revocation_common.observability import logger, metrics, tracer
from revocation_common.settings import task_settings

from acquire_lock.lock import take_lock


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=TaskInput)
def handler(event: TaskInput, context: LambdaContext) -> dict[str, Any]:
    """Take the CA's lock so that only one execution works on a CA at a time.

    Input: {"request": CanonicalRequest, "context": ExecutionContext}.
    Output: LockState {table, caCertificateId, holder, acquiredAt, expiresAt (epoch seconds),
    takenOverFrom, previousHolderStatus} ($.lock; the state machine releases it with DeleteItem).
    Errors: RevocationAlreadyInProgress (another execution holds the lock and is RUNNING; the message
    names it), TransientAwsError (throttling/5xx after retries).
    Source: Amazon DynamoDB Developer Guide, "Condition expressions"; Step Functions API, DescribeExecution.
    """
    settings = task_settings()
    try:
        state = take_lock(
            aws.lock_table(settings.lock_table),
            aws.executions(),
            request=event.request,
            context=event.context,
            table=settings.lock_table,
        )
    except RevocationAlreadyInProgress as error:
        logger.warning("another execution holds the lock", extra={"detail": str(error)})
        metrics.add_metric(name="DuplicateRevocationRejected", unit=MetricUnit.Count, value=1)
        raise
    if state.takenOverFrom:
        logger.warning("stale lock taken over", extra=state.model_dump())
        metrics.add_metric(name="StaleLockTakenOver", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="LockAcquired", unit=MetricUnit.Count, value=1)
    logger.info("lock acquired", extra=state.model_dump())
    return state.model_dump()
