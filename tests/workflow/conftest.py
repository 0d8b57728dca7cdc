"""Fixtures that run the whole state machine on the embedded emulator."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from cli.workflow import ExecutionResult, result_of, start_execution, wait_for
from emulator.fleet import Fleet, seed_fleet
from emulator.session import EmulatorOptions, EmulatorSession

# Fast pacing for tests: the quota logic is exercised by the benchmark and the throttling tests.
FAST_CONTEXT = {"updateCertificateTps": 2000, "listCertificatesByCaTps": 2000}
_seeds = itertools.count(1000)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    """One emulator per test module, with the workflow deployed (each test seeds its own CA)."""
    with EmulatorSession(EmulatorOptions(context=FAST_CONTEXT)) as session:
        yield session


def new_fleet(emulator: EmulatorSession, certificates: int, **kwargs: Any) -> Fleet:
    """A fresh CA with ``certificates`` client certificates (a new seed each call)."""
    return seed_fleet(emulator.client("iot"), certificates=certificates, seed=next(_seeds), **kwargs)


def run_workflow(emulator: EmulatorSession, document: Any) -> ExecutionResult:
    """Start an execution with ``document`` as input, wait for it, return its result and report."""
    assert emulator.deployment is not None
    sfn = emulator.client("stepfunctions")
    text = document if isinstance(document, str) else json.dumps(document)
    arn = start_execution(sfn, emulator.deployment.state_machine_arn, text)
    description = wait_for(sfn, arn, poll_seconds=0.05)
    return result_of(sfn, emulator.client("s3"), description)


def statuses(emulator: EmulatorSession, certificate_ids: Any) -> dict[str, str]:
    """certificateId -> status, read from the emulator's AWS IoT (DescribeCertificate)."""
    iot = emulator.client("iot")
    return {
        cid: iot.describe_certificate(certificateId=cid)["certificateDescription"]["status"]
        for cid in certificate_ids
    }


def ca_status(emulator: EmulatorSession, ca_certificate_id: str) -> tuple[str, str]:
    description = emulator.client("iot").describe_ca_certificate(certificateId=ca_certificate_id)[
        "certificateDescription"
    ]
    return description["status"], description["autoRegistrationStatus"]


def history_event_types(emulator: EmulatorSession, execution_arn: str) -> list[str]:
    sfn = emulator.client("stepfunctions")
    events: list[str] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(event["type"] for event in page["events"])
    return events
