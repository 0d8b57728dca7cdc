"""Lazily created, cached boto3 clients.

Clients are never created at import time: a client made before moto starts is not mocked, and a Lambda
cold start should not pay for clients a task does not use. botocore's "standard" retry mode retries
throttling (ThrottlingException) and 5xx errors with exponential backoff and jitter
(https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config

from revocation_common.vocabulary import AWS_MAX_ATTEMPTS

_clients: dict[str, Any] = {}
_lock = threading.Lock()

# Error codes of a throttled AWS call (AWS IoT "Common Errors"; DynamoDB and S3 throttling codes).
THROTTLING_ERROR_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}
)
THROTTLE_METRIC = "AwsThrottles"


def _count_throttle(response: Any = None, **_: Any) -> None:
    """botocore ``needs-retry`` hook: one ``AwsThrottles`` metric value per throttled attempt.

    botocore's standard retry mode absorbs most throttles, so without this hook they never show; the
    dashboard plots them next to the quota (Powertools Metrics, namespace IotCaRevocation).
    """
    if not response:
        return
    parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else {}
    code = parsed.get("Error", {}).get("Code") if isinstance(parsed, dict) else None
    if code in THROTTLING_ERROR_CODES:
        from revocation_common.observability import metrics

        metrics.add_metric(name=THROTTLE_METRIC, unit=MetricUnit.Count, value=1)


def aws_client(service: str) -> Any:
    """Return the process-wide boto3 client for ``service`` ("iot", "s3", "dynamodb", "stepfunctions"),
    creating it on first use.

    Thread-safe: Distributed Map children run concurrently in the emulator's process.
    """
    client = _clients.get(service)
    if client is None:
        with _lock:
            client = _clients.get(service)
            if client is None:
                client = boto3.client(
                    service,
                    config=Config(
                        retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS},
                        user_agent_extra="iot-ca-revoke",
                    ),
                )
                service_id = client.meta.service_model.service_id.hyphenize()
                client.meta.events.register(f"needs-retry.{service_id}", _count_throttle)
                _clients[service] = client
    return client


def reset_clients() -> None:
    """Forget the cached clients (tests and the emulator call this when they start a new AWS mock)."""
    with _lock:
        _clients.clear()
