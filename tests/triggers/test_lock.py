"""AcquireLock's decisions against DynamoDB (moto) and the throttle metric of the AWS clients."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from acquire_lock.lock import LOCK_RETENTION_SECONDS, acquire_lock
from botocore.exceptions import ClientError
from moto import mock_aws
from revocation_common.errors import RevocationAlreadyInProgress, TransientAwsError
from revocation_common.models import CanonicalRequest, ExecutionContext

CA = "ab" * 32
MACHINE = "arn:aws:states:us-east-1:123456789012:execution:iot-ca-revocation"
NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


class FakeStepFunctions:
    """DescribeExecution answers from a dict: executionArn -> status (missing: ExecutionDoesNotExist)."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.calls: list[str] = []

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.calls.append(executionArn)
        if executionArn not in self.statuses:
            raise ClientError(
                {"Error": {"Code": "ExecutionDoesNotExist", "Message": "no"}}, "DescribeExecution"
            )
        return {"status": self.statuses[executionArn]}


@pytest.fixture
def ddb() -> Any:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="locks",
            KeySchema=[{"AttributeName": "caCertificateId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "caCertificateId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _acquire(ddb: Any, sfn: Any, name: str) -> Any:
    context = ExecutionContext(
        executionArn=f"{MACHINE}:{name}",
        executionName=name,
        startTime="2026-11-30T03:59:58.123Z",
        reportBucket="reports",
        reportPrefix=f"executions/{name}/",
        maxConcurrency=10,
    )
    return acquire_lock(
        ddb, sfn, table="locks", request=CanonicalRequest(caCertificateId=CA), context=context, now=NOW
    )


def _holder(ddb: Any) -> str:
    return str(
        ddb.get_item(TableName="locks", Key={"caCertificateId": {"S": CA}})["Item"]["executionArn"]["S"]
    )


def test_first_comer_takes_the_lock_for_a_year_and_a_day_and_may_take_it_again(ddb):
    sfn = FakeStepFunctions({})
    state = _acquire(ddb, sfn, "a")
    assert (state.holder, state.takenOverFrom) == (f"{MACHINE}:a", None)
    assert (
        state.expiresAt
        == int(datetime(2026, 11, 30, 3, 59, 58, tzinfo=UTC).timestamp()) + LOCK_RETENTION_SECONDS
    )
    # A retried or redriven AcquireLock of the holder gets its lock back without asking anyone.
    assert _acquire(ddb, sfn, "a").holder == f"{MACHINE}:a"
    assert sfn.calls == []


@pytest.mark.parametrize("status", ["RUNNING", "PENDING_REDRIVE"])
def test_a_live_holder_keeps_the_lock(ddb, status):
    _acquire(ddb, FakeStepFunctions({}), "a")
    with pytest.raises(
        RevocationAlreadyInProgress, match=f"execution {MACHINE}:a is already revoking CA {CA}"
    ):
        _acquire(ddb, FakeStepFunctions({f"{MACHINE}:a": status}), "b")
    assert _holder(ddb) == f"{MACHINE}:a"


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "DOES_NOT_EXIST"])
def test_a_lock_whose_holder_ended_is_taken_over(ddb, status):
    _acquire(ddb, FakeStepFunctions({}), "a")
    statuses = {} if status == "DOES_NOT_EXIST" else {f"{MACHINE}:a": status}
    state = _acquire(ddb, FakeStepFunctions(statuses), "b")
    assert (state.takenOverFrom, state.previousHolderStatus) == (f"{MACHINE}:a", status)
    assert _holder(ddb) == f"{MACHINE}:b"


def test_an_expired_lock_is_stale_without_asking_step_functions(ddb):
    ddb.put_item(
        TableName="locks",
        Item={
            "caCertificateId": {"S": CA},
            "executionArn": {"S": f"{MACHINE}:old"},
            "expiresAt": {"N": str(int(NOW.timestamp()) - 1)},
        },
    )
    sfn = FakeStepFunctions({f"{MACHINE}:old": "RUNNING"})
    state = _acquire(ddb, sfn, "b")
    assert (state.takenOverFrom, state.previousHolderStatus, sfn.calls) == (f"{MACHINE}:old", "EXPIRED", [])


def test_a_takeover_race_lost_every_round_is_a_transient_error(ddb):
    class Racing(FakeStepFunctions):
        """Each time the holder is looked up, another execution has just taken the lock over."""

        def describe_execution(self, executionArn: str) -> dict[str, Any]:
            ddb.put_item(
                TableName="locks",
                Item={"caCertificateId": {"S": CA}, "executionArn": {"S": f"{executionArn}-next"}},
            )
            return {"status": "SUCCEEDED"}

    _acquire(ddb, FakeStepFunctions({}), "a")
    with pytest.raises(TransientAwsError, match="changed hands"):
        _acquire(ddb, Racing({}), "b")


def test_throttled_attempts_become_the_aws_throttles_metric():
    from revocation_common.clients import THROTTLE_METRIC, _count_throttle
    from revocation_common.observability import metrics

    metrics.clear_metrics()
    _count_throttle(response=(None, {"Error": {"Code": "ThrottlingException"}}))
    _count_throttle(response=(None, {"Error": {"Code": "ConditionalCheckFailedException"}}))
    _count_throttle(response=None)
    _count_throttle(response=(None, {"Error": {"Code": "RequestLimitExceeded"}}))
    assert metrics.metric_set[THROTTLE_METRIC]["Value"] == [1.0, 1.0]
    metrics.clear_metrics()
