"""Monitoring in a fresh Stack (with a probe state machine, probe functions, the topic and a queue): the
alarms, the dashboard and the rule that announces executions that ended without running their states."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Match, Template

from infra.monitoring import Monitoring
from infra.nag import flatten_cfn
from infra.notifications import Notifications
from tests.infra.stacks import fresh_stack, logical_id, probe_function, probe_state_machine

pytestmark = pytest.mark.synth


@pytest.fixture(scope="module")
def built() -> tuple[Monitoring, Notifications, Template]:
    stack, _ = fresh_stack()
    notifications = Notifications(stack, "Notifications")
    restore = sfn.StateMachine(
        stack,
        "ProbeRestore",
        definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "RestorePass")),
    )
    monitoring = Monitoring(
        stack,
        "Monitoring",
        state_machine=probe_state_machine(stack),
        restore_state_machine=restore,
        functions={name: probe_function(stack, name) for name in ("First", "Second")},
        notifications=notifications,
        dead_letter_queue=sqs.Queue(stack, "DeadLetterQueue"),
    )
    return monitoring, notifications, Template.from_stack(stack)


def test_alarms_go_to_the_topic_and_exclude_duplicates_from_failures(
    built: tuple[Monitoring, Notifications, Template],
) -> None:
    _, notifications, template = built
    topic = {"Ref": logical_id(notifications.topic)}
    template.resource_count_is("AWS::CloudWatch::Alarm", 7)
    template.all_resources_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmActions": [topic],
            "Threshold": 1,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": Match.array_with(
                [Match.object_like({"Expression": "FILL(failed, 0) - FILL(duplicates, 0)"})]
            )
        },
    )
    by_metric: dict[str, dict[str, Any]] = {}
    restore_metrics: set[str] = set()
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if "restore" in props["AlarmDescription"]:
            # The quarantine restore's own state machine (a restore that fails, times out or is aborted).
            (dimension,) = props["Dimensions"]
            assert dimension["Name"] == "StateMachineArn"
            assert dimension["Value"]["Ref"].startswith("ProbeRestore")
            restore_metrics.add(props["MetricName"])
        elif "Metrics" in props:
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
    assert restore_metrics == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}


def test_dashboard_shows_executions_certificates_and_throttles(
    built: tuple[Monitoring, Notifications, Template],
) -> None:
    _, _, template = built
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
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


def test_ended_rule_may_publish_to_the_topic_and_nothing_else_may(
    built: tuple[Monitoring, Notifications, Template],
) -> None:
    _, _, template = built
    (policy,) = template.find_resources("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    allows = {s["Principal"]["Service"]: s for s in statements if s["Effect"] == "Allow"}
    assert set(allows) == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    # The alarms' grant is conditioned on this account's alarms; EventBridge's cannot carry aws:SourceArn
    # (EventBridge User Guide, "Using resource-based policies", Amazon SNS: tests/infra/test_aws_fidelity.py).
    assert allows["cloudwatch.amazonaws.com"]["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }
    assert "ArnEquals" not in allows["events.amazonaws.com"].get("Condition", {})
