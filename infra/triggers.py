"""The EventBridge rules that start the revocation state machine, and the Security Hub custom actions."""

from __future__ import annotations

from typing import Any, Final

from aws_cdk import Aws, CfnResource, Duration, Stack, Token
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.nag import acknowledge
from infra.settings import Settings

# The shapes NormalizeInput understands (lambdas/normalize_input/events.py; docs/data-contract.md).
SECURITY_HUB_SOURCE: Final = "aws.securityhub"
FINDINGS_IMPORTED: Final = "Security Hub Findings - Imported"
FINDINGS_CUSTOM_ACTION: Final = "Security Hub Findings - Custom Action"
CUSTOM_EVENT_SOURCE: Final = "iot-ca-revoke"
CUSTOM_EVENT_DETAIL_TYPE: Final = "IoT CA Revocation Requested"
DEVICE_DEFENDER_AUDIT_PRODUCT: Final = "product/aws/iot-device-defender-audit"

# Security Hub custom actions: (Id, Name, Description). The Id decides the mode in NormalizeInput
# (normalize_input.events.CUSTOM_ACTIONS). CreateActionTarget: Id at most 20 alphanumeric characters,
# Name fewer than 20 characters, Description at most 256 characters.
CUSTOM_ACTIONS: Final = (
    (
        "RevokeIotCa",
        "Revoke IoT CA",
        "Deactivate the AWS IoT CA this finding names and revoke every certificate it signed (enforce).",
    ),
    (
        "PreviewIotCaRevoke",
        "Preview CA revoke",
        "Dry run: report what revoking the AWS IoT CA this finding names would change; change nothing.",
    ),
)

# Target delivery: EventBridge retries a failed StartExecution with backoff, then parks the event in
# the dead-letter queue (EventBridge User Guide, "Event retry policy and using dead-letter queues").
# An hour covers a Step Functions or IAM hiccup; beyond it a person should look (the DLQ alarm).
TARGET_RETRY_ATTEMPTS: Final = 10
TARGET_MAX_EVENT_AGE: Final = Duration.hours(1)
DLQ_RETENTION: Final = Duration.days(14)


def imported_findings_pattern(settings: Settings, finding_region: str | None = None) -> dict[str, Any]:
    """The event pattern of "Security Hub Findings - Imported" events the automatic response acts on.

    Only AWS IoT Device Defender audit findings (the product ARN, not just a field a custom integration
    could set) of this account and Region, of the configured CA checks, that are audit findings (not a
    check summary, which names no CA), ACTIVE (not ARCHIVED: resolved) and NEW (no analyst has taken
    them on). Security Hub sends one finding per imported event, so each field is matched on that one
    finding. Cross-Region aggregation delivers other Regions' findings here too; they are not matched,
    since AWS IoT is regional and this deployment cannot revoke there (``forwarding_pattern`` sends them on
    to their own Region when it is one of the app's ``regions``).

    finding_region: the Region the finding is about (its ``Region`` and its product ARN's Region); default
    this stack's Region (``AWS::Region``).
    """
    region = finding_region or Aws.REGION
    return {
        "source": [SECURITY_HUB_SOURCE],
        "detail-type": [FINDINGS_IMPORTED],
        "detail": {
            "findings": {
                "ProductArn": [f"arn:{Aws.PARTITION}:securityhub:{region}::{DEVICE_DEFENDER_AUDIT_PRODUCT}"],
                "AwsAccountId": [Aws.ACCOUNT_ID],
                "Region": [region],
                "ProductFields": {
                    "CheckName": list(settings.security_hub_check_names),
                    "ReportType": ["AuditFinding"],
                },
                "RecordState": ["ACTIVE"],
                "Workflow": {"Status": ["NEW"]},
            }
        },
    }


def forwarding_pattern(settings: Settings, finding_region: str) -> dict[str, Any]:
    """The pattern of the findings this stack forwards to ``finding_region``'s default event bus.

    The same finding that region's own SecurityHubFindingsRule acts on (``imported_findings_pattern`` with
    that Region): a Device Defender audit finding about ``finding_region`` that Security Hub's cross-Region
    aggregation delivered to this Region's default bus. It arrives there as it is, and matches that
    Region's rule, which starts that Region's own execution. A finding about a Region that is not one of
    the app's ``regions`` matches no forwarding rule: nothing is forwarded.
    """
    return imported_findings_pattern(settings, finding_region)


