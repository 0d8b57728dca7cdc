"""Helpers of the reliability tests: one emulator per module, faults switched per test, and readers of
the emulator's state that make no AWS call (so they neither count in the IoT statistics nor get faults).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from cli.workflow import ExecutionResult, result_of, start_execution, wait_for
from emulator.fleet import Fleet, seed_fleet
from emulator.iot import get_iot_backend
from emulator.lambda_runtime import CrashPlan, InvocationFaults
from emulator.session import ACCOUNT_ID, REGION, EmulatorOptions, EmulatorSession

# The workflow paces UpdateCertificate and ListCertificatesByCA at this many transactions per second
# (cdk.json context); a test that wants throttling sets the emulator's quota below it.
PACE_TPS = 200
# ASL Retry waits at 1/20 of real time: a test that exhausts a retry policy takes seconds, not minutes.
RETRY_DELAY_SCALE = 0.05
# Every status a certificate of the CA can be in before the incident (DESIGN.md, "The job", step 3).
EVERY_STATUS = {
    "REVOKED": 5,
    "INACTIVE": 4,
    "PENDING_TRANSFER": 3,
    "PENDING_ACTIVATION": 4,
    "REGISTER_INACTIVE": 4,
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    """One emulator per module; each test seeds its own CA and switches its own faults on and off."""
    options = EmulatorOptions(
        context={"updateCertificateTps": PACE_TPS, "listCertificatesByCaTps": PACE_TPS},
        retry_delay_scale=RETRY_DELAY_SCALE,
    )
    with EmulatorSession(options) as session:
        yield session


@pytest.fixture(autouse=True)
def no_faults_between_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "emulator" in request.fixturenames:
        inject(request.getfixturevalue("emulator"))


def inject(
    emulator: EmulatorSession,
    *,
    quota_tps: float | None = None,
    fault_rate: float = 0.0,
    crash_rate: float = 0.0,
    crash_plan: CrashPlan | None = None,
    seed: int = 0,
) -> None:
    """Set the faults (all off by default) and zero the statistics of the IoT layer and the tasks.

    quota_tps: the emulator's quota on every IoT API the workflow calls (None: none).
    """
    quotas = None
    if quota_tps is not None:
        quotas = dict.fromkeys(
            ("UpdateCertificate", "UpdateCACertificate", "ListCertificatesByCA", "DescribeCACertificate"),
            quota_tps,
        )
        quotas["DescribeCertificate"] = quota_tps
    emulator.iot_layer.configure(quotas=quotas, fault_rate=fault_rate, seed=seed)
    emulator.iot_layer.reset_stats()
    runtime = emulator.lambda_runtime
    assert runtime is not None
    runtime.configure_faults(InvocationFaults(crash_rate=crash_rate, seed=seed, crash_plan=crash_plan))
    runtime.reset_stats()
    runtime.crash_hook = None


def new_fleet(emulator: EmulatorSession, certificates: int, seed: int, **kwargs: Any) -> Fleet:
    """A fresh CA with ``certificates`` client certificates and 6 decoys.

    Each test passes its own ``seed`` (unique in the module: a seed cannot be seeded twice): the CA id,
    and with it every task input and so every injected fault, then does not depend on which other tests
    ran first.
    """
    kwargs.setdefault("decoys", 6)
    return seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed, **kwargs)


def run_workflow(emulator: EmulatorSession, document: Any, name: str | None = None) -> ExecutionResult:
    """Start an execution with ``document`` as its input (JSON text as is), wait, return its result."""
    assert emulator.deployment is not None
    sfn = emulator.client("stepfunctions")
    text = document if isinstance(document, str) else json.dumps(document)
    arn = start_execution(sfn, emulator.deployment.state_machine_arn, text, name=name)
    return result_of(sfn, emulator.client("s3"), wait_for(sfn, arn, poll_seconds=0.05))


def backend() -> Any:
    return get_iot_backend(ACCOUNT_ID, REGION)


def statuses(certificate_ids: Any) -> dict[str, str]:
    """certificateId -> status, read from the emulator's state directly (no API call)."""
    certificates = backend().certificates
    return {cid: certificates[cid].status for cid in certificate_ids}


