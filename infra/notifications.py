"""The SNS topic the workflow publishes its outcome (Notify) and failures (NotifyFailure) to."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

AWS_MANAGED_SNS_KEY_ALIAS = "alias/aws/sns"


class Notifications(Construct):
    """SNS topic encrypted with the AWS managed key ``alias/aws/sns``, with a TLS-only topic policy.

    The AWS managed key lets any principal of the account that may publish to the topic use it through
    SNS, so the state machine role needs ``sns:Publish`` only. Subscriptions (e-mail, chat, ticketing)
    are left to the operator. Follows the Amazon SNS Developer Guide pages "Encryption at rest" and
    "Amazon SNS security best practices" (enforce encryption of data in transit).

    Note: AWS services that publish as a service principal (CloudWatch alarms, EventBridge rules) cannot
    use an AWS managed key; such publishers would need a customer managed key with a key policy for them.

    Attributes:
        topic: the notification topic (``${NotificationTopicArn}`` of the ASL).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        """Create the topic.

        Args:
            scope: parent construct.
            construct_id: construct id.
        """
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="IoT CA revocation",
            master_key=kms.Alias.from_alias_name(self, "AwsManagedSnsKey", AWS_MANAGED_SNS_KEY_ALIAS),
            enforce_ssl=True,
        )
