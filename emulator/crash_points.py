"""The crash vocabulary of the in-process Lambda runtime: what a task invocation does with AWS, how it is
crashed between its AWS calls, and the records of those crashes. ``emulator.lambda_runtime`` imports it;
this module imports nothing of the emulator.

A botocore ``before-call`` handler, registered on the emulator's default boto3 session, sees every AWS
call the task code makes (each API call once, however many times botocore retries it). In the context of
a running invocation (a ContextVar: its thread, and any thread the task runs in a copy of its context,
as RevokeCertificates' Things listing does) it records the call ("iot:UpdateCertificate") and, when the
invocation is armed to crash after N calls, raises SimulatedCrash at the next one: the task dies part-way,
after real work. The crash counts only the calls of the invocation's own thread, and is raised there:
another thread's calls interleave with them in no fixed order, and a seed must replay the same crash at
the same point (and a crash raised on a helper thread would not end the invocation).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_invocation: ContextVar[TrackedInvocation | None] = ContextVar("invocation", default=None)


class SimulatedCrash(BaseException):
    """A task that dies part-way (the process exits); a BaseException so handler code cannot catch it."""


# (logical function name, event, attempt number of this event) -> after how many AWS calls the
# invocation dies, or None (then crash_rate decides). Tests use it to crash a chosen task at a chosen point.
CrashPlan = Callable[[str, Any, int], "int | None"]


@dataclass(frozen=True)
class CrashRecord:
    """One injected crash: the logical function, the attempt number of its input, the AWS calls it had
    completed, and whether it died after all its work (at_end) rather than between two calls."""

    function: str
    attempt: int
    calls_done: int
    at_end: bool


@dataclass
class TrackedInvocation:
    """One running task invocation.

    function: the logical function name, e.g. "RevokeCertificates".
    crash_after_calls: the invocation dies once it has completed this many AWS calls (at its next call, or
        after its handler returns if it makes no more); None: it does not crash.
    calls: "prefix:Operation" of each AWS call made so far, in order (IAM action names, e.g.
        "iot:UpdateCertificate", "s3:PutObject").
    crashed: set when the crash was raised; at_end: it was raised after the handler returned.
    owner: the thread the handler runs on (set by ``tracking``); own_calls: the calls made on it, which
        crash_after_calls counts.
    """

    function: str
    crash_after_calls: int | None = None
    calls: list[str] = field(default_factory=list)
    crashed: bool = False
    at_end: bool = False
    owner: int = 0
    own_calls: int = 0

    def crash_due(self) -> bool:
        limit = self.crash_after_calls
        return limit is not None and not self.crashed and self.own_calls >= limit


@contextmanager
def tracking(invocation: TrackedInvocation) -> Iterator[TrackedInvocation]:
    """Within the block, AWS calls in this context (this thread, and copies of its context run on other
    threads) are recorded on ``invocation`` (and may crash it)."""
    invocation.owner = threading.get_ident()
    token = _invocation.set(invocation)
    try:
        yield invocation
    finally:
        _invocation.reset(token)


def crash(invocation: TrackedInvocation, *, at_end: bool = False) -> None:
    """Raise SimulatedCrash for ``invocation``: between two AWS calls, or ``at_end`` (its work done, its
    result lost, as when Lambda dies before responding)."""
    invocation.crashed = True
    invocation.at_end = at_end
    where = "after all of its work, before returning its result" if at_end else "part-way"
    raise SimulatedCrash(
        f"{invocation.function} crashed {where}, after {invocation.own_calls} AWS calls "
        f"on thread {threading.current_thread().name}"
    )


def before_call(model: Any = None, **_: Any) -> None:
    """botocore ``before-call`` handler: records the call of the running invocation, crashes it when due."""
    invocation = _invocation.get()
    if invocation is None:
        return
    on_its_thread = threading.get_ident() == invocation.owner
    if on_its_thread and invocation.crash_due():
        crash(invocation)
    if model is not None:
        invocation.calls.append(f"{model.service_model.endpoint_prefix}:{model.name}")
        if on_its_thread:
            invocation.own_calls += 1
