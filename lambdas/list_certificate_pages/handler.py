"""ListCertificatePages task."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.models import ListingInput
from revocation_common.observability import logger, metrics, tracer
from revocation_common.pacing import RatePacer
from revocation_common.settings import task_settings

from list_certificate_pages.listing import list_pages

# Time kept back from the Lambda timeout for the last page's S3 write and the response.
SAFETY_MARGIN_SECONDS = 30.0


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ListingInput)
def handler(event: ListingInput, context: LambdaContext) -> dict[str, Any]:
    """List the CA's certificates from the marker into S3 pages, within a time budget.

    Input: {"request", "context", "listing": ListingState}.
    Output: ListingState {nextMarker (null when complete), complete, pageCount, certificateCount,
    invocations, manifestKey}. The state machine loops on this state until complete.
    Budget: min(LIST_TIME_BUDGET_SECONDS, remaining Lambda time - 30 s). Pacing: LIST_CERTIFICATES_BY_CA_TPS.
    Errors: CaNotFound, TransientAwsError.
    Source: AWS IoT API reference, ListCertificatesByCA.
    """
    settings = task_settings()
    started = time.monotonic()
    remaining = context.get_remaining_time_in_millis() / 1000.0 - SAFETY_MARGIN_SECONDS
    # The loop always lists at least one page before it looks at the deadline, so each invocation progresses.
    deadline = started + max(0.0, min(settings.list_time_budget_seconds, remaining))
    listing = list_pages(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        RatePacer(settings.list_certificates_tps),
        ca_certificate_id=event.request.caCertificateId,
        prefix=event.context.reportPrefix,
        listing=event.listing,
        deadline=deadline,
        clock=time.monotonic,
    )
    metrics.add_metric(
        name="CertificatesListed",
        unit=MetricUnit.Count,
        value=listing.certificateCount - event.listing.certificateCount,
    )
    logger.info("listing progress", extra=listing.model_dump())
    return listing.model_dump()
