"""The SNS topic the workflow, its alarms and its EventBridge rules publish to, and the topic's KMS key."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

# AWS services that publish to the topic as a service principal: CloudWatch alarm actions and
# EventBridge rule targets. They cannot use an AWS managed key (its policy cannot be changed), hence
# a customer managed key whose policy lets them encrypt.
SERVICE_PUBLISHERS = ("cloudwatch.amazonaws.com", "events.amazonaws.com")
# What a publisher to an encrypted topic needs on the key (SNS Developer Guide, "Encryption at rest",
# "Enable compatibility between event sources from AWS services and encrypted topics").
PUBLISHER_KEY_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]
# The publishers whose key-policy statement may carry an aws:SourceAccount condition. Amazon SNS Developer
# Guide, "Managing Amazon SNS encryption keys and costs" (sns-key-management.html, "Enable compatibility
# between event sources from AWS services and encrypted topics"): the aws:SourceAccount and aws:SourceArn
# conditions are not supported for EventBridge publishing to an encrypted topic, so a condition there makes
# every publish of the rule fail (FailedInvocations). CloudWatch alarms keep theirs.
SOURCE_ACCOUNT_SCOPED_KEY_USERS = ("cloudwatch.amazonaws.com",)


class Notifications(Construct):
    """SNS topic encrypted with a customer managed KMS key (annual rotation), with a TLS-only topic policy.

    Publishers: the state machine (Notify, NotifyFailure; its role gets sns:Publish and the key actions),
    CloudWatch alarms of this account (key policy and topic policy both conditioned on aws:SourceAccount,
    the topic policy also on this account's alarm ARNs), and EventBridge rules: the key policy lets
    events.amazonaws.com use the key with no condition, as the SNS guide requires for encrypted topics
    (see SOURCE_ACCOUNT_SCOPED_KEY_USERS); the topic policy statement for the one rule is added by
    infra/monitoring.py.
    Subscriptions (e-mail, chat, ticketing) are left to the operator. Follows the Amazon SNS Developer
    Guide pages "Encryption at rest", "Amazon SNS security best practices" and "Example cases for Amazon
    SNS access control", and the AWS KMS Developer Guide page "Rotating AWS KMS keys".

    Attributes:
        key: the topic's KMS key.
        topic: the notification topic (``${NotificationTopicArn}`` of the ASL).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        """Create the key and the topic.

        Args:
            scope: parent construct.
            construct_id: construct id.
        """
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the IoT CA revocation notification topic",
            enable_key_rotation=True,
            # Retained: messages still in flight and the key's CloudTrail history outlive the stack.
            removal_policy=RemovalPolicy.RETAIN,
        )
        for service in SERVICE_PUBLISHERS:
            # Only this account's alarms use the key; EventBridge takes no condition (see above).
            conditions = (
                {"StringEquals": {"aws:SourceAccount": account}}
                if service in SOURCE_ACCOUNT_SCOPED_KEY_USERS
                else None
            )
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"AllowPublishFrom{service.split('.')[0].capitalize()}",
                    principals=[iam.ServicePrincipal(service)],
                    actions=PUBLISHER_KEY_ACTIONS,
                    resources=["*"],  # in a key policy, "*" is this key
                    conditions=conditions,
                )
            )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="IoT CA revocation",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{account}:alarm:*"
                    },
                },
            )
        )
