"""CiAccess alone in a fresh Stack: the managed policy a CI role needs to start and follow executions."""

from __future__ import annotations

import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from contract.names import STATE_MACHINE_NAME
from infra.ci_access import CiAccess
from infra.nag import flatten_cfn
from tests.infra.stacks import fresh_stack

pytestmark = pytest.mark.synth


def test_ci_policy_allows_starting_and_following_this_state_machine_only() -> None:
    stack, _ = fresh_stack()
    bucket = s3.Bucket(stack, "Reports")
    CiAccess(stack, "CiAccess", state_machine_name=STATE_MACHINE_NAME, report_bucket=bucket)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)
    # Attached by the operator to their CI role, not by the stack.
    template.has_resource_properties("AWS::IAM::ManagedPolicy", {"Roles": Match.absent()})
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Allow" for s in statements)
    grants = {
        (action, flatten_cfn(s["Resource"]))
        for s in statements
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    states = "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>"
    execution = f"{states}:execution:iot-ca-revocation:*"
    assert {grant for grant in grants if not grant[0].startswith("s3:")} == {
        ("states:StartExecution", f"{states}:stateMachine:iot-ca-revocation"),
        ("states:DescribeExecution", execution),
        ("states:GetExecutionHistory", execution),
        ("states:ListMapRuns", execution),
        ("states:DescribeMapRun", f"{states}:mapRun:iot-ca-revocation/*"),
        # run --regions: ListStateMachines has no resource type (Service Authorization Reference, AWS
        # Step Functions); DescribeCACertificate on this account's CA certificates (resource type cacert).
        ("states:ListStateMachines", "*"),
        ("iot:DescribeCACertificate", "arn:<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>:cacert/*"),
    }  # and s3:GetObject of the report objects only: tests/infra/test_ci_access_policy.py
