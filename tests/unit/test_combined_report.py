"""cli/regions.py: ABSENT, the combined report's totals and verified, and the exit-code order (pure)."""

from __future__ import annotations

import argparse
import re

import pytest
from botocore.exceptions import ClientError

from cli import exit_codes, regions
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


class _StepFunctions:
    """ListStateMachines of one Region: the machine's name, or the error code this Region answers."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def get_paginator(self, operation: str) -> _StepFunctions:
        assert operation == "list_state_machines"
        return self

    def paginate(self) -> list[dict[str, object]]:
        if self.answer.endswith("Exception") or self.answer == "InvalidClientTokenId":
            raise ClientError({"Error": {"Code": self.answer, "Message": "no"}}, "ListStateMachines")
        arn = f"arn:aws:states:eu-west-1:123456789012:stateMachine:{self.answer}"
        return [{"stateMachines": [{"name": self.answer, "stateMachineArn": arn}]}]


def test_access_denied_is_its_own_status_never_not_deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    # IAM User Guide, "Troubleshoot access denied error messages": a denied ListStateMachines says nothing
    # about whether the state machine is there; a Region not enabled for the account (the token is not
    # recognized there) has none.
    answers = {
        "us-east-1": "iot-ca-revocation",
        "eu-west-1": "AccessDeniedException",
        "ap-south-2": "UnrecognizedClientException",
        "me-central-1": "other-machine",
    }
    monkeypatch.setattr(regions, "partition_regions", lambda args: list(answers))
    monkeypatch.setattr(
        regions, "_clients", lambda args, region: (_StepFunctions(answers[region]), None, None)
    )

    found = regions.find_deployments(argparse.Namespace(), "iot-ca-revocation")

    assert found.deployed == ["us-east-1"]
    assert found.denied == ["eu-west-1"]
    denied = RegionOutcome("eu-west-1", ExecutionResult("", regions.ACCESS_DENIED, error="AccessDenied"))
    assert denied.status == "ACCESS_DENIED"
    assert denied.exit_code == exit_codes.ACCESS_DENIED
    assert denied.document()["report"] is None
    combined = combined_report([_succeeded("us-east-1", 3), denied])
    assert combined["verified"] is False
    assert combined["exitCode"] == exit_codes.ACCESS_DENIED
    assert most_severe([exit_codes.ACCESS_DENIED, exit_codes.CA_NOT_FOUND]) == exit_codes.ACCESS_DENIED
    assert most_severe([exit_codes.ACCESS_DENIED, exit_codes.FAILED]) == exit_codes.FAILED
