"""Triggers in a fresh Stack (with a probe state machine as its target): the three EventBridge rules,
their targets, role and dead-letter queue, and the optional Security Hub custom actions."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match, Template

from infra.triggers import CUSTOM_ACTIONS, TARGET_MAX_EVENT_AGE, TARGET_RETRY_ATTEMPTS, Triggers
from tests.infra.stacks import fresh_stack, logical_id, probe_state_machine

pytestmark = pytest.mark.synth


def _build(**context: Any) -> tuple[Triggers, str, Template]:
    stack, settings = fresh_stack(**context)
    machine = probe_state_machine(stack)
    triggers = Triggers(stack, "Triggers", settings=settings, state_machine=machine)
    return triggers, logical_id(machine), Template.from_stack(stack)


@pytest.fixture(scope="module")
def built() -> tuple[Triggers, str, Template]:
    return _build()


@pytest.mark.parametrize("construct_id", ["SecurityHubFindingsRule", "CustomActionRule", "CustomEventRule"])
def test_each_trigger_starts_the_state_machine_with_the_event_as_is(
    built: tuple[Triggers, str, Template], construct_id: str
) -> None:
    triggers, machine, template = built
    queue = logical_id(triggers.dead_letter_queue)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "State": "ENABLED",
            "Targets": [
                {
                    "Arn": {"Ref": machine},
                    # No Input, InputPath or InputTransformer: the state machine receives the whole event.
                    "Input": Match.absent(),
                    "InputPath": Match.absent(),
                    "InputTransformer": Match.absent(),
                    "RetryPolicy": {
                        "MaximumRetryAttempts": TARGET_RETRY_ATTEMPTS,
                        "MaximumEventAgeInSeconds": TARGET_MAX_EVENT_AGE.to_seconds(),
                    },
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [queue, "Arn"]}},
                    "RoleArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
                    "Id": Match.any_value(),
                }
            ],
        },
    )
    rule = template.find_resources("AWS::Events::Rule")[logical_id(triggers.rules[construct_id])]
    assert rule["Properties"]["State"] == "ENABLED"
    (target,) = rule["Properties"]["Targets"]
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)
    assert target["Arn"] == {"Ref": machine}
    assert target["RetryPolicy"] == {
        "MaximumRetryAttempts": TARGET_RETRY_ATTEMPTS,
        "MaximumEventAgeInSeconds": TARGET_MAX_EVENT_AGE.to_seconds(),
    }
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    role = template.find_resources("AWS::IAM::Role")[target["RoleArn"]["Fn::GetAtt"][0]]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "events.amazonaws.com"
    }


def test_events_role_may_only_start_this_state_machine(built: tuple[Triggers, str, Template]) -> None:
    triggers, machine, template = built
    rule = template.find_resources("AWS::Events::Rule")[logical_id(triggers.rules["CustomEventRule"])]
    role_id = rule["Properties"]["Targets"][0]["RoleArn"]["Fn::GetAtt"][0]
    policies = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": Match.array_with([{"Ref": role_id}])}}
    )
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert statements == [
        {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine}}
    ]


def test_dead_letter_queue_is_encrypted_tls_only_and_kept_14_days(
    built: tuple[Triggers, str, Template],
) -> None:
    _, _, template = built
    template.resource_count_is("AWS::SQS::Queue", 1)
    template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    )
    (policy,) = template.find_resources("AWS::SQS::QueuePolicy").values()
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


def test_no_custom_actions_by_default(built: tuple[Triggers, str, Template]) -> None:
    triggers, _, template = built
    template.resource_count_is("AWS::SecurityHub::ActionTarget", 0)
    assert triggers.custom_actions == {}


def test_settings_toggle_the_findings_rule_and_the_custom_actions() -> None:
    triggers, _, template = _build(automaticResponseMode="off", securityHubCustomActions=True)
    findings = logical_id(triggers.rules["SecurityHubFindingsRule"])
    assert template.find_resources("AWS::Events::Rule")[findings]["Properties"]["State"] == "DISABLED"
    actions = {
        r["Properties"]["Id"]: r["Properties"]
        for r in template.find_resources("AWS::SecurityHub::ActionTarget").values()
    }
    assert actions == {
        action_id: {"Id": action_id, "Name": name, "Description": description}
        for action_id, name, description in CUSTOM_ACTIONS
    }
    for properties in actions.values():
        assert len(properties["Id"]) <= 20 and properties["Id"].isalnum()
        assert len(properties["Name"]) < 20
    custom = template.find_resources("AWS::Events::Rule")[logical_id(triggers.rules["CustomActionRule"])]
    stack = Stack.of(triggers)
    assert set(custom["DependsOn"]) == {
        stack.get_logical_id(action) for action in triggers.custom_actions.values()
    }
