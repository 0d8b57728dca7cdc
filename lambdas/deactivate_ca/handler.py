"""DeactivateCa task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.observability import logger, metrics, tracer
from revocation_common.scope_models import DeactivateInput

from deactivate_ca.deactivate import deactivate_scope


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DeactivateInput)
def handler(event: DeactivateInput, context: LambdaContext) -> dict[str, Any]:
    """Deactivate every registered CA in scope, the named one first (UpdateCACertificate
    newStatus=INACTIVE, newAutoRegistrationStatus=DISABLE; a dry run only describes them).

    Input: {"request": CanonicalRequest, "context": ExecutionContext, "discovery": DiscoveryState past its
    "cas" phase (scope/cas.json written)}.
    Output: CaState {caCertificateId, statusBefore, statusAfter, autoRegistrationStatusBefore,
    autoRegistrationStatusAfter, changed, registered, casInScope, casRegistered, casDeactivated,
    statesKey} (the named CA's statuses; every CA's in scope/ca-states.json).
    Each CA's status as first seen is kept in S3 (executions/<name>/ca-before/<caCertificateId>.json, a
    conditional write) so that a retried attempt still reports it.
    Errors: CaNotFound (the named CA is no longer registered), TransientAwsError (throttling/5xx after
    retries).
    Source: AWS IoT Developer Guide, "Deactivate a CA certificate".
    """
    state = deactivate_scope(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        event.request,
        prefix=event.context.reportPrefix,
    )
    logger.info("CA state", extra=state.model_dump())
    metrics.add_metric(name="CaDeactivated", unit=MetricUnit.Count, value=state.casDeactivated)
    return state.model_dump()
