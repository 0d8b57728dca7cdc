"""The documented end of a run, and the checks that a run reached it: every certificate counted once, in
its documented state, nothing outside the CA touched (docs/reliability.md).

The state is read with :class:`tests.support.statuses.IotStateReader` (no API call), so the checks
neither count in the IoT statistics nor meet the faults a test injected.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cli.workflow import ExecutionResult
from emulator.fleet import Fleet
from emulator.session import EmulatorSession
from tests.support.statuses import IotStateReader, ca_status, statuses

__all__ = [
    "EVERY_STATUS",
    "IOT_STATE",
    "Outcomes",
    "assert_end_state",
    "assert_only_own_writes",
    "expected_counts",
    "expected_status",
    "outcomes_of",
]

IOT_STATE: Final = IotStateReader()
"""The emulator's AWS IoT state, read without an API call (no statistics, no faults)."""
# Every status but ACTIVE (the rest of the fleet) that a certificate of the CA can be in before the
# incident: emulator.fleet.PREEXISTING_STATUSES (docs/reliability.md, guarantee 5).
EVERY_STATUS: Final = {
    "REVOKED": 5,
    "INACTIVE": 4,
    "PENDING_TRANSFER": 3,
    "PENDING_ACTIVATION": 4,
    "REGISTER_INACTIVE": 4,
}


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
    """The outcomes under the report's outcomesLocation (s3://bucket/prefix)."""
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
    after = statuses(IOT_STATE, fleet.certificate_ids)
    assert after == {cid: expected_status(fleet, cid, target) for cid in fleet.certificate_ids}
    assert ca_status(IOT_STATE, fleet.ca_certificate_id) == ("INACTIVE", "DISABLE")
    assert_only_own_writes(emulator, fleet)
    assert set(statuses(IOT_STATE, fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(IOT_STATE, fleet.other_ca_certificate_id).status == "ACTIVE"


def assert_only_own_writes(emulator: EmulatorSession, *fleets: Fleet) -> None:
    """Every successful IoT write since the last ``inject`` went to these CAs or their certificates."""
    own: set[str] = set()
    for fleet in fleets:
        own |= {fleet.ca_certificate_id, *fleet.certificate_ids}
    writes = emulator.iot_layer.stats.writes
    foreign = [(api, resource) for api, resource in writes if resource not in own]
    assert foreign == []
    assert {api for api, _ in writes} <= {"UpdateCertificate", "UpdateCACertificate"}
