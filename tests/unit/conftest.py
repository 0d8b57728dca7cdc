"""Fixtures of the unit tier: handlers called directly with a Lambda context, the AWS ports replaced by
the in-memory fakes of tests/support/fakes.py, Powertools metrics reset between tests (Powertools for
AWS Lambda (Python), "Testing your code"). Nothing here imports moto or aws_cdk."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aws_lambda_powertools.metrics.provider import cold_start
from revocation_common import aws
from revocation_common.observability import metrics
from revocation_common.settings import task_settings

from tests.support.fakes import FakeExecutions, FakeIot, FakeLockTable, MemoryStore
from tests.support.lambda_context import LambdaContext
from tests.unit.task_events import BUCKET, LOCK_TABLE

SETTINGS_ENV = {
    "REPORT_BUCKET": BUCKET,
    "LOCK_TABLE": LOCK_TABLE,
    "UPDATE_CERTIFICATE_TPS": "100000",
    "LIST_CERTIFICATES_BY_CA_TPS": "100000",
    "DESCRIBE_CERTIFICATE_TPS": "100000",
    "LIST_PRINCIPAL_THINGS_TPS": "100000",
    "LIST_CA_CERTIFICATES_TPS": "100000",
    "DESCRIBE_CA_CERTIFICATE_TPS": "100000",
    "LIST_CERTIFICATES_TPS": "100000",
    "REVOKE_MAX_CONCURRENCY": "10",
    "DEFAULT_TARGET_STATUS": "REVOKED",
    "AUTOMATIC_RESPONSE_MODE": "dry-run",
    "SECURITY_HUB_CHECK_NAMES": "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


@pytest.fixture(autouse=True)
def reset_metric_set() -> Iterator[None]:
    """Every test starts with no metrics, no default dimensions and a cold start."""
    metrics.clear_metrics()
    metrics.clear_default_dimensions()
    cold_start.is_cold_start = True
    yield
    metrics.clear_metrics()


@pytest.fixture(autouse=True)
def task_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The task settings a deployment sets, read afresh by each test."""
    for name, value in SETTINGS_ENV.items():
        monkeypatch.setenv(name, value)
    task_settings.cache_clear()
    yield
    task_settings.cache_clear()


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@dataclass
class Ports:
    iot: FakeIot
    store: MemoryStore
    locks: FakeLockTable
    executions: FakeExecutions


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Ports:
    """The fakes, installed as what revocation_common.aws hands the handlers."""
    fakes = Ports(FakeIot(), MemoryStore(), FakeLockTable(), FakeExecutions())

    def object_store(bucket: str) -> MemoryStore:
        assert bucket == BUCKET
        return fakes.store

    def lock_table(table: str) -> FakeLockTable:
        assert table == LOCK_TABLE
        return fakes.locks

    monkeypatch.setattr(aws, "iot", lambda: fakes.iot)
    monkeypatch.setattr(aws, "object_store", object_store)
    monkeypatch.setattr(aws, "text_store", object_store)
    monkeypatch.setattr(aws, "lock_table", lock_table)
    monkeypatch.setattr(aws, "executions", lambda: fakes.executions)
    return fakes


# Modules the unit tier must never import: moto (the emulator's tier) and the CDK (aws_cdk and jsii, which
# start Node.js). Checked when the session ends, on the modules every collected test pulled in.
HEAVY_MODULES = ("moto", "aws_cdk", "jsii")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail ``pytest -m unit`` (exit status 1) when it imported moto or the CDK."""
    if session.config.getoption("markexpr", "") != "unit":
        return
    heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY_MODULES))
    if heavy:
        sys.stderr.write(f"\nunit tier imported {', '.join(heavy)}: it must need neither moto nor Node.js\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
