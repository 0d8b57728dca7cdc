"""RevokeCertificates task (Distributed Map child)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.models import PageInput
from revocation_common.observability import logger, metrics, tracer
from revocation_common.pacing import child_pacer
from revocation_common.settings import task_settings

from revoke_certificates.revoke import revoke_page, things_pacer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=PageInput)
def handler(event: PageInput, context: LambdaContext) -> dict[str, Any]:
    """Set every certificate of one page to the target status.

    Input: {"pageKey", "pageNumber", "pageCount", "request", "context"} (the Map's ItemSelector).
    Output: {"pageNumber", "total", "revoked", "alreadyRevoked", "skipped", "failed"}; the per-certificate
    outcomes go to S3 (outcomes/{pageNumber:06d}.json).
    Pacing: 0.97 * UPDATE_CERTIFICATE_TPS / min(MaxConcurrency, pageCount) transactions per second, on
    slots interleaved with the other children's (revocation_common.pacing.child_pacer).
    Affected Things (LIST_AFFECTED_THINGS true): after each certificate's update, ListPrincipalThings of
    its ARN (every page) into the outcome's thingNames, paced at this child's share of
    LIST_PRINCIPAL_THINGS_TPS (revoke_certificates.revoke.things_pacer).
    Errors: TransientAwsError (throttling/5xx outlasting botocore's retries).
    Source: AWS IoT API reference, UpdateCertificate, ListPrincipalThings.
    """
    settings = task_settings()
    pacer = child_pacer(
        settings.update_certificate_tps, event.context.maxConcurrency, event.pageCount, event.pageNumber
    )
    counts = revoke_page(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        pacer,
        request=event.request,
        prefix=event.context.reportPrefix,
        page_key=event.pageKey,
        page_number=event.pageNumber,
        things=(
            things_pacer(
                settings.list_principal_things_tps,
                event.context.maxConcurrency,
                event.pageCount,
                event.pageNumber,
            )
            if settings.list_affected_things
            else None
        ),
        execution_arn=event.context.executionArn,
    )
    metrics.add_metric(name="CertificatesRevoked", unit=MetricUnit.Count, value=counts.revoked)
    metrics.add_metric(name="CertificatesSkipped", unit=MetricUnit.Count, value=counts.skipped)
    metrics.add_metric(name="CertificatesFailed", unit=MetricUnit.Count, value=counts.failed)
    logger.info("page done", extra={"pageNumber": event.pageNumber, **counts.as_report()})
    return {"pageNumber": event.pageNumber, **counts.as_report()}
