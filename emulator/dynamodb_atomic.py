"""Atomic item writes in moto's DynamoDB backend, as DynamoDB guarantees them.

DynamoDB applies a conditional write atomically: the condition is evaluated against the item and the write
happens in one step, so of two PutItem calls with ``attribute_not_exists(key)`` at most one succeeds
(Amazon DynamoDB Developer Guide, "Condition expressions" / "Conditional writes": "a conditional write
succeeds only if the item attributes meet one or more expected conditions"; item writes are atomic,
"Working with items and attributes"). moto 5.2.5 reads the current item, checks the condition and writes
it without a lock, so two threads (Distributed Map children in-process, or two requests to the served
emulator) can both pass the check: two executions then both take the per-CA lock of AcquireLock.

``install_atomic_item_writes`` serialises the backend's item writes (PutItem, UpdateItem, DeleteItem,
TransactWriteItems) with one process-wide lock. Reads are not locked: DynamoDB's reads never block writes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Final

from moto.dynamodb.models import DynamoDBBackend

ITEM_WRITES: Final = ("put_item", "update_item", "delete_item", "transact_write_items")
_WRITE_LOCK = threading.RLock()
_PATCH_MARK: Final = "_emulator_atomic_writes"


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def locked(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _WRITE_LOCK:
            return write(self, *args, **kwargs)

    return locked


def install_atomic_item_writes() -> None:
    """Wrap each of moto's DynamoDB item writes (ITEM_WRITES) in one process-wide lock; idempotent."""
    with _WRITE_LOCK:
        if getattr(DynamoDBBackend, _PATCH_MARK, False):
            return
        for name in ITEM_WRITES:
            setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
        setattr(DynamoDBBackend, _PATCH_MARK, True)
