"""DeactivateCa task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.models import TaskInput
from revocation_common.observability import logger, metrics, tracer

from deactivate_ca.deactivate import deactivate_ca


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=TaskInput)
def handler(event: TaskInput, context: LambdaContext) -> dict[str, Any]:
    """Deactivate the CA (UpdateCACertificate newStatus=INACTIVE, newAutoRegistrationStatus=DISABLE).

    Input: {"request": CanonicalRequest, "context": ExecutionContext}.
    Output: CaState {caCertificateId, statusBefore, statusAfter, autoRegistrationStatusBefore,
    autoRegistrationStatusAfter, changed}.
    The CA's status as first seen is kept in S3 (executions/<name>/ca-before.json) so that a retried
    attempt still reports it.
    Errors: CaNotFound (unknown caCertificateId), TransientAwsError (throttling/5xx after retries).
    Source: AWS IoT Developer Guide, "Deactivate a CA certificate".
    """
    state = deactivate_ca(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        event.request,
        prefix=event.context.reportPrefix,
    )
    logger.info("CA state", extra=state.model_dump())
    metrics.add_metric(name="CaDeactivated", unit=MetricUnit.Count, value=1 if state.changed else 0)
    return state.model_dump()
