"""Runs the workflow's Lambda handlers in-process when moto's Lambda backend invokes a function.

moto's Lambda backend needs Docker to run Python code, and its ``use_docker: False`` mode answers with a
canned response before any hook could run. So the invocation step of moto's function model,
``LambdaFunction._invoke_lambda`` (which must return the payload, an error flag and logs), is replaced by
one that imports the function's handler from lambdas/ (the asset root, as Lambda puts it on sys.path)
and calls it with a Lambda-like context object.
"""

from __future__ import annotations

import importlib
import json
import random
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"


class SimulatedCrash(BaseException):
    """A task that dies part-way (the process exits); a BaseException so handler code cannot catch it."""


@dataclass
class InvocationFaults:
    """Crash injection: ``crash_rate`` of invocations die after some of their AWS calls (seeded)."""

    crash_rate: float = 0.0
    seed: int = 0


@dataclass
class InvocationStats:
    """Counters of task invocations; ``by_function`` counts invocations per function name."""

    invocations: int = 0
    errors: int = 0
    crashes: int = 0
    by_function: dict[str, int] = field(default_factory=dict)


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
        self._random = random.Random(0)  # noqa: S311 - fault injection, not cryptography
        self._lock = threading.Lock()
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self.crash_hook: Callable[[], None] | None = None

    def configure_faults(self, faults: InvocationFaults) -> None:
        with self._lock:
            self.faults = faults
            self._random = random.Random(faults.seed)  # noqa: S311

    def handler(self, spec: str) -> Callable[[Any, Any], Any]:
        """Import the handler named ``package.module.function`` from lambdas/."""
        found = self._handlers.get(spec)
        if found is None:
            if str(LAMBDAS_DIR) not in sys.path:
                sys.path.insert(0, str(LAMBDAS_DIR))
            module_name, _, function_name = spec.rpartition(".")
            found = getattr(importlib.import_module(module_name), function_name)
            self._handlers[spec] = found
        return found

    def _crash_after(self) -> int | None:
        """For a crashing invocation, after how many AWS calls it dies (None: it does not crash)."""
        with self._lock:
            if self.faults.crash_rate <= 0 or self._random.random() >= self.faults.crash_rate:
                return None
            return self._random.randint(1, 40)

    def invoke(self, function: Any, event: Any) -> tuple[str, bool, str]:
        """Run ``function``'s handler on ``event``; returns (payload JSON, errored, logs) like moto expects.

        A handler exception becomes the payload Lambda returns for an unhandled error
        ({"errorType", "errorMessage", "stackTrace"}); Step Functions takes errorType as the error name.
        A simulated crash answers errorType "Lambda.Unknown", as for a function that died without
        reporting an error.
        """
        from emulator import crash_points

        with self._lock:
            self.stats.invocations += 1
            name = function.function_name
            self.stats.by_function[name] = self.stats.by_function.get(name, 0) + 1
        context = EmulatedLambdaContext(
            function.function_name,
            function.function_arn,
            int(function.memory_size or 128),
            float(function.timeout or 3),
        )
        crash_after = self._crash_after()
        try:
            with crash_points.armed(crash_after):
                result = self.handler(function.handler)(event if event is not None else {}, context)
            return json.dumps(result), False, ""
        except SimulatedCrash as crash:
            with self._lock:
                self.stats.crashes += 1
                self.stats.errors += 1
            crashed = {"errorType": "Lambda.Unknown", "errorMessage": f"the task crashed part-way: {crash}"}
            return json.dumps(crashed), True, ""
        except Exception as error:  # noqa: BLE001 - every handler error becomes the function's error payload
            with self._lock:
                self.stats.errors += 1
            payload: dict[str, Any] = {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exception(error)[-5:],
            }
            return json.dumps(payload), True, ""


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
