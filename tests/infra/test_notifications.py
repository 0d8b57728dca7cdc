"""Notifications alone in a fresh Stack: the topic, its customer managed key and its policies."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from infra.notifications import Notifications
from tests.infra.stacks import fresh_stack, logical_id

pytestmark = pytest.mark.synth

THIS_ACCOUNT = {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


@pytest.fixture(scope="module")
def built() -> tuple[Notifications, Template]:
    stack, _ = fresh_stack()
    notifications = Notifications(stack, "Notifications")
    return notifications, Template.from_stack(stack)


def test_topic_is_encrypted_with_a_rotated_customer_key(built: tuple[Notifications, Template]) -> None:
    notifications, template = built
    key_id = logical_id(notifications.key)
    template.resource_count_is("AWS::SNS::Topic", 1)
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}})
    template.has_resource(
        "AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain"}
    )


def test_key_lets_this_accounts_alarms_and_eventbridge_use_it(
    built: tuple[Notifications, Template],
) -> None:
    notifications, template = built
    key = template.find_resources("AWS::KMS::Key")[logical_id(notifications.key)]
    services = {
        s["Principal"]["Service"]: s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in s.get("Principal", {})
    }
    assert set(services) == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    for statement in services.values():
        assert statement["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    # CloudWatch alarms keep aws:SourceAccount; EventBridge takes no source condition (Amazon SNS Developer
    # Guide, key management: tests/infra/test_aws_fidelity.py holds that half).
    assert services["cloudwatch.amazonaws.com"]["Condition"] == THIS_ACCOUNT
    assert "Condition" not in services["events.amazonaws.com"]


def test_topic_policy_denies_without_tls_and_admits_this_accounts_alarms(
    built: tuple[Notifications, Template],
) -> None:
    _, template = built
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        ),
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Condition": Match.object_like(THIS_ACCOUNT),
                            }
                        ),
                    ]
                )
            }
        },
    )
    (policy,) = template.find_resources("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert len([s for s in statements if s["Effect"] == "Deny"]) == 1
    # Alone, the construct admits only the alarms; the monitoring rule adds its own grant (test_monitoring).
    assert {s["Principal"]["Service"] for s in statements if s["Effect"] == "Allow"} == {
        "cloudwatch.amazonaws.com"
    }
