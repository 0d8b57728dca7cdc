"""SummarizeFailure task."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from revocation_common.notification import failure_notification
from revocation_common.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """Turn the state data at a failure into an SNS message a person reads at a glance.

    Input: {"state": the state data ($.error {Error, Cause}, and $.request/$.ca/$.listing if reached),
    "execution": {"executionArn"}} (built by the state's Parameters).
    Output: {"subject", "message"} ($.notice, published by NotifyFailure).
    Errors: none of its own (no AWS call); a malformed input still yields a message naming the execution.
    Source: Amazon SNS API reference, Publish (Subject at most 100 characters).
    """
    state, execution = event.get("state"), event.get("execution")
    notice = failure_notification(
        state if isinstance(state, dict) else {},
        str(execution.get("executionArn", "")) if isinstance(execution, dict) else "",
    )
    metrics.add_metric(name="ExecutionFailureNotified", unit=MetricUnit.Count, value=1)
    logger.info("failure summarized", extra={"subject": notice["subject"]})
    return notice
