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

from revocation_common.aws.lock_store import DynamoLockTable, StepFunctionsExecutions
from revocation_common.errors import RevocationAlreadyInProgress, TransientAwsError
from revocation_common.models import CanonicalRequest, ExecutionContext, LockState
from revocation_common.ports import ExecutionsPort, LockTablePort

__all__ = ["LOCK_RETENTION_SECONDS", "LockState", "acquire_lock", "holder_status", "take_lock"]

# One year (a Standard workflow's maximum duration) and a day: a lock cannot outlive a running holder.
LOCK_RETENTION_SECONDS: Final = (365 + 1) * 24 * 3600
LIVE_STATUSES: Final = frozenset({"RUNNING", "PENDING_REDRIVE"})
# Each round either acquires, finds a live holder, or lost a race to another execution; a handful of
# lost races in a row means heavy contention, and the state's Retry tries again later.
MAX_ROUNDS: Final = 5


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
        "caCertificateId": request.caCertificateId,
        "executionArn": context.executionArn,
        "executionName": context.executionName,
        "acquiredAt": acquired_at,
        "expiresAt": expires_at,
        "dryRun": request.dryRun,
        "source": request.source,
    }


def holder_status(executions: ExecutionsPort, item: dict[str, Any], now: datetime) -> str:
    """The status of the lock's holder: a DescribeExecution status, DOES_NOT_EXIST, or EXPIRED."""
    expires_at = int(item.get("expiresAt", 0) or 0)
    if expires_at and expires_at < now.timestamp():
        return "EXPIRED"
    return executions.status(str(item["executionArn"]))


def take_lock(
    locks: LockTablePort,
    executions: ExecutionsPort,
    *,
    request: CanonicalRequest,
    context: ExecutionContext,
    table: str,
    now: datetime | None = None,
) -> LockState:
    """Take the CA's lock for this execution, taking over a lock whose holder is no longer running.

    ``table`` is the lock table's name, reported in the LockState (the state machine releases with it).
    Raises RevocationAlreadyInProgress (the message names the live holder's executionArn) or
    TransientAwsError (throttling/5xx after botocore's retries, or MAX_ROUNDS races lost in a row).
    """
    now = now or datetime.now(UTC)
    acquired_at = now.isoformat(timespec="seconds")
    expires_at = _start_epoch(context.startTime, now) + LOCK_RETENTION_SECONDS
    item = _item(request, context, acquired_at, expires_at)
    state = LockState(
        table=table,
        caCertificateId=request.caCertificateId,
        holder=context.executionArn,
        acquiredAt=acquired_at,
        expiresAt=expires_at,
    )
    for _ in range(MAX_ROUNDS):
        if locks.put_if_free_or_mine(item):
            return state
        held = locks.get(request.caCertificateId)
        if held is None:
            continue  # released between the two calls
        holder = str(held["executionArn"])
        status = holder_status(executions, held, now)
        if status in LIVE_STATUSES:
            raise RevocationAlreadyInProgress(
                f"execution {holder} is already revoking CA {request.caCertificateId} (status {status}, "
                f"lock held since {held.get('acquiredAt', '?')}); this execution "
                f"{context.executionArn} changed nothing"
            )
        if locks.put_if_held_by(item, holder):
            return state.model_copy(update={"takenOverFrom": holder, "previousHolderStatus": status})
    raise TransientAwsError(
        f"the lock of CA {request.caCertificateId} changed hands {MAX_ROUNDS} times in a row"
    )


def acquire_lock(
    ddb: Any,
    sfn: Any,
    *,
    table: str,
    request: CanonicalRequest,
    context: ExecutionContext,
    now: datetime | None = None,
) -> LockState:
    """``take_lock`` over boto3 clients: DynamoDB ``ddb`` (table ``table``) and Step Functions ``sfn``."""
    return take_lock(
        DynamoLockTable(ddb, table),
        StepFunctionsExecutions(sfn),
        request=request,
        context=context,
        table=table,
        now=now,
    )
