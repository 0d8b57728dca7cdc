"""Pieces of task inputs the unit tests build by hand: the execution context, and a clock that steps."""

from __future__ import annotations

from typing import Any

__all__ = ["StepClock", "execution_context"]


def execution_context(prefix: str = "executions/run-1/", *, bucket: str = "reports") -> dict[str, Any]:
    """$.context as NormalizeInput builds it (ExecutionContext) for the execution named by ``prefix``
    ("executions/<name>/"), with one Map child."""
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    return {
        "executionArn": f"arn:aws:states:us-east-1:123456789012:execution:m:{name}",
        "executionName": name,
        "reportBucket": bucket,
        "reportPrefix": prefix,
        "maxConcurrency": 1,
    }


class StepClock:
    """A clock that advances one second per reading (seconds): a deadline N seconds ahead allows a few
    calls, so a time budget can be tested without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now
