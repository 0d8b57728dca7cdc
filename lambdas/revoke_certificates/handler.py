"""RevokeCertificates task (Distributed Map child)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.models import BatchInput
from revocation_common.observability import logger, metrics, tracer
from revocation_common.pacing import child_pacer, threads_for
from revocation_common.settings import task_settings

from revoke_certificates.revoke import revoke_batch, things_pacer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=BatchInput)
def handler(event: BatchInput, context: LambdaContext) -> dict[str, Any]:
    """Set every certificate of one batch of pages to the target status.

    Input: {"batch": {"batchNumber", "batchCount", "pageNumbers"}, "request", "context"} (the Map's
    ItemSelector over revocation-batches.json).
    Output: {"batchNumber", "pageNumbers", "total", "revoked", "alreadyRevoked", "skipped", "failed"}; the
    per-certificate outcomes go to S3 (outcomes/{pageNumber:06d}.json, one per page). A page whose
    outcomes a previous attempt of the batch wrote is not revoked again.
    Pacing: QUOTA_HEADROOM (0.985) * UPDATE_CERTIFICATE_TPS / min(MaxConcurrency, batchCount)
    transactions per second, on slots interleaved with the other children's
    (revocation_common.pacing.child_pacer); MaxConcurrency is the fan-out's children (NormalizeInput:
    revocation_common.pacing.fan_out). Calls in flight: threads_for(that rate,
    UPDATE_CERTIFICATE_LATENCY_MS), so a slow round trip never holds the child under its share.
    Affected Things (LIST_AFFECTED_THINGS true): ListPrincipalThings of each certificate's ARN into the
    outcome's thingNames, at this child's share of LIST_PRINCIPAL_THINGS_TPS
    (revoke_certificates.revoke.things_pacer).
    Errors: TransientAwsError (throttling/5xx outlasting botocore's retries).
    Source: AWS IoT API reference, UpdateCertificate, ListPrincipalThings.
    """
    settings = task_settings()
    latency = settings.update_certificate_latency_seconds
    slots = (settings.update_certificate_tps, event.context.maxConcurrency, event.batch.batchCount)
    pacer = child_pacer(*slots, event.batch.batchNumber)
    things = (
        things_pacer(settings.list_principal_things_tps, *slots[1:], event.batch.batchNumber)
        if settings.list_affected_things
        else None
    )
    counts = revoke_batch(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        pacer,
        request=event.request,
        prefix=event.context.reportPrefix,
        page_numbers=event.batch.pageNumbers,
        things=things,
        execution_arn=event.context.executionArn,
        threads=threads_for(1 / pacer.interval, latency),
        things_threads=threads_for(1 / things.interval, latency) if things is not None else 1,
    )
    metrics.add_metric(name="CertificatesRevoked", unit=MetricUnit.Count, value=counts.revoked)
    metrics.add_metric(name="CertificatesSkipped", unit=MetricUnit.Count, value=counts.skipped)
    metrics.add_metric(name="CertificatesFailed", unit=MetricUnit.Count, value=counts.failed)
    result = {"batchNumber": event.batch.batchNumber, "pageNumbers": list(event.batch.pageNumbers)}
    logger.info("batch done", extra={**result, **counts.as_report()})
    return {**result, **counts.as_report()}