def ca_status(ca_certificate_id: str) -> tuple[str, str]:
    """(status, autoRegistrationStatus) of a CA, read from the emulator's state directly."""
    ca = backend().ca_certificates[ca_certificate_id]
    return ca.status, ca.auto_registration_status


@dataclass(frozen=True)
class Outcomes:
    """Every per-certificate outcome the execution wrote to S3 (outcomes/*.json), page by page."""

    entries: list[dict[str, Any]]

    @property
    def by_certificate(self) -> dict[str, dict[str, Any]]:
        return {entry["certificateId"]: entry for entry in self.entries}

    def counts(self) -> Counter[str]:
        return Counter(entry["outcome"] for entry in self.entries)


def outcomes_of(emulator: EmulatorSession, result: ExecutionResult) -> Outcomes:
    assert result.report is not None
    location = result.report["outcomesLocation"]
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    s3 = emulator.client("s3")
    entries: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            entries.extend(body["outcomes"])
    return Outcomes(entries)


def expected_counts(fleet: Fleet, target: str = "REVOKED") -> dict[str, int]:
    """The documented end of a run over ``fleet``'s pre-existing statuses (README, "What the workflow
    does", step 4; docs/data-contract.md, "Outcomes of one certificate")."""
    pre: Mapping[str, tuple[str, ...]] = fleet.preexisting_ids
    total = len(fleet.certificate_ids)
    already = len(pre.get(target, ()))
    skipped = len(pre.get("PENDING_TRANSFER", ()))
    if target == "INACTIVE":
        skipped += len(pre.get("REVOKED", ()))  # REVOKED is final
    return {
        "total": total,
        "revoked": total - already - skipped,
        "alreadyRevoked": already,
        "skipped": skipped,
        "failed": 0,
    }


def expected_status(fleet: Fleet, certificate_id: str, target: str = "REVOKED") -> str:
    """The status a certificate of ``fleet`` must end in: the target, except PENDING_TRANSFER (refused by
    AWS IoT, reported) and REVOKED when the target is INACTIVE (final)."""
    before = fleet.status_of(certificate_id)
    if before == "PENDING_TRANSFER" or (before == "REVOKED" and target == "INACTIVE"):
        return before
    return target


def assert_end_state(emulator: EmulatorSession, fleet: Fleet, result: ExecutionResult, target: str) -> None:
    """The run ended verified, in the documented state, every certificate counted once, nothing else
    touched."""
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    report = result.report
    assert report is not None
    assert report["verification"]["verified"] is True
    assert report["certificates"] == expected_counts(fleet, target)
    outcomes = outcomes_of(emulator, result)
    ids = [entry["certificateId"] for entry in outcomes.entries]
    assert len(ids) == len(set(ids)) == len(fleet.certificate_ids)
    assert set(ids) == set(fleet.certificate_ids)
    after = statuses(fleet.certificate_ids)
    assert after == {cid: expected_status(fleet, cid, target) for cid in fleet.certificate_ids}
    assert ca_status(fleet.ca_certificate_id) == ("INACTIVE", "DISABLE")
    assert_only_own_writes(emulator, fleet)
    assert set(statuses(fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(fleet.other_ca_certificate_id)[0] == "ACTIVE"


def assert_only_own_writes(emulator: EmulatorSession, *fleets: Fleet) -> None:
    """Every successful IoT write since the last ``inject`` went to these CAs or their certificates."""
    own: set[str] = set()
    for fleet in fleets:
        own |= {fleet.ca_certificate_id, *fleet.certificate_ids}
    writes = emulator.iot_layer.stats.writes
    foreign = [(api, resource) for api, resource in writes if resource not in own]
    assert foreign == []
    assert {api for api, _ in writes} <= {"UpdateCertificate", "UpdateCACertificate"}
