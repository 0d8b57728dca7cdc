"""Alarms, a dashboard, and a notification for executions that end without running their own."""

from __future__ import annotations

from typing import Any, Final

import jsii
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from revocation_common.vocabulary import METRICS_NAMESPACE, SERVICE_NAME

from infra.notifications import Notifications

# Powertools metrics of the tasks (lambdas/revocation_common/observability.py): their namespace
# (METRICS_NAMESPACE) and the "service" dimension Powertools adds to every metric.
SERVICE_DIMENSION: Final = {"service": SERVICE_NAME}
PERIOD: Final = Duration.minutes(5)


def task_metric(name: str, label: str) -> cloudwatch.Metric:
    """A Powertools metric of the tasks, summed over PERIOD."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map=SERVICE_DIMENSION,
        statistic="Sum",
        period=PERIOD,
        label=label,
    )


# The notice of a TIMED_OUT or ABORTED execution, as the SNS message body: InputTransformer placeholders
# (<name>) filled from ENDED_NOTICE_PATHS. The template is plain text, not a JSON string: EventBridge
# passes a template that is a quoted string with its quotes, so CDK's RuleTargetInput.from_multiline_text
# (one quoted JSON string per line) reaches SNS as lines in double quotes. A template that is not JSON is
# sent as it is, line breaks included (Amazon EventBridge User Guide, "Amazon EventBridge input
# transformation"; EventBridge API Reference, InputTransformer: "<instance> is in state <status>").
ENDED_NOTICE_PATHS: Final = {
    "status": "$.detail.status",
    "executionArn": "$.detail.executionArn",
    "stateMachineArn": "$.detail.stateMachineArn",
    "region": "$.region",
    "startDate": "$.detail.startDate",
    "stopDate": "$.detail.stopDate",
}
ENDED_NOTICE_TEMPLATE: Final = (
    "IoT CA workflow <status>: the execution ended before its last state, so its report and "
    "notification were not written; the next run takes over its CA lock.\n"
    "\n"
    "Execution:     <executionArn>\n"
    "State machine: <stateMachineArn> (the revocation or the quarantine restore)\n"
    "Region:        <region>\n"
    "Started:       <startDate> (epoch milliseconds)\n"
    "Stopped:       <stopDate> (epoch milliseconds)\n"
)


def _ended_early(
    machine: sfn.StateMachine, prefix: str, what: str
) -> dict[str, tuple[cloudwatch.IMetric, str]]:
    """The timed-out and aborted alarms' metrics and descriptions of ``machine`` (AWS/States metrics),
    keyed ``<prefix>ExecutionsTimedOut`` and ``<prefix>ExecutionsAborted``."""
    return {
        f"{prefix}ExecutionsTimedOut": (
            machine.metric_timed_out(period=PERIOD, statistic="Sum"),
            f"An {what} execution timed out",
        ),
        f"{prefix}ExecutionsAborted": (
            machine.metric_aborted(period=PERIOD, statistic="Sum"),
            f"An {what} execution was aborted (stopped) before it ended",
        ),
    }


@jsii.implements(events.IRuleTarget)
class _TopicTarget:
    """An SNS topic as a rule target whose input is ENDED_NOTICE_TEMPLATE, adding no topic policy.

    aws_events_targets.SnsTopic would add its own topic-policy statement; the Monitoring construct adds
    the one statement the rule needs instead (sid AllowExecutionEndedRule), so the policy says why.
    The plain-text InputTransformer is set on the rule's target (see ENDED_NOTICE_TEMPLATE): CDK's
    RuleTargetInput renders text as JSON strings only.
    """

    def __init__(self, topic: sns.ITopic) -> None:
        self.topic = topic

    def bind(
        self, rule: Any, id: str | None = None
    ) -> events.RuleTargetConfig:  # jsii calls it with these names
        return events.RuleTargetConfig(arn=self.topic.topic_arn)


class Monitoring(Construct):
    """What an operator watches: alarms to the notification topic, a dashboard, end-state notices.

    Alarms (each at the first occurrence in a 5-minute period, missing data not breaching):
    - ``ExecutionsFailed``: failed executions, except runs refused as duplicates (a second trigger for a
      CA being revoked is the lock doing its job: ExecutionsFailed minus the DuplicateRevocationRejected
      metric AcquireLock emits).
    - ``ExecutionsTimedOut``, ``ExecutionsAborted``: AWS/States metrics of the state machine.
    - ``RestoreExecutionsFailed``, ``RestoreExecutionsTimedOut``, ``RestoreExecutionsAborted``: the same
      AWS/States metrics of the quarantine restore's state machine, when it is given.
    - ``TriggerDeadLetters``: an event that could not start an execution is in the rules' dead-letter queue.
    Dashboard ``IotCaRevocation-<stack>``: executions, certificates revoked/skipped/failed, throttles
    (AWS IoT and other AWS APIs as seen by the tasks, Step Functions, Lambda).
    Rule ``ExecutionEndedWithoutNotice``: a TIMED_OUT or ABORTED execution of either state machine runs
    none of its own states,
    so EventBridge's "Step Functions Execution Status Change" event announces it on the topic instead.
    Follows the Step Functions Developer Guide ("Monitoring Step Functions metrics using CloudWatch",
    "Automating Step Functions event delivery with EventBridge") and the CloudWatch User Guide
    ("Using metric math").

    Attributes:
        alarms: construct id -> alarm.
        dashboard: the dashboard.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        functions: dict[str, lambda_.Function],
        notifications: Notifications,
        dead_letter_queue: sqs.IQueue,
        restore_state_machine: sfn.StateMachine | None = None,
    ) -> None:
        """Create the alarms, the dashboard and the end-state rule.

        Args:
            scope: parent construct.
            construct_id: construct id.
            state_machine: the revocation state machine.
            functions: the task functions (their throttles go on the dashboard).
            notifications: the topic alarms and notices go to.
            dead_letter_queue: the EventBridge targets' dead-letter queue.
            restore_state_machine: the quarantine restore's state machine (its own alarms, and its
                TIMED_OUT or ABORTED executions announced too); None: the revocation alone.
        """
        super().__init__(scope, construct_id)
        action = cw_actions.SnsAction(notifications.topic)
        failed = state_machine.metric_failed(period=PERIOD, statistic="Sum")
        duplicates = task_metric("DuplicateRevocationRejected", "Duplicates refused")

        failed_excluding_duplicates = cloudwatch.MathExpression(
            expression="FILL(failed, 0) - FILL(duplicates, 0)",
            using_metrics={"failed": failed, "duplicates": duplicates},
            period=PERIOD,
            label="Failed executions (duplicates excluded)",
        )
        dead_letters = dead_letter_queue.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum"
        )
        watched: dict[str, tuple[cloudwatch.IMetric, str]] = {
            "ExecutionsFailed": (
                failed_excluding_duplicates,
                "An IoT CA revocation execution failed (duplicates refused are excluded)",
            ),
            **_ended_early(state_machine, "", "IoT CA revocation"),
            "TriggerDeadLetters": (
                dead_letters,
                "An EventBridge event could not start the IoT CA revocation (see the dead-letter queue)",
            ),
        }
        if restore_state_machine is not None:
            # The restore refuses no duplicate by a metric of its own, so every failure counts.
            watched.update(
                {
                    "RestoreExecutionsFailed": (
                        restore_state_machine.metric_failed(period=PERIOD, statistic="Sum"),
                        "An IoT CA quarantine restore execution failed",
                    ),
                    **_ended_early(restore_state_machine, "Restore", "IoT CA quarantine restore"),
                }
            )
        watched_machines = [state_machine] + ([restore_state_machine] if restore_state_machine else [])
        # Each alarm fires at the first occurrence in a period; no data means nothing happened.
        self.alarms: dict[str, cloudwatch.Alarm] = {
            name: cloudwatch.Alarm(
                self,
                f"{name}Alarm",
                metric=metric,
                alarm_description=description,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            for name, (metric, description) in watched.items()
        }
        for alarm in self.alarms.values():
            alarm.add_alarm_action(action)

        lambda_throttles = cloudwatch.MathExpression(
            expression=" + ".join(f"FILL(t{i}, 0)" for i in range(len(functions))),
            using_metrics={
                f"t{i}": function.metric_throttles(period=PERIOD, statistic="Sum")
                for i, function in enumerate(functions.values())
            },
            period=PERIOD,
            label="Lambda throttles (all tasks)",
        )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            default_interval=Duration.days(7),
            widgets=[
                [
                    cloudwatch.GraphWidget(
                        title="Executions",
                        width=8,
                        left=[
                            state_machine.metric_started(period=PERIOD, statistic="Sum", label="Started"),
                            state_machine.metric_succeeded(period=PERIOD, statistic="Sum", label="Succeeded"),
                            state_machine.metric_failed(period=PERIOD, statistic="Sum", label="Failed"),
                            state_machine.metric_timed_out(period=PERIOD, statistic="Sum", label="Timed out"),
                            state_machine.metric_aborted(period=PERIOD, statistic="Sum", label="Aborted"),
                            duplicates,
                        ],
                    ),
                    cloudwatch.GraphWidget(
                        title="Certificates",
                        width=8,
                        left=[
                            task_metric("CertificatesRevoked", "Revoked (changed now)"),
                            task_metric("CertificatesSkipped", "Skipped"),
                            task_metric("CertificatesFailed", "Failed"),
                        ],
                    ),
                    cloudwatch.GraphWidget(
                        title="Throttles",
                        width=8,
                        left=[
                            task_metric("AwsThrottles", "AWS API throttles seen by the tasks (retried)"),
                            state_machine.metric_throttled(
                                period=PERIOD, statistic="Sum", label="Step Functions"
                            ),
                            lambda_throttles,
                        ],
                    ),
                ],
                [
                    cloudwatch.AlarmStatusWidget(
                        title="Alarms", width=24, height=3, alarms=list(self.alarms.values())
                    )
                ],
            ],
        )

        ended = events.Rule(
            self,
            "ExecutionEndedWithoutNotice",
            description="Announces IoT CA revocation and restore executions that timed out or were aborted",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "status": ["TIMED_OUT", "ABORTED"],
                    "stateMachineArn": [machine.state_machine_arn for machine in watched_machines],
                },
            ),
            targets=[_TopicTarget(notifications.topic)],
        )
        cfn_rule = ended.node.default_child
        assert isinstance(cfn_rule, events.CfnRule)
        cfn_rule.add_property_override(
            "Targets.0.InputTransformer",
            {"InputPathsMap": dict(ENDED_NOTICE_PATHS), "InputTemplate": ENDED_NOTICE_TEMPLATE},
        )
        # No condition: the topic is encrypted, and for EventBridge publishing to an encrypted topic the
        # EventBridge User Guide ("Using resource-based policies for Amazon EventBridge", Amazon SNS
        # permissions) says a Condition block with aws:SourceArn cannot be used.
        notifications.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowExecutionEndedRule",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[notifications.topic.topic_arn],
            )
        )
