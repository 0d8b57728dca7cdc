"""Powertools for AWS Lambda (Python) singletons shared by every task.

One Logger, Tracer and Metrics per process, configured from the standard Powertools environment variables
(POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_DISABLED,
POWERTOOLS_METRICS_DISABLED). Source: https://docs.powertools.aws.dev/lambda/python/latest/#environment-variables
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

from revocation_common.vocabulary import METRICS_NAMESPACE, SERVICE_NAME

__all__ = ["METRICS_NAMESPACE", "SERVICE_NAME", "logger", "metrics", "tracer"]

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
