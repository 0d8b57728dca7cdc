"""The AWS glue of the tasks: boto3 clients (clients), botocore error mapping (errors), and the adapters
that implement the ports of ``revocation_common.ports`` over AWS IoT (iot_api), S3 (s3_store), DynamoDB
and Step Functions (lock_store).

The factories below are what a handler calls to get its ports; each wraps the process-wide cached
client, so nothing is created at import time. Unit tests replace them with in-memory fakes.
"""

from __future__ import annotations

from revocation_common.aws.clients import aws_client
from revocation_common.aws.iot_api import IotApi
from revocation_common.aws.lock_store import DynamoLockTable, StepFunctionsExecutions
from revocation_common.aws.s3_store import S3Store
from revocation_common.page_failures import PageFailure, read_page_failures
from revocation_common.ports import ExecutionsPort, IotPort, LockTablePort, ObjectStore, TextStore


def iot() -> IotPort:
    """AWS IoT of this Region."""
    return IotApi(aws_client("iot"))


def object_store(bucket: str) -> ObjectStore:
    """The report bucket ``bucket`` (S3)."""
    return S3Store(aws_client("s3"), bucket)


def text_store(bucket: str) -> TextStore:
    """Text objects (the affected-Things CSV) of the report bucket ``bucket`` (S3)."""
    return S3Store(aws_client("s3"), bucket)


def page_failures(bucket: str, prefix: str) -> list[PageFailure]:
    """The failure records of the execution's pages (revocation_common.page_failures) in ``bucket``."""
    return read_page_failures(aws_client("s3"), bucket, prefix)


def lock_table(table: str) -> LockTablePort:
    """The lock table ``table`` (DynamoDB)."""
    return DynamoLockTable(aws_client("dynamodb"), table)


def executions() -> ExecutionsPort:
    """Step Functions executions of this Region."""
    return StepFunctionsExecutions(aws_client("stepfunctions"))
