"""The multi-Region app (context ``regions``): one stack per Region, the forwarding rules and their role,
cdk-nag clean; the one-Region default unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from contract.names import STACK_ID
from infra.settings import SettingsError, parse_regions
from infra.stack import build_stacks
from tests.support.synth import MULTI_REGION, Synthesized, synthesize_regions_once

pytestmark = pytest.mark.synth


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_one_stack_per_region_named_by_region_and_nag_clean() -> None:
    synthesized = synthesize_regions_once()
    assert synthesized.synth_error is None, synthesized.synth_error  # cdk-nag AwsSolutions: no finding
    assert {region: stack.stack_name for region, stack in synthesized.stacks.items()} == {
        region: f"{STACK_ID}-{region}" for region in MULTI_REGION
    }
    for template in synthesized.templates.values():
        # The revocation and the restore of a quarantine, in each Region.
        assert len(_of_type(template, "AWS::StepFunctions::StateMachine")) == 2
        # Every task knows the app's Regions: NormalizeInput accepts a finding another Region's stack
        # forwarded (its envelope keeps the Region it originated in) when the finding is of its own Region.
        for function in _of_type(template, "AWS::Lambda::Function").values():
            variables = function["Properties"]["Environment"]["Variables"]
            assert variables["DEPLOYMENT_REGIONS"] == ",".join(MULTI_REGION)


def test_default_is_the_one_environment_stack(synthesized: Synthesized) -> None:
    assert synthesized.stack.stack_name == STACK_ID
    assert synthesized.stack.triggers.forwarding_rules == {}


@pytest.mark.parametrize("region", MULTI_REGION)
def test_each_stack_forwards_the_other_regions_findings_to_their_default_bus(region: str) -> None:
    """EventBridge User Guide, "Sending and receiving events between AWS Regions": an event bus in another
    Region as a rule target, with a role allowing events:PutEvents on it."""
    synthesized = synthesize_regions_once()
    stack = synthesized.stacks[region]
    others = [other for other in MULTI_REGION if other != region]
    assert sorted(stack.triggers.forwarding_rules) == sorted(others)
    template = Template.from_json(synthesized.templates[region])
    for other in others:
        bus_arn = {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":events:{other}:",
                    {"Ref": "AWS::AccountId"},
                    ":event-bus/default",
                ],
            ]
        }
        template.has_resource_properties(
            "AWS::Events::Rule",
            {
                "EventPattern": {"detail": {"findings": Match.object_like({"Region": [other]})}},
                "Targets": [
                    Match.object_like(
                        {
                            "Arn": bus_arn,
                            "RoleArn": Match.any_value(),
                            "DeadLetterConfig": {"Arn": Match.any_value()},
                        }
                    )
                ],
            },
        )
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "PolicyDocument": {
                    "Statement": [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": bus_arn}]
                }
            },
        )
    # The forwarding roles can do nothing but PutEvents on those buses.
    actions = {
        statement["Action"]
        for logical_id, policy in _of_type(synthesized.templates[region], "AWS::IAM::Policy").items()
        if "Forward" in logical_id
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    }
    assert actions == {"events:PutEvents"}


def test_the_state_machine_rule_stays_on_its_own_region() -> None:
    synthesized = synthesize_regions_once()
    for region, stack in synthesized.stacks.items():
        rule = stack.triggers.rules["SecurityHubFindingsRule"]
        resource = synthesized.templates[region]["Resources"][stack.get_logical_id(rule.node.default_child)]
        assert resource["Properties"]["EventPattern"]["detail"]["findings"]["Region"] == [
            {"Ref": "AWS::Region"}
        ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ()),
        ([], ()),
        ("", ()),
        ("us-east-1,eu-west-1", ("us-east-1", "eu-west-1")),
        ('["ap-southeast-2"]', ("ap-southeast-2",)),
        (["us-gov-west-1", "cn-north-1"], ("us-gov-west-1", "cn-north-1")),
    ],
)
def test_regions_setting_accepts_a_list_or_a_comma_separated_string(
    raw: Any, expected: tuple[str, ...]
) -> None:
    assert parse_regions(raw) == expected


@pytest.mark.parametrize("raw", [["us-east-1", "us-east-1"], ["Mars"], "us-east-1;eu-west-1", 3, [1]])
def test_regions_setting_refuses_bad_values_naming_the_key(raw: Any) -> None:
    with pytest.raises(SettingsError, match="'regions'"):
        parse_regions(raw)


def test_a_bad_regions_context_fails_the_app() -> None:
    with pytest.raises(SettingsError, match="'regions'"):
        build_stacks(context={"regions": "not a region"}, nag=False)
