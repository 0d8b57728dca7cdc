"""Runs the workflow's Lambda handlers in-process when moto's Lambda backend invokes a function.

moto's Lambda backend needs Docker to run Python code, and its ``use_docker: False`` mode answers with a
canned response before any hook could run. So the invocation step of moto's function model,
``LambdaFunction._invoke_lambda`` (which must return the payload, an error flag and logs), is replaced by
one that imports the function's handler from lambdas/ (the asset root, as Lambda puts it on sys.path)
and calls it with a Lambda-like context object.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contract.paths import LAMBDAS_DIR as LAMBDAS_DIR  # re-exported: where the handlers come from
from emulator import crash_points
from emulator.crash_points import CrashPlan, CrashRecord, SimulatedCrash
from emulator.faults import AttemptCounter, draw

# Re-exported: callers name the crash vocabulary through the runtime that uses it.
__all__ = [
    "LAMBDAS_DIR",
    "CrashPlan",
    "CrashRecord",
    "EmulatedLambdaContext",
    "InProcessLambdaRuntime",
    "InvocationFaults",
    "InvocationStats",
    "SimulatedCrash",
    "install_lambda_runtime",
    "invocation_key",
    "logical_name",
]


@dataclass
class InvocationFaults:
    """Crash injection for task invocations.

    crash_rate: fraction 0..1 of invocations that die part-way. Which ones, and after how many AWS calls
        (1..max_crash_calls; a task that makes fewer calls dies after all its work, before its result is
        returned), is ``emulator.faults.draw`` of the seed, the function, its input and the attempt
        number of that input: the same seed crashes the same invocations at the same points in a replay.
    seed: the run's seed.
    crash_plan: when set, decides first (see CrashPlan); where it returns None, crash_rate decides.
    max_crash_calls: the latest call a rate-chosen crash happens at (a page is about 252 calls).
    """

    crash_rate: float = 0.0
    seed: int = 0
    crash_plan: CrashPlan | None = None
    max_crash_calls: int = 256


@dataclass
class InvocationStats:
    """Counters of task invocations.

    by_function: invocations per deployed function name. crash_log: every injected crash, in order.
    seconds_by_function: deployed function name -> the wall-clock seconds its invocations ran (each from
    the handler's start to its return or error: what Lambda bills as Duration, Lambda developer guide,
    "Lambda pricing"; with the function's memory, the GB-seconds of ``ca-revoke bench``'s cost).
    call_counts: IAM action ("s3:GetObject") -> how many calls the tasks made (each API call once).
    aws_calls: logical function name -> every AWS call its invocations made ("iot:UpdateCertificate"),
    i.e. the IAM actions the function needed in this run.
    """

    invocations: int = 0
    errors: int = 0
    crashes: int = 0
    by_function: dict[str, int] = field(default_factory=dict)
    seconds_by_function: dict[str, float] = field(default_factory=dict)
    call_counts: dict[str, int] = field(default_factory=dict)
    crash_log: list[CrashRecord] = field(default_factory=list)
    aws_calls: dict[str, set[str]] = field(default_factory=dict)


def logical_name(function_name: str) -> str:
    """The logical name of a deployed function: iot-ca-revocation-RevokeCertificates -> RevokeCertificates."""
    return function_name.rsplit("-", 1)[-1]


# Fields whose values are clock times: they differ between two runs of the same input.
_CLOCK_FIELDS = frozenset({"startTime", "startedAt", "acquiredAt", "expiresAt", "checkedAt"})


def _without_clock_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_clock_fields(v) for k, v in value.items() if k not in _CLOCK_FIELDS}
    if isinstance(value, list):
        return [_without_clock_fields(item) for item in value]
    return value


def invocation_key(function: str, event: Any) -> str:
    """The identity of an invocation's input for replay: the event without what differs between two runs
    of the same request (the execution name, which is also in the ARNs and S3 keys, and clock times such
    as the start time and the lock's acquisition time)."""
    names: set[str] = set()
    if isinstance(event, dict):
        for holder in ("context", "execution"):
            values = event.get(holder)
            if isinstance(values, dict) and isinstance(values.get("executionName"), str):
                names.add(values["executionName"])
        state = event.get("state")
        if isinstance(state, dict) and isinstance(state.get("context"), dict):
            name = state["context"].get("executionName")
            if isinstance(name, str):
                names.add(name)
    text = json.dumps(_without_clock_fields(event), sort_keys=True, default=str)
    for name in sorted(filter(None, names), key=len, reverse=True):
        text = text.replace(name, "<run>")
    return f"{function} {hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


class EmulatedLambdaContext:
    """The attributes of the Lambda context object that Powertools and our handlers read.

    Source: AWS Lambda developer guide, "Using the Lambda context object to retrieve Python function
    information".
    """

    def __init__(self, function_name: str, function_arn: str, memory_mb: int, timeout_seconds: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"emulator/{self.aws_request_id}"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InProcessLambdaRuntime:
    """Resolves ``module.path.function`` handlers under lambdas/ and runs them in this process."""

    def __init__(self) -> None:
        self.faults = InvocationFaults()
        self.stats = InvocationStats()
        self._attempts = AttemptCounter()
        self._lock = threading.Lock()
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        # Called with each CrashRecord right after the crash, on the crashed invocation's thread (tests use
        # it to look at the half-done state before the Step Functions retry runs).
        self.crash_hook: Callable[[CrashRecord], None] | None = None

    def configure_faults(self, faults: InvocationFaults) -> None:
        """Replace the crash settings and restart the attempt counts (statistics are kept)."""
        if not 0.0 <= faults.crash_rate <= 1.0:
            raise ValueError(f"crash_rate must be within 0..1, got {faults.crash_rate}")
        with self._lock:
            self.faults = faults
            self._attempts.reset()

    def reset_stats(self) -> None:
        with self._lock:
            self.stats = InvocationStats()

    def handler(self, spec: str) -> Callable[[Any, Any], Any]:
        """Import the handler named ``package.module.function`` from lambdas/."""
        found = self._handlers.get(spec)
        if found is None:
            module_name, _, function_name = spec.rpartition(".")
            found = getattr(importlib.import_module(module_name), function_name)
            self._handlers[spec] = found
        return found

    def _crash_after(self, function: str, event: Any) -> tuple[int, int | None]:
        """(attempt number of this input, after how many AWS calls the invocation dies or None)."""
        faults = self.faults
        if faults.crash_plan is None and faults.crash_rate <= 0:
            return 0, None
        key = invocation_key(function, event)
        attempt = self._attempts.next(key)
        if faults.crash_plan is not None:
            planned = faults.crash_plan(function, event, attempt)
            if planned is not None:
                return attempt, planned
        if faults.crash_rate <= 0 or draw(faults.seed, "task-crash", key, attempt) >= faults.crash_rate:
            return attempt, None
        return attempt, 1 + int(draw(faults.seed, "task-crash-at", key, attempt) * faults.max_crash_calls)

    def invoke(self, function: Any, event: Any) -> tuple[str, bool, str]:
        """Run ``function``'s handler on ``event``; returns (payload JSON, errored, logs) like moto expects.

        A handler exception becomes the payload Lambda returns for an unhandled error
        ({"errorType", "errorMessage", "stackTrace"}); Step Functions takes errorType as the error name.
        A simulated crash answers errorType "Lambda.Unknown", as for a function that died without
        reporting an error (the ASL retries it). Its AWS calls before the crash took effect.
        """
        name = function.function_name
        logical = logical_name(name)
        with self._lock:
            self.stats.invocations += 1
            self.stats.by_function[name] = self.stats.by_function.get(name, 0) + 1
        context = EmulatedLambdaContext(
            name, function.function_arn, int(function.memory_size or 128), float(function.timeout or 3)
        )
        event = event if event is not None else {}
        attempt, crash_after = self._crash_after(logical, event)
        invocation = crash_points.TrackedInvocation(logical, crash_after_calls=crash_after)
        started = time.monotonic()
        try:
            try:
                with crash_points.tracking(invocation):
                    result = self.handler(function.handler)(event, context)
                    if invocation.crash_after_calls is not None:
                        crash_points.crash(invocation, at_end=True)
            finally:
                elapsed = time.monotonic() - started
                with self._lock:
                    self.stats.aws_calls.setdefault(logical, set()).update(invocation.calls)
                    seconds = self.stats.seconds_by_function
                    seconds[name] = seconds.get(name, 0.0) + elapsed
                    for action in invocation.calls:
                        self.stats.call_counts[action] = self.stats.call_counts.get(action, 0) + 1
            return json.dumps(result), False, ""
        except SimulatedCrash as crashed:
            record = CrashRecord(logical, attempt, invocation.own_calls, at_end=invocation.at_end)
            with self._lock:
                self.stats.crashes += 1
                self.stats.errors += 1
                self.stats.crash_log.append(record)
            if self.crash_hook is not None:
                self.crash_hook(record)
            payload = {"errorType": "Lambda.Unknown", "errorMessage": f"the task crashed: {crashed}"}
            return json.dumps(payload), True, ""
        except Exception as error:  # noqa: BLE001 - every handler error becomes the function's error payload
            with self._lock:
                self.stats.errors += 1
            error_payload: dict[str, Any] = {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exception(error)[-5:],
            }
            return json.dumps(error_payload), True, ""


_runtime: InProcessLambdaRuntime | None = None


def install_lambda_runtime() -> InProcessLambdaRuntime:
    """Replace moto's ``LambdaFunction._invoke_lambda`` with the in-process runtime (idempotent)."""
    global _runtime
    if _runtime is None:
        from moto.awslambda.models import LambdaFunction

        runtime = InProcessLambdaRuntime()

        def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
            return runtime.invoke(self, event)

        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
        _runtime = runtime
    return _runtime
