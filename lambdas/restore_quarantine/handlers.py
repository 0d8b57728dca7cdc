"""The restore state machine's tasks (statemachine/restore.asl.json): PrepareRestore, RestoreCertificates
(Distributed Map child) and FinishRestore. Thin: Powertools decorators, a typed input, a call into the
logic of plan.py, restore.py and finish.py with the AWS ports."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common import aws
from revocation_common.errors import InvalidInput, VerificationFailed
from revocation_common.models import ExecutionContext
from revocation_common.observability import logger, metrics, tracer
from revocation_common.pacing import RatePacer, child_pacer
from revocation_common.settings import task_settings

from restore_quarantine.finish import finish_restore, restore_notification
from restore_quarantine.models import RestorePageInput, RestoreTaskInput
from restore_quarantine.plan import prepare_restore
from restore_quarantine.restore import restore_page


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def prepare_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Validate a restore request and plan it.

    Input: {"input": <execution input>, "execution": {executionArn, executionName, startTime,
    stateMachineArn}} (the state's Parameters, from $ and the context object).
    Output: {"request": CanonicalRequest (the quarantined CA, source "restore"), "context":
    ExecutionContext, "restore": RestorePlan}.
    Errors: InvalidInput (naming the field and why: bad input, an unknown execution, one of another state
    machine, not finished, without a report, a dry run, a REVOKED run); TransientAwsError.
    Source: AWS Step Functions API reference, DescribeExecution.
    """
    settings = task_settings()
    execution = event.get("execution") or {}
    ctx = ExecutionContext.of_execution(
        execution,
        report_bucket=settings.report_bucket,
        max_concurrency=settings.revocation_fan_out().children,
    )
    try:
        request, plan = prepare_restore(
            event.get("input"),
            aws.executions(),
            aws.object_store(settings.report_bucket),
            restore_state_machine_arn=ctx.stateMachineArn,
            prefix=ctx.reportPrefix,
        )
    except InvalidInput as error:
        logger.warning("restore refused", extra={"field": error.field, "reason": error.expected})
        metrics.add_metric(name="RestoreRefused", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="RestoreRequested", unit=MetricUnit.Count, value=1)
    logger.info("restore planned", extra={"restoreOf": plan.restoreOf, "certificates": plan.certificates})
    return {"request": request.model_dump(), "context": ctx.model_dump(), "restore": plan.model_dump()}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RestorePageInput)
def page_handler(event: RestorePageInput, context: LambdaContext) -> dict[str, Any]:
    """Set back to ACTIVE the certificates of one page that are still INACTIVE.

    Input: {"pageKey", "pageNumber", "pageCount", "request", "context", "restore"} (the Map's ItemSelector).
    Output: {"pageNumber", "total", "restored", "alreadyActive", "skipped", "failed"}; the outcomes go to
    S3 (outcomes/{pageNumber:06d}.json).
    Pacing: two calls per certificate (DescribeCertificate, UpdateCertificate), each child at
    0.97 * min(UPDATE_CERTIFICATE_TPS, DESCRIBE_CERTIFICATE_TPS) / min(MaxConcurrency, pageCount)
    transactions per second.
    Errors: TransientAwsError. Source: AWS IoT API reference, UpdateCertificate, DescribeCertificate.
    """
    settings = task_settings()
    # Both calls of a certificate on one pacer: the children share the lower of the two quotas as
    # RevokeCertificates' children share UpdateCertificate's.
    pacer = child_pacer(
        min(settings.update_certificate_tps, settings.describe_certificate_tps),
        event.context.maxConcurrency,
        event.pageCount,
        event.pageNumber,
    )
    counts = restore_page(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        pacer,
        dry_run=event.restore.request.dryRun,
        prefix=event.context.reportPrefix,
        page_key=event.pageKey,
        page_number=event.pageNumber,
    )
    metrics.add_metric(name="CertificatesRestored", unit=MetricUnit.Count, value=counts.restored)
    logger.info("page restored", extra={"pageNumber": event.pageNumber, **counts.as_report()})
    return {"pageNumber": event.pageNumber, **counts.as_report()}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=RestoreTaskInput)
def finish_handler(event: RestoreTaskInput, context: LambdaContext) -> dict[str, Any]:
    """Restore the CAs (includeCa), verify every certificate and CA the restore touched, write the report.

    Input: {"request", "context", "restore"}. Output: {"report", "notification": {subject, message}}.
    Pacing: ListCertificatesByCA at LIST_CERTIFICATES_BY_CA_TPS, DescribeCertificate at
    DESCRIBE_CERTIFICATE_TPS (transactions per second).
    Errors: VerificationFailed (after the report is written; the message gives its location),
    TransientAwsError. Source: AWS IoT API reference, UpdateCACertificate, ListCertificatesByCA.
    """
    settings = task_settings()
    report = finish_restore(
        aws.iot(),
        aws.object_store(event.context.reportBucket),
        event,
        list_pacer=RatePacer(settings.list_certificates_tps),
        describe_pacer=RatePacer(settings.describe_certificate_tps),
    )
    metrics.add_metric(
        name="CertificatesRestoredTotal", unit=MetricUnit.Count, value=report["certificates"]["restored"]
    )
    if not report["verification"]["verified"]:
        raise VerificationFailed(
            f"restore not verified for CA {report['caCertificateId']}: "
            f"failed={report['certificates']['failed']}, notActive={report['verification']['notActive']}, "
            f"casNotRestored={len(report['verification']['casNotRestored'])}; "
            f"report: {report['reportLocation']}"
        )
    return {"report": report, "notification": restore_notification(report)}
