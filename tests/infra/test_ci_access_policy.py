"""The CI managed policy grants what ``ca-revoke run --wait``, ``follow`` and ``report`` call, on this state
machine's resources only (a template assertion: only AWS evaluates IAM).

Source: Service Authorization Reference, "Actions, resources, and condition keys for AWS Step Functions"
(StartExecution: stateMachine; DescribeExecution, GetExecutionHistory, ListMapRuns: execution;
DescribeMapRun: mapRun, ``arn:${Partition}:states:${Region}:${Account}:mapRun:${StateMachineName}/
${MapRunLabel}:${MapRunId}``) and "Actions, resources, and condition keys for Amazon S3" (GetObject: object).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.nag import flatten_cfn

pytestmark = pytest.mark.synth

CLI_SOURCES = ("cli/run.py", "cli/follow.py", "cli/workflow.py", "cli/history.py", "cli/regions.py")
REPO = Path(__file__).resolve().parents[2]
# Operations the CLI may call without the policy: none (run --regions and --all-regions list the state
# machines and read the CA's PEM, so the policy grants ListStateMachines and DescribeCACertificate).
NOT_NEEDED_IN_CI: set[str] = set()


def _statements(synthesized) -> dict[str, list[str]]:
    """action -> flattened resources, of the CI managed policy."""
    policies = [
        resource
        for resource in synthesized.of_type("AWS::IAM::ManagedPolicy").values()
        if "CI roles" in resource["Properties"].get("Description", "")
    ]
    assert len(policies) == 1
    granted: dict[str, list[str]] = {}
    for statement in policies[0]["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        for action in actions:
            granted.setdefault(action, []).extend(flatten_cfn(resource) for resource in resources)
    return granted


def _cli_calls() -> set[str]:
    """The IAM actions of every client call in the CLI's run/follow/report code (``sfn.x(`` / ``s3.x(``),
    and of the paginators and client methods passed by reference (``sfn.x,``)."""
    calls: set[str] = set()
    for source in CLI_SOURCES:
        text = (REPO / source).read_text()
        for service, method in re.findall(r"\b(sfn|s3|iot)\.(?:get_paginator\(\")?([a-z_]+)\b", text):
            if method in ("exceptions", "meta"):
                continue
            prefix = {"sfn": "states"}.get(service, service)
            calls.add(f"{prefix}:" + "".join(part.capitalize() for part in method.split("_")))
    return calls


def test_the_policy_grants_every_call_of_run_follow_and_report(synthesized):
    granted = _statements(synthesized)
    calls = _cli_calls()
    assert {"states:GetExecutionHistory", "states:DescribeMapRun", "s3:GetObject"} <= calls
    assert "iot:DescribeCaCertificate" in calls  # run --regions reads the CA's PEM
    # IAM action names are case-insensitive (IAM User Guide, "IAM JSON policy elements: Action").
    missing = {c for c in calls - NOT_NEEDED_IN_CI if c.lower() not in {g.lower() for g in granted}}
    assert not missing, missing


def test_each_action_is_scoped_to_its_resource_type_of_this_state_machine(synthesized):
    granted = _statements(synthesized)
    assert set(granted) == {
        "states:StartExecution",
        "states:DescribeExecution",
        "states:GetExecutionHistory",
        "states:ListMapRuns",
        "states:DescribeMapRun",
        "s3:GetObject",
        "states:ListStateMachines",
        "iot:DescribeCACertificate",
    }
    assert all(len(resources) == 1 for resources in granted.values())
    assert granted["states:StartExecution"][0].endswith(":stateMachine:iot-ca-revocation")
    for action in ("states:DescribeExecution", "states:GetExecutionHistory", "states:ListMapRuns"):
        assert granted[action][0].endswith(":execution:iot-ca-revocation:*"), action
    assert granted["states:DescribeMapRun"][0].endswith(":mapRun:iot-ca-revocation/*")
    report = granted["s3:GetObject"][0]
    assert report.endswith("/executions/*/report.json")
    assert "*" not in report.split("/executions/")[0]  # the report bucket, not any bucket
    # "*" only where the action has no resource type (Service Authorization Reference, AWS Step Functions).
    assert [action for action, resources in granted.items() if resources == ["*"]] == [
        "states:ListStateMachines"
    ]
    assert granted["iot:DescribeCACertificate"][0].endswith(":cacert/*")
