"""VerifyRevocation task."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.errors import VerificationFailed
from revocation_common.notification import console_link, notification
from revocation_common.observability import logger, metrics, tracer
from revocation_common.scope_models import GatherState, VerifyInput
from revocation_common.settings import task_settings

from verify_revocation.gather import GatheredStore, gather, gather_keys
from verify_revocation.verify import build_report

# Time kept back from the Lambda timeout for the part being written when the budget ends, seconds: a
# part is 200 GetObject calls and one PutObject.
GATHER_MARGIN_SECONDS = 60.0


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=VerifyInput)
def handler(event: VerifyInput, context: LambdaContext) -> dict[str, Any]:
    """Verify the end state from the re-discovery of the scope (AWS IoT re-read by RediscoverScope) and
    write the report to S3.

    Input: {"request", "context", "ca": CaState, "discovery": DiscoveryState (the first discovery),
    "verifyDiscovery": DiscoveryState (the re-discovery, under verify/), "revocation": Map result or its
    error, "gather": GatherState ($.gather), "purpose": "report" (default) or "gather"}.
    Output: {"report": the report (lists cut to fit the state payload), "notification": {subject, message}}.
    Failed pages: the page-failures/ records (ListObjectsV2 + GetObject) appear in the report's
    failedPages and revocationError. LIST_AFFECTED_THINGS true: the affected-Things CSV
    (affected-things.csv, PutObject) is written and the report gives affectedThings and
    affectedThingsLocation (null otherwise).
    Errors: VerificationFailed (after the report is written; the message gives its location),
    DeploymentError (S3 AccessDenied on an execution object), TransientAwsError.
    Purpose "gather" (GatherVerification): copies the objects the report reads into parts
    (verify_revocation.gather) from $.gather's position, for what is left of the Lambda timeout less
    60 s; output: the new GatherState {position, total, parts, invocations, complete}; the state machine
    loops until complete, then runs the report from the parts.
    Source: AWS IoT Developer Guide, "Deactivate a CA certificate".
    """
    store = aws.object_store(event.context.reportBucket)
    if event.purpose == "gather":
        started = time.monotonic()
        budget = max(0.0, context.get_remaining_time_in_millis() / 1000.0 - GATHER_MARGIN_SECONDS)
        state = gather(
            store, event, event.gather or GatherState(), deadline=started + budget, clock=time.monotonic
        )
        logger.info("gathering progress", extra=state.model_dump())
        return state.model_dump()
    if event.gather is not None and event.gather.complete:
        store = GatheredStore(store, event.context.reportPrefix, gather_keys(event))
    report = build_report(
        store,
        event,
        page_failures=aws.page_failures(event.context.reportBucket, event.context.reportPrefix),
        things_store=(
            aws.text_store(event.context.reportBucket) if task_settings().list_affected_things else None
        ),
    )
    counts, verification = report.certificates, report.verification
    metrics.add_metric(name="CertificatesTotal", unit=MetricUnit.Count, value=counts.total)
    metrics.add_metric(
        name="RevocationVerified", unit=MetricUnit.Count, value=1 if verification.verified else 0
    )
    logger.info("report written", extra={"report": report.state_output()})
    if not verification.verified:
        raise VerificationFailed(
            f"end state not reached for CA {report.caCertificateId}: "
            f"caInactive={verification.caInactive}, failed={counts.failed}, "
            f"unaccounted={verification.unaccounted}, "
            f"remaining={verification.remaining}; report: {report.reportLocation}"
        )
    return {
        "report": report.state_output(),
        "notification": notification(report, console_link(report.executionArn)),
    }
