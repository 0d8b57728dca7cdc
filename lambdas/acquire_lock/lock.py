"""The per-CA lock: a DynamoDB item keyed by caCertificateId, written only if no live execution holds it.

Acquire: PutItem with ``attribute_not_exists(caCertificateId) OR executionArn = :self`` (a retried or
redriven task of the holder gets its own lock back). When another execution holds the item, the holder
is looked up with DescribeExecution: if it is RUNNING (or PENDING_REDRIVE) this execution stops with
RevocationAlreadyInProgress naming it; if it ended without releasing the lock (aborted, timed out) or
no longer exists, the item is taken over with ``executionArn = :holder``, so that of two executions
racing to take over, one wins. The release is a conditional DeleteItem in the state machine itself
(``executionArn = :self``), on the success path and on the failure path.

``expiresAt`` (epoch seconds) is the table's TTL attribute: one year and a day after the start, longer
than a Standard workflow may run, so DynamoDB's TTL sweep only removes locks of executions that can no
longer be running, and a lock past it is stale without asking Step Functions.

Sources: Amazon DynamoDB Developer Guide, "Condition expressions" and "Time to Live (TTL)"; AWS Step
Functions API reference, DescribeExecution; Step Functions quotas (Standard workflow maximum duration:
one year).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict
from revocation_common.aws_errors import error_code, raise_if_transient
from revocation_common.errors import RevocationAlreadyInProgress, TransientAwsError
from revocation_common.models import CanonicalRequest, ExecutionContext

# One year (a Standard workflow's maximum duration) and a day: a lock cannot outlive a running holder.
LOCK_RETENTION_SECONDS: Final = (365 + 1) * 24 * 3600
LIVE_STATUSES: Final = frozenset({"RUNNING", "PENDING_REDRIVE"})
# Each round either acquires, finds a live holder, or lost a race to another execution; a handful of
# lost races in a row means heavy contention, and the state's Retry tries again later.
MAX_ROUNDS: Final = 5


class LockState(BaseModel):
    """AcquireLock's result ($.lock).

    holder: this execution's ARN. acquiredAt: ISO 8601 UTC. expiresAt: epoch seconds (TTL).
    takenOverFrom: the ARN of a previous holder that had ended without releasing, else None;
    previousHolderStatus: its status then (SUCCEEDED, FAILED, TIMED_OUT, ABORTED, DOES_NOT_EXIST, EXPIRED).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    table: str
    caCertificateId: str
    holder: str
    acquiredAt: str
    expiresAt: int
    takenOverFrom: str | None = None
    previousHolderStatus: str | None = None


def _start_epoch(start_time: str, now: datetime) -> int:
    try:
        started = datetime.fromisoformat(start_time.replace("Z", "+00:00"))
    except ValueError:
        started = now
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return int(started.timestamp())


def _item(
    request: CanonicalRequest, context: ExecutionContext, acquired_at: str, expires_at: int
) -> dict[str, Any]:
    return {
        "caCertificateId": {"S": request.caCertificateId},
        "executionArn": {"S": context.executionArn},
        "executionName": {"S": context.executionName},
        "acquiredAt": {"S": acquired_at},
        "expiresAt": {"N": str(expires_at)},
        "dryRun": {"BOOL": request.dryRun},
        "source": {"S": request.source},
    }


def holder_status(sfn: Any, item: dict[str, Any], now: datetime) -> str:
    """The status of the lock's holder: a DescribeExecution status, DOES_NOT_EXIST, or EXPIRED."""
    expires_at = int(item.get("expiresAt", {}).get("N", "0") or 0)
    if expires_at and expires_at < now.timestamp():
        return "EXPIRED"
    try:
        return str(sfn.describe_execution(executionArn=item["executionArn"]["S"])["status"])
    except ClientError as error:
        if error_code(error) == "ExecutionDoesNotExist":
            return "DOES_NOT_EXIST"
        raise_if_transient(error, "DescribeExecution")
        raise


def acquire_lock(
    ddb: Any,
    sfn: Any,
    *,
    table: str,
    request: CanonicalRequest,
    context: ExecutionContext,
    now: datetime | None = None,
) -> LockState:
    """Take the CA's lock for this execution, taking over a lock whose holder is no longer running.

    Raises RevocationAlreadyInProgress (the message names the live holder's executionArn) or
    TransientAwsError (throttling/5xx after botocore's retries, or MAX_ROUNDS races lost in a row).
    """
    now = now or datetime.now(UTC)
    acquired_at = now.isoformat(timespec="seconds")
    expires_at = _start_epoch(context.startTime, now) + LOCK_RETENTION_SECONDS
    item = _item(request, context, acquired_at, expires_at)
    key = {"caCertificateId": {"S": request.caCertificateId}}
    state = LockState(
        table=table,
        caCertificateId=request.caCertificateId,
        holder=context.executionArn,
        acquiredAt=acquired_at,
        expiresAt=expires_at,
    )
    for _ in range(MAX_ROUNDS):
        if _put(
            ddb,
            table,
            item,
            "attribute_not_exists(caCertificateId) OR executionArn = :self",
            {":self": {"S": context.executionArn}},
        ):
            return state
        held = _get(ddb, table, key)
        if held is None:
            continue  # released between the two calls
        holder = held["executionArn"]["S"]
        status = holder_status(sfn, held, now)
        if status in LIVE_STATUSES:
            raise RevocationAlreadyInProgress(
                f"execution {holder} is already revoking CA {request.caCertificateId} (status {status}, "
                f"lock held since {held.get('acquiredAt', {}).get('S', '?')}); this execution "
                f"{context.executionArn} changed nothing"
            )
        if _put(ddb, table, item, "executionArn = :holder", {":holder": {"S": holder}}):
            return state.model_copy(update={"takenOverFrom": holder, "previousHolderStatus": status})
    raise TransientAwsError(
        f"the lock of CA {request.caCertificateId} changed hands {MAX_ROUNDS} times in a row"
    )


def _put(ddb: Any, table: str, item: dict[str, Any], condition: str, values: dict[str, Any]) -> bool:
    """Conditional PutItem; False when the condition failed."""
    try:
        ddb.put_item(
            TableName=table, Item=item, ConditionExpression=condition, ExpressionAttributeValues=values
        )
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise_if_transient(error, "PutItem")
        raise
    return True


def _get(ddb: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    try:
        item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    except ClientError as error:
        raise_if_transient(error, "GetItem")
        raise
    return dict(item) if item else None
