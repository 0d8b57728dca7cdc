"""LockTablePort over DynamoDB and ExecutionsPort over Step Functions, for AcquireLock.

Sources: Amazon DynamoDB Developer Guide, "Condition expressions"; DynamoDB API reference, PutItem and
GetItem (ConsistentRead); AWS Step Functions API reference, DescribeExecution (ExecutionDoesNotExist).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from revocation_common.aws.errors import error_code, raise_if_transient


def _to_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name, value in item.items():
        if isinstance(value, bool):
            typed[name] = {"BOOL": value}
        elif isinstance(value, int):
            typed[name] = {"N": str(value)}
        else:
            typed[name] = {"S": str(value)}
    return typed


def _from_dynamodb(item: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for name, value in item.items():
        if "BOOL" in value:
            plain[name] = bool(value["BOOL"])
        elif "N" in value:
            plain[name] = int(value["N"] or 0)
        else:
            plain[name] = value.get("S", "")
    return plain


class DynamoLockTable:
    """The lock items of one table (implements revocation_common.ports.LockTablePort).

    Errors: TransientAwsError (throttling/5xx after retries); others as botocore's ClientError.
    """

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def put_if_free_or_mine(self, item: dict[str, Any]) -> bool:
        return self._put(
            item,
            "attribute_not_exists(caCertificateId) OR executionArn = :self",
            {":self": {"S": str(item["executionArn"])}},
        )

    def put_if_held_by(self, item: dict[str, Any], holder: str) -> bool:
        return self._put(item, "executionArn = :holder", {":holder": {"S": holder}})

    def get(self, ca_certificate_id: str) -> dict[str, Any] | None:
        try:
            found = self.client.get_item(
                TableName=self.table, Key={"caCertificateId": {"S": ca_certificate_id}}, ConsistentRead=True
            ).get("Item")
        except ClientError as error:
            raise_if_transient(error, "GetItem")
            raise
        return _from_dynamodb(dict(found)) if found else None

    def _put(self, item: dict[str, Any], condition: str, values: dict[str, Any]) -> bool:
        """Conditional PutItem; False when the condition failed (ConditionalCheckFailedException)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_to_dynamodb(item),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise_if_transient(error, "PutItem")
            raise
        return True


class StepFunctionsExecutions:
    """DescribeExecution statuses (implements revocation_common.ports.ExecutionsPort)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def status(self, execution_arn: str) -> str:
        """The execution's status; DOES_NOT_EXIST for ExecutionDoesNotExist. Errors: TransientAwsError."""
        try:
            return str(self.client.describe_execution(executionArn=execution_arn)["status"])
        except ClientError as error:
            if error_code(error) == "ExecutionDoesNotExist":
                return "DOES_NOT_EXIST"
            raise_if_transient(error, "DescribeExecution")
            raise
