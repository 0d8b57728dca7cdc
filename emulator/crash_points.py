"""Crash injection inside a task: the n-th AWS call of an armed invocation raises SimulatedCrash.

Implemented as a botocore "before-call" event handler registered on every client the emulator's tasks
create, so the crash happens between two real AWS calls, after some of the work is done.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_local = threading.local()


@contextmanager
def armed(crash_after_calls: int | None) -> Iterator[None]:
    """Within the block, the ``crash_after_calls``-th AWS call on this thread crashes (None: never)."""
    _local.remaining = crash_after_calls
    try:
        yield
    finally:
        _local.remaining = None


def before_call(**_: Any) -> None:
    """botocore ``before-call`` handler: counts calls on this thread and crashes when the count runs out."""
    from emulator.lambda_runtime import SimulatedCrash

    remaining = getattr(_local, "remaining", None)
    if remaining is None:
        return
    remaining -= 1
    _local.remaining = remaining
    if remaining <= 0:
        _local.remaining = None
        raise SimulatedCrash(f"crash injected after an AWS call on thread {threading.current_thread().name}")
