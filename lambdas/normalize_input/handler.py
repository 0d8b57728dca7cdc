"""NormalizeInput task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common.errors import AutomaticResponseDisabled, InvalidInput
from revocation_common.models import ExecutionContext
from revocation_common.observability import logger, metrics, tracer
from revocation_common.settings import task_settings

from normalize_input.findings import Deployment
from normalize_input.normalize import normalize


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Validate the execution input and emit the canonical request.

    Input: {"input": <execution input as it is>, "execution": {executionArn, executionName, startTime,
    stateMachineArn}} (built by the state's Parameters from $ and the context object).
    Output: {"request": CanonicalRequest, "context": ExecutionContext}.
    Errors: InvalidInput (field named in the message); AutomaticResponseDisabled (a Security Hub finding
    while automaticResponseMode is off). No AWS call is made.
    Source: Step Functions developer guide, "Context object".
    """
    settings = task_settings()
    execution = event.get("execution") or {}
    deployment = Deployment.from_state_machine_arn(str(execution.get("stateMachineArn", "")))
    try:
        request = normalize(event.get("input"), settings, deployment)
    except InvalidInput as error:
        logger.warning("input rejected", extra={"field": error.field})
        metrics.add_metric(name="InputRejected", unit=MetricUnit.Count, value=1)
        raise
    except AutomaticResponseDisabled:
        logger.warning("automatic response is off; finding ignored")
        metrics.add_metric(name="AutomaticResponseRefused", unit=MetricUnit.Count, value=1)
        raise
    ctx = ExecutionContext.of_execution(
        execution,
        report_bucket=settings.report_bucket,
        max_concurrency=settings.revocation_fan_out().children,
    )
    metrics.add_metric(name="RevocationRequested", unit=MetricUnit.Count, value=1)
    metrics.add_metadata(key="caCertificateId", value=request.caCertificateId)
    metrics.add_metadata(key="source", value=request.source)
    logger.info("request accepted", extra={"request": request.model_dump()})
    return {"request": request.model_dump(), "context": ctx.model_dump()}
