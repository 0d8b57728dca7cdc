"""cli/regions.py: ABSENT, the combined report's totals and verified, and the exit-code order (pure)."""

from __future__ import annotations

import argparse
import re

import pytest

from cli import exit_codes
from cli.region_options import region_list
from cli.regions import SEVERITY, RegionOutcome, combined_report, most_severe
from cli.workflow import ExecutionResult
from contract.paths import README

pytestmark = pytest.mark.unit


def _succeeded(region: str, total: int, verified: bool = True) -> RegionOutcome:
    report = {
        "certificates": {"total": total, "revoked": total, "alreadyRevoked": 0, "skipped": 0, "failed": 0},
        "verification": {"verified": verified},
    }
    arn = f"arn:aws:states:{region}:123456789012:execution:iot-ca-revocation:x"
    return RegionOutcome(region, ExecutionResult(arn, "SUCCEEDED", report=report))


def test_ca_not_found_with_nothing_found_is_absent_and_verified() -> None:
    outcome = RegionOutcome("ap-southeast-2", ExecutionResult("arn", "FAILED", error="CaNotFound"))
    assert outcome.status == "ABSENT"
    assert outcome.exit_code == exit_codes.VERIFIED
    assert outcome.document()["report"] is None


def test_ca_not_found_with_certificates_found_is_not_absent() -> None:
    report = {"certificates": {"total": 2, "revoked": 0, "alreadyRevoked": 0, "skipped": 0, "failed": 2}}
    outcome = RegionOutcome("eu-west-1", ExecutionResult("arn", "FAILED", error="CaNotFound", report=report))
    assert outcome.status == "FAILED"
    assert outcome.exit_code == exit_codes.CA_NOT_FOUND


def test_a_verified_run_of_a_ca_registered_nowhere_there_with_nothing_found_is_absent() -> None:
    """Named by id and PEM, the Region without the CA verifies an empty scope: that is ABSENT too; a
    Region where the CA is registered and has no certificates is not."""
    nowhere = {"certificates": {"total": 0}, "scope": {"cas": [{"registered": False}]}}
    outcome = RegionOutcome("ap-southeast-2", ExecutionResult("arn", "SUCCEEDED", report=nowhere))
    assert (outcome.status, outcome.exit_code) == ("ABSENT", 0)
    registered = {"certificates": {"total": 0}, "scope": {"cas": [{"registered": True}]}}
    assert RegionOutcome("eu-west-1", ExecutionResult("arn", "SUCCEEDED", report=registered)).status == (
        "SUCCEEDED"
    )


def test_totals_are_the_sums_and_verified_needs_every_region() -> None:
    absent = RegionOutcome("ap-southeast-2", ExecutionResult("arn", "FAILED", error="CaNotFound"))
    combined = combined_report([_succeeded("us-east-1", 30), _succeeded("eu-west-1", 12), absent])
    assert combined["totals"] == {"total": 42, "revoked": 42, "alreadyRevoked": 0, "skipped": 0, "failed": 0}
    assert [entry["status"] for entry in combined["regions"]] == ["SUCCEEDED", "SUCCEEDED", "ABSENT"]
    assert combined["verified"] is True and combined["exitCode"] == 0
    failing = RegionOutcome("eu-west-1", ExecutionResult("arn", "FAILED", error="Lambda.Unknown"))
    combined = combined_report([_succeeded("us-east-1", 30), failing])
    assert combined["verified"] is False
    assert combined["exitCode"] == exit_codes.FAILED
    assert [entry["region"] for entry in combined["regions"] if not entry["verified"]] == ["eu-west-1"]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0], 0),
        ([0, 2], 2),
        ([2, 5], 5),
        ([5, 4], 4),
        ([4, 1], 1),
        ([1, 3, 0], 3),
        ([0, 9], 1),  # an unknown code counts as FAILED
        ([], 0),
    ],
)
def test_the_most_severe_code_wins(codes: list[int], expected: int) -> None:
    assert most_severe(codes) == expected


def test_readme_exit_code_table_gives_the_same_order() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"most severe first: ((?:`\d`(?: > )?)+)", text)
    assert match, "the README's exit-code section states the multi-Region order"
    assert [int(code) for code in re.findall(r"\d", match.group(1))] == list(SEVERITY)


def test_region_list_refuses_bad_and_repeated_names() -> None:
    assert region_list("us-east-1, eu-west-1") == ("us-east-1", "eu-west-1")
    for bad in ("us-east-1,us-east-1", "US-EAST-1", "", "mars-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            region_list(bad)