def default_event_bus_arn(region: str) -> str:
    """``arn:<partition>:events:<region>:<account>:event-bus/default`` (EventBridge User Guide, "Event
    buses": every account has a default event bus in each Region)."""
    return f"arn:{Aws.PARTITION}:events:{region}:{Aws.ACCOUNT_ID}:event-bus/default"


class Triggers(Construct):
    """EventBridge rules on the default bus whose target is the state machine, with the event as input.

    - ``SecurityHubFindingsRule``: Device Defender audit findings about a CA (``imported_findings_pattern``);
      created DISABLED when automaticResponseMode is "off".
    - ``CustomActionRule``: the Security Hub custom actions "Revoke IoT CA" (Id RevokeIotCa) and "Preview
      CA revoke" (Id PreviewIotCaRevoke), matched by their ARNs, which follow from account, Region and Id.
      With securityHubCustomActions true the stack creates the actions (AWS::SecurityHub::ActionTarget);
      it is false by default because creating them fails unless Security Hub is enabled in the account
      and Region, and CloudFormation offers that resource type in some Regions only. Without it, the two
      ``aws securityhub create-action-target`` commands of the README create them; the rule is the same.
    - ``CustomEventRule``: the project's own event, source "iot-ca-revoke", detail-type
      "IoT CA Revocation Requested" (docs/data-contract.md), for other tools.
    - ``ForwardFindingsTo<Region>`` (``forwarding_rules``), one per other Region of the app's ``regions``
      when this stack's Region is one of them: the Device Defender findings about that Region
      (``forwarding_pattern``) go, as they are, to that Region's default event bus, a cross-Region event
      bus target with the role CDK creates for it (events:PutEvents on that bus only), the same retry
      window and dead-letter queue (EventBridge User Guide, "Sending and receiving events between AWS
      Regions": an event bus in another Region as a rule target, with an IAM role allowing
      events:PutEvents on it). That Region's own SecurityHubFindingsRule then starts its execution.

    Every target: the whole event as input (no input transformer: NormalizeInput reads it), the role CDK
    creates with states:StartExecution on this state machine only, TARGET_RETRY_ATTEMPTS retries within
    TARGET_MAX_EVENT_AGE, then the dead-letter queue (SSE-SQS, TLS only, 14 days).
    Follows the EventBridge User Guide ("Event patterns", "Event retry policy and using dead-letter
    queues") and the Security Hub User Guide ("Creating a custom action", "EventBridge event formats").

    Attributes:
        dead_letter_queue: where events go that could not start an execution.
        rules: construct id -> rule (the rules whose target is this Region's state machine).
        forwarding_rules: Region -> the rule forwarding that Region's findings to its default event bus.
        custom_actions: custom action Id -> its AWS::SecurityHub::ActionTarget (empty when disabled; the
            resource type is in CloudFormation but has no L1 class in this aws-cdk-lib, hence CfnResource).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, state_machine: sfn.IStateMachine
    ) -> None:
        """Create the rules, their dead-letter queue and (optionally) the custom actions.

        Args:
            scope: parent construct.
            construct_id: construct id.
            settings: validated deployment settings (check names, modes, custom actions on/off).
            state_machine: the revocation state machine.
        """
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
        )
        acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue of the EventBridge rule targets; an alarm fires on "
            "its first message.",
        )
        target = targets.SfnStateMachine(
            state_machine,
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=TARGET_RETRY_ATTEMPTS,
            max_event_age=TARGET_MAX_EVENT_AGE,
        )

        self.rules: dict[str, events.Rule] = {}
        self.rules["SecurityHubFindingsRule"] = events.Rule(
            self,
            "SecurityHubFindingsRule",
            description="AWS IoT Device Defender audit findings about a CA (Security Hub) start the IoT CA "
            f"revocation ({settings.automatic_response_mode})",
            event_pattern=_pattern(imported_findings_pattern(settings)),
            enabled=settings.automatic_response_mode != "off",
            targets=[target],
        )

        self.custom_actions: dict[str, CfnResource] = {}
        if settings.security_hub_custom_actions:
            for action_id, name, description in CUSTOM_ACTIONS:
                self.custom_actions[action_id] = CfnResource(
                    self,
                    f"{action_id}Action",
                    type="AWS::SecurityHub::ActionTarget",
                    properties={"Id": action_id, "Name": name, "Description": description},
                )
                acknowledge(
                    self.custom_actions[action_id],
                    "CloudFormation-Validate::F3006",
                    "AWS::SecurityHub::ActionTarget is a CloudFormation resource type (registry schema, "
                    "cfn-lint knows it); the schema list bundled with this aws-cdk-lib does not have it yet.",
                )
        self.rules["CustomActionRule"] = events.Rule(
            self,
            "CustomActionRule",
            description="Security Hub custom actions 'Revoke IoT CA' and 'Preview CA revoke' start the IoT "
            "CA "
            "revocation",
            event_pattern=events.EventPattern(
                source=[SECURITY_HUB_SOURCE],
                detail_type=[FINDINGS_CUSTOM_ACTION],
                resources=[custom_action_arn(action_id) for action_id, _, _ in CUSTOM_ACTIONS],
            ),
            targets=[target],
        )
        for action in self.custom_actions.values():
            self.rules["CustomActionRule"].node.add_dependency(action)

        self.rules["CustomEventRule"] = events.Rule(
            self,
            "CustomEventRule",
            description=f"'{CUSTOM_EVENT_DETAIL_TYPE}' events (source {CUSTOM_EVENT_SOURCE}) start the IoT "
            "CA "
            "revocation",
            # Only this account's events: a bus that receives other accounts' events (a resource policy
            # on the default bus) must not start a revocation here (EventBridge User Guide, "Amazon
            # EventBridge events": account is the sender's).
            event_pattern=events.EventPattern(
                source=[CUSTOM_EVENT_SOURCE], detail_type=[CUSTOM_EVENT_DETAIL_TYPE], account=[Aws.ACCOUNT_ID]
            ),
            targets=[target],
        )
        self.forwarding_rules = self._forwarding_rules(settings)

    def _forwarding_rules(self, settings: Settings) -> dict[str, events.Rule]:
        own_region = Stack.of(self).region
        if Token.is_unresolved(own_region) or own_region not in settings.regions:
            return {}  # an environment-agnostic stack, or the one-Region default: nothing to forward
        rules: dict[str, events.Rule] = {}
        for region in settings.regions:
            if region == own_region:
                continue
            bus = events.EventBus.from_event_bus_arn(
                self, f"DefaultBus{_pascal(region)}", default_event_bus_arn(region)
            )
            rules[region] = events.Rule(
                self,
                f"ForwardFindingsTo{_pascal(region)}",
                description=f"AWS IoT Device Defender audit findings about {region} (Security Hub "
                f"cross-Region aggregation) go to {region}'s default event bus, where its own rule acts",
                event_pattern=_pattern(forwarding_pattern(settings, region)),
                enabled=settings.automatic_response_mode != "off",
                targets=[targets.EventBus(bus, dead_letter_queue=self.dead_letter_queue)],
            )
        return rules


def _pascal(region: str) -> str:
    """us-east-1 -> UsEast1 (construct ids and logical ids take letters and digits)."""
    return "".join(part.capitalize() for part in region.split("-"))


def custom_action_arn(action_id: str) -> str:
    """``arn:<partition>:securityhub:<region>:<account>:action/custom/<Id>`` (CreateActionTarget's ARN)."""
    return f"arn:{Aws.PARTITION}:securityhub:{Aws.REGION}:{Aws.ACCOUNT_ID}:action/custom/{action_id}"


def _pattern(pattern: dict[str, Any]) -> events.EventPattern:
    """A plain event-pattern dict as CDK's EventPattern (source, detail-type, detail)."""
    return events.EventPattern(
        source=pattern["source"], detail_type=pattern["detail-type"], detail=pattern["detail"]
    )
