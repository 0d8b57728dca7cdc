"""Triggers, lock table, monitoring and CI access in the synthesized template."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.nag import flatten_cfn
from infra.stack import build_app
from infra.triggers import CUSTOM_ACTIONS, TARGET_MAX_EVENT_AGE, TARGET_RETRY_ATTEMPTS
from tests.support.synth import Synthesized

pytestmark = pytest.mark.synth


def _rule(synth: Synthesized, construct_id: str) -> dict[str, Any]:
    rule = synth.stack.triggers.rules[construct_id]
    return dict(synth.resources[synth.stack.get_logical_id(rule.node.default_child)])


@pytest.mark.parametrize("construct_id", ["SecurityHubFindingsRule", "CustomActionRule", "CustomEventRule"])
def test_each_trigger_starts_the_state_machine_with_the_event_as_is(
    synthesized: Synthesized, construct_id: str
):
    rule = _rule(synthesized, construct_id)
    assert rule["Properties"]["State"] == "ENABLED"
    (target,) = rule["Properties"]["Targets"]
    machine = synthesized.stack.get_logical_id(synthesized.stack.workflow.state_machine.node.default_child)
    assert target["Arn"] == {"Ref": machine}
    # No Input, InputPath or InputTransformer: the state machine receives the whole event.
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)
    assert target["RetryPolicy"] == {
        "MaximumRetryAttempts": TARGET_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": TARGET_MAX_EVENT_AGE.to_seconds(),
    }
    queue = synthesized.stack.get_logical_id(synthesized.stack.triggers.dead_letter_queue.node.default_child)
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    role = synthesized.resources[target["RoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "events.amazonaws.com"
    }


def test_events_role_may_only_start_this_state_machine(synthesized: Synthesized):
    target = _rule(synthesized, "CustomEventRule")["Properties"]["Targets"][0]
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    machine = synthesized.stack.get_logical_id(synthesized.stack.workflow.state_machine.node.default_child)
    statements = [
        s
        for p in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine}}
    ]


def test_dead_letter_queue_is_encrypted_tls_only_and_kept_14_days(synthesized: Synthesized):
    queue = synthesized.resources[
        synthesized.stack.get_logical_id(synthesized.stack.triggers.dead_letter_queue.node.default_child)
    ]
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    (policy,) = synthesized.of_type("AWS::SQS::QueuePolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    # Each rule may send its own failed events, and nothing else may.
    senders = [s for s in statements if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in senders} == {"events.amazonaws.com"}
    assert len(senders) == 3
    assert all("aws:SourceArn" in s["Condition"]["ArnEquals"] for s in senders)


def test_lock_table_is_encrypted_recoverable_and_expiring(synthesized: Synthesized):
    table = synthesized.resources[
        synthesized.stack.get_logical_id(synthesized.stack.storage.lock_table.node.default_child)
    ]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "caCertificateId", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}


def test_alarms_go_to_the_topic_and_exclude_duplicates_from_failures(synthesized: Synthesized):
    topic = {
        "Ref": synthesized.stack.get_logical_id(synthesized.stack.notifications.topic.node.default_child)
    }
    alarms = synthesized.of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) == 4
    by_metric: dict[str, dict[str, Any]] = {}
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [topic]
        assert (props["Threshold"], props["EvaluationPeriods"]) == (1, 1)
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["TreatMissingData"] == "notBreaching"
        if "Metrics" in props:
            names = {m["MetricStat"]["Metric"]["MetricName"] for m in props["Metrics"] if "MetricStat" in m}
            (expression,) = [m["Expression"] for m in props["Metrics"] if "Expression" in m]
            assert names == {"ExecutionsFailed", "DuplicateRevocationRejected"}
            assert expression == "FILL(failed, 0) - FILL(duplicates, 0)"
            by_metric["ExecutionsFailed"] = props
        else:
            by_metric[props["MetricName"]] = props
    assert set(by_metric) == {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
        "ApproximateNumberOfMessagesVisible",
    }


def test_dashboard_shows_executions_certificates_and_throttles(synthesized: Synthesized):
    (dashboard,) = synthesized.of_type("AWS::CloudWatch::Dashboard").values()
    body = flatten_cfn(dashboard["Properties"]["DashboardBody"])
    for text in (
        '"title":"Executions"',
        '"title":"Certificates"',
        '"title":"Throttles"',
        "CertificatesRevoked",
        "AwsThrottles",
        "ExecutionThrottled",
        "ExecutionsStarted",
    ):
        assert text in body, text


def test_ci_policy_allows_starting_and_following_this_state_machine_only(synthesized: Synthesized):
    (policy,) = synthesized.of_type("AWS::IAM::ManagedPolicy").values()
    assert "Roles" not in policy["Properties"], "attached by the operator to their CI role"
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
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
    }  # and s3:GetObject of the report objects: tests/infra/test_ci_access_policy.py


def test_settings_toggle_the_findings_rule_custom_actions_and_ci_policy() -> None:
    _, stack = build_app(
        context={"automaticResponseMode": "off", "securityHubCustomActions": True, "ciAccessPolicy": False},
        nag=False,
    )
    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    findings = stack.get_logical_id(stack.triggers.rules["SecurityHubFindingsRule"].node.default_child)
    assert resources[findings]["Properties"]["State"] == "DISABLED"
    actions = {
        r["Properties"]["Id"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::SecurityHub::ActionTarget"
    }
    assert actions == {
        action_id: {"Id": action_id, "Name": name, "Description": description}
        for action_id, name, description in CUSTOM_ACTIONS
    }
    for properties in actions.values():
        assert len(properties["Id"]) <= 20 and properties["Id"].isalnum()
        assert len(properties["Name"]) < 20
    custom = stack.get_logical_id(stack.triggers.rules["CustomActionRule"].node.default_child)
    assert set(resources[custom]["DependsOn"]) == {
        stack.get_logical_id(action) for action in stack.triggers.custom_actions.values()
    }
    assert not [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert "CiAccessPolicyArn" not in template["Outputs"]
