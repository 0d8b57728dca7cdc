"""What only AWS can show, held by template and definition assertions (issue 12), each citing its page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import assertions

from contract.names import STATE_MACHINE_NAME
from contract.paths import RESTORE_ASL_PATH
from infra.monitoring import ENDED_NOTICE_PATHS
from infra.settings import SettingsError
from infra.stack import REPO_ROOT, build_app, cdk_json_context
from infra.state_machine import ASL_PATH, VENDED_LOGS_PREFIX
from tests.support.synth import Synthesized

pytestmark = pytest.mark.synth


def _key_statements(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    (key,) = synthesized.of_type("AWS::KMS::Key").values()
    return {
        s["Principal"]["Service"]: s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in s.get("Principal", {})
    }


def _topic_allows(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    (policy,) = synthesized.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return {s["Principal"]["Service"]: s for s in statements if s["Effect"] == "Allow"}


# -- item 1: EventBridge to an encrypted topic -------------------------------------------------------


def test_eventbridge_may_use_the_topic_key_without_a_source_condition(synthesized: Synthesized) -> None:
    """Amazon SNS Developer Guide, "Managing Amazon SNS encryption keys and costs" (sns-key-management,
    "Enable compatibility between event sources from AWS services and encrypted topics"): aws:SourceAccount
    and aws:SourceArn are not supported in the key policy for EventBridge publishing to an encrypted topic.
    CloudWatch alarms keep their aws:SourceAccount condition."""
    statements = _key_statements(synthesized)
    assert "Condition" not in statements["events.amazonaws.com"]
    assert statements["cloudwatch.amazonaws.com"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }


def test_the_ended_rule_publishes_without_an_aws_source_arn_condition(synthesized: Synthesized) -> None:
    """Amazon EventBridge User Guide, "Using resource-based policies for Amazon EventBridge" (Amazon SNS
    permissions): a Condition block with aws:SourceArn cannot be used for encrypted topics."""
    allows = _topic_allows(synthesized)
    assert allows["events.amazonaws.com"]["Sid"] == "AllowExecutionEndedRule"
    assert "Condition" not in allows["events.amazonaws.com"]
    cloudwatch = allows["cloudwatch.amazonaws.com"]["Condition"]
    assert cloudwatch["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "aws:SourceArn" in cloudwatch["ArnLike"]


# -- item 2: a missing object is a 404 only with s3:ListBucket ----------------------------------------


def test_readers_of_objects_that_may_be_missing_may_list_the_executions_prefix(synthesized: Synthesized):
    """Amazon S3 API Reference, GetObject, "Permissions": without s3:ListBucket a missing key is 403
    AccessDenied, not 404 NoSuchKey. The grant has no s3:prefix condition: that page does not say S3
    evaluates one when it chooses between the two, and a 403 would stop the revocation.
    VerifyRevocation reads outcomes/ of pages that may have none, and the page-failures/ records;
    RevokeCertificates the outcomes of each page of its batch (done by an earlier attempt, or not yet);
    DiscoverScope the page-index/ parts (an invocation that wrote no page wrote none); the restore's
    PrepareRestore (a quarantine's report, its outcomes, its ca-states) and FinishRestore (the outcomes
    of a failed page) too."""
    listers = {}
    for logical_id, resource in synthesized.of_type("AWS::IAM::Policy").items():
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if "s3:ListBucket" in actions:
                listers[logical_id] = statement
    readers = ("VerifyRevocation", "RevokeCertificates", "DiscoverScope", "PrepareRestore", "FinishRestore")
    assert sorted(next(r for r in readers if f"Functions{r}Permissions" in p) for p in listers) == sorted(
        readers
    )
    bucket = synthesized.stack.get_logical_id(synthesized.stack.storage.bucket.node.default_child)  # type: ignore[arg-type]
    for statement in listers.values():
        assert statement["Action"] == "s3:ListBucket"
        assert statement["Resource"] == {"Fn::GetAtt": [bucket, "Arn"]}
        assert "Condition" not in statement


# -- item 3: every page runs, and a failed page leaves its record -------------------------------------


def test_the_restore_map_tolerates_every_failed_page_too() -> None:
    """The same Developer Guide page: the restore's Map must not stop at its first failed page either."""
    states = json.loads(RESTORE_ASL_PATH.read_text(encoding="utf-8"))["States"]
    pages = states["RestoreCertificatePages"]
    assert pages["ToleratedFailurePercentage"] == 100
    assert pages["Catch"][0]["Next"] == "FinishRestore"
    assert set(pages["ItemProcessor"]["States"]) == {
        "RestoreCertificates",
        "DescribePageFailure",
        "RecordPageFailure",
        "PageFailed",
    }


def test_the_map_tolerates_every_failed_page_and_the_child_records_it() -> None:
    """Step Functions Developer Guide, "Setting failure thresholds for Distributed Map states": by default
    the first failed item fails the Map Run; ToleratedFailurePercentage 100 lets every page run."""
    states = json.loads(ASL_PATH.read_text(encoding="utf-8"))["States"]
    pages = states["RevokeCertificatePages"]
    assert pages["ToleratedFailurePercentage"] == 100
    children = pages["ItemProcessor"]["States"]
    (catcher,) = children["RevokeCertificates"]["Catch"]
    assert catcher == {
        "ErrorEquals": ["States.ALL"],
        "ResultPath": "$.failure",
        "Next": "DescribePageFailure",
    }
    assert children["DescribePageFailure"]["Next"] == "RecordPageFailure"
    record = children["RecordPageFailure"]
    assert record["Resource"] == "arn:aws:states:::aws-sdk:s3:putObject"
    assert (record["Next"], record["Catch"][0]["Next"]) == ("PageFailed", "PageFailed")
    assert children["PageFailed"]["Type"] == "Fail"


# -- item 7: reproducible, side-by-side deploys ------------------------------------------------------


def test_the_powertools_layer_is_the_pinned_version_of_requirements() -> None:
    """Powertools for AWS Lambda (Python), "Lambda Layers": public SSM parameters
    /aws/service/powertools/python/{arch}/{python version}/{version}, version a release number or latest."""
    pinned = re.search(r"^aws_lambda_powertools==(\S+)$", (REPO_ROOT / "requirements.txt").read_text(), re.M)
    assert pinned is not None
    parameter = cdk_json_context()["powertoolsLayerParameter"]
    assert parameter == f"/aws/service/powertools/python/x86_64/python3.13/{pinned[1]}"


def test_the_state_machine_log_group_is_under_vendedlogs(synthesized: Synthesized) -> None:
    """Step Functions Developer Guide, "Logging in CloudWatch Logs": log groups under /aws/vendedlogs/."""
    log_group = synthesized.stack.workflow.log_group.node.default_child
    props = synthesized.resources[synthesized.stack.get_logical_id(log_group)]["Properties"]  # type: ignore[arg-type]
    parts = props["LogGroupName"]["Fn::Join"][1]
    assert parts[0] == f"{VENDED_LOGS_PREFIX}{STATE_MACHINE_NAME}-"
    assert VENDED_LOGS_PREFIX == "/aws/vendedlogs/states/"


def test_the_default_name_is_the_one_the_cli_looks_for() -> None:
    assert cdk_json_context()["stateMachineName"] == STATE_MACHINE_NAME


def test_a_second_deployment_takes_its_name_from_the_context(tmp_path) -> None:
    _, stack = build_app(
        outdir=str(tmp_path), context={"stateMachineName": "ca-revocation-staging"}, nag=False
    )
    template = assertions.Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine", {"StateMachineName": "ca-revocation-staging"}
    )
    text = json.dumps(template.to_json())
    assert STATE_MACHINE_NAME not in text  # every name, ARN and log group follows the context
    # The properties that name a resource uniquely in an account and Region: none is fixed, so
    # CloudFormation generates each (an Events rule's is "Name").
    unique_names = {
        "BucketName",
        "TableName",
        "TopicName",
        "QueueName",
        "FunctionName",
        "RoleName",
        "ManagedPolicyName",
        "DashboardName",
        "AlarmName",
        "Name",
        "AliasName",
    }
    names = [
        (logical_id, key)
        for logical_id, resource in template.to_json()["Resources"].items()
        for key in resource.get("Properties", {})
        if key in unique_names
    ]
    assert names == []  # no other fixed name: CloudFormation generates them


@pytest.mark.parametrize("name", ["", "has space", "x" * 81, "iot/ca"])
def test_an_invalid_state_machine_name_names_the_key(name: str, tmp_path) -> None:
    with pytest.raises(SettingsError, match="'stateMachineName'"):
        build_app(outdir=str(tmp_path), context={"stateMachineName": name}, nag=False)


# -- item 8: the definition as the States Language specification lists it ----------------------------

# Amazon States Language specification (states-language.net) and the Step Functions Developer Guide
# ("Amazon States Language", "Map state", "Distributed Map state", "Handling errors"): the fields each
# place allows, JSONPath and JSONata (Arguments, Output, Assign) alike.
_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_IO = {"InputPath", "OutputPath", "Output", "Assign"}
_TASK_LIKE = (
    _COMMON | _FLOW | _IO | {"Parameters", "Arguments", "ResultSelector", "ResultPath", "Retry", "Catch"}
)
STATE_FIELDS: dict[str, set[str]] = {
    "Task": _TASK_LIKE
    | {
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
    },
    "Parallel": _TASK_LIKE | {"Branches"},
    "Map": _TASK_LIKE
    | {
        "ItemProcessor",
        "Iterator",
        "ItemsPath",
        "Items",
        "ItemReader",
        "ItemSelector",
        "ItemBatcher",
        "ResultWriter",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "Label",
    },
    "Pass": _COMMON | _FLOW | _IO | {"Parameters", "Result", "ResultPath"},
    "Wait": _COMMON | _FLOW | _IO | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"},
    "Choice": _COMMON | _IO | {"Choices", "Default"},
    "Succeed": _COMMON | {"InputPath", "OutputPath", "Output"},
    "Fail": _COMMON | {"Error", "Cause", "ErrorPath", "CausePath"},
}
RETRIER_FIELDS = {
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
}
CATCHER_FIELDS = {"ErrorEquals", "Next", "ResultPath", "Output", "Assign"}
_COMPARISONS = {
    f"{kind}{op}{path}"
    for kind, ops in (
        ("String", ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")),
        ("Numeric", ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")),
        ("Timestamp", ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")),
        ("Boolean", ("Equals",)),
    )
    for op in ops
    for path in ("", "Path")
} | {"StringMatches", "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
CHOICE_RULE_FIELDS = {"Variable", "Next", "And", "Or", "Not", "Condition", "Output", "Assign"} | _COMPARISONS
MACHINE_FIELDS = {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"}
PROCESSOR_FIELDS = {"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"}
PROCESSOR_CONFIG_FIELDS = {"Mode", "ExecutionType"}
ITEM_READER_FIELDS = {"Resource", "ReaderConfig", "Parameters", "Arguments"}
READER_CONFIG_FIELDS = {
    "InputType",
    "CSVHeaderLocation",
    "CSVHeaders",
    "CSVDelimiter",
    "MaxItems",
    "MaxItemsPath",
    "ManifestType",
}
RESULT_WRITER_FIELDS = {"Resource", "Parameters", "Arguments", "WriterConfig"}


def spec_violations(definition: dict[str, Any]) -> list[str]:
    """Every field the specification does not list for its place, as "path: field"."""
    found: list[str] = []

    def check(where: str, obj: dict[str, Any], allowed: set[str]) -> None:
        found.extend(f"{where}: {field}" for field in sorted(set(obj) - allowed))

    def rule(where: str, choice: dict[str, Any]) -> None:
        check(where, choice, CHOICE_RULE_FIELDS)
        for key in ("And", "Or"):
            for index, inner in enumerate(choice.get(key, [])):
                rule(f"{where}.{key}[{index}]", inner)
        if "Not" in choice:
            rule(f"{where}.Not", choice["Not"])

    def machine(where: str, graph: dict[str, Any], allowed: set[str]) -> None:
        check(where, graph, allowed)
        for name, state in graph.get("States", {}).items():
            at = f"{where}.States.{name}"
            check(at, state, STATE_FIELDS.get(state.get("Type"), set()))
            for index, retrier in enumerate(state.get("Retry", [])):
                check(f"{at}.Retry[{index}]", retrier, RETRIER_FIELDS)
            for index, catcher in enumerate(state.get("Catch", [])):
                check(f"{at}.Catch[{index}]", catcher, CATCHER_FIELDS)
            for index, choice in enumerate(state.get("Choices", [])):
                rule(f"{at}.Choices[{index}]", choice)
            for index, branch in enumerate(state.get("Branches", [])):
                machine(f"{at}.Branches[{index}]", branch, PROCESSOR_FIELDS)
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor is not None:
                machine(f"{at}.ItemProcessor", processor, PROCESSOR_FIELDS)
                check(
                    f"{at}.ItemProcessor.ProcessorConfig",
                    processor.get("ProcessorConfig", {}),
                    PROCESSOR_CONFIG_FIELDS,
                )
            if "ItemReader" in state:
                check(f"{at}.ItemReader", state["ItemReader"], ITEM_READER_FIELDS)
                check(
                    f"{at}.ItemReader.ReaderConfig",
                    state["ItemReader"].get("ReaderConfig", {}),
                    READER_CONFIG_FIELDS,
                )
            if "ResultWriter" in state:
                check(f"{at}.ResultWriter", state["ResultWriter"], RESULT_WRITER_FIELDS)

    machine("$", definition, MACHINE_FIELDS)
    return found


@pytest.mark.parametrize("asl_path", [ASL_PATH, RESTORE_ASL_PATH], ids=lambda path: path.name)
def test_every_field_of_the_asl_is_one_the_specification_lists_for_its_place(asl_path: Path) -> None:
    assert spec_violations(json.loads(asl_path.read_text(encoding="utf-8"))) == []


# Step Functions Developer Guide, "Handle transient Lambda service exceptions": retry these on every task
# that invokes a Lambda function.
TRANSIENT_LAMBDA_ERRORS = {
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
}


def _lambda_tasks(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for name, state in states.items():
        if state.get("Type") == "Task" and str(state.get("Resource", "")).endswith("FunctionArn}"):
            found[name] = state
        for inner in (state.get("ItemProcessor") or {}, *state.get("Branches", [])):
            found.update(_lambda_tasks(inner.get("States", {})))
    return found


@pytest.mark.parametrize("asl_path", [ASL_PATH, RESTORE_ASL_PATH], ids=lambda path: path.name)
def test_every_lambda_task_retries_the_transient_lambda_service_exceptions(asl_path: Path) -> None:
    tasks = _lambda_tasks(json.loads(asl_path.read_text(encoding="utf-8"))["States"])
    assert tasks
    for name, task in tasks.items():
        retried = {error for retrier in task.get("Retry", []) for error in retrier["ErrorEquals"]}
        assert TRANSIENT_LAMBDA_ERRORS <= retried, name


def test_the_walker_finds_a_comment_inside_a_catcher() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Comment": "not here", "Next": "B"}],
                "Retry": [{"ErrorEquals": ["States.ALL"], "Comment": "nor here"}],
                "End": True,
            },
            "B": {"Type": "Succeed", "Next": "A"},
        },
    }
    assert spec_violations(definition) == [
        "$.States.A.Retry[0]: Comment",
        "$.States.A.Catch[0]: Comment",
        "$.States.B: Next",
    ]


def test_the_ended_notice_reaches_sns_as_plain_text(synthesized: Synthesized) -> None:
    """Amazon EventBridge User Guide, "Amazon EventBridge input transformation": a template that is a quoted
    string is sent with its quotes; a template that is not JSON is sent as it is (API Reference,
    InputTransformer). So the notice is a plain template, line breaks in it, every placeholder mapped."""
    (rule,) = [
        r
        for r in synthesized.of_type("AWS::Events::Rule").values()
        if r["Properties"]["EventPattern"].get("source") == ["aws.states"]
    ]
    (target,) = rule["Properties"]["Targets"]
    transformer = target["InputTransformer"]
    template = transformer["InputTemplate"]
    assert not template.lstrip().startswith(('"', "{", "["))
    assert (
        set(re.findall(r"<([A-Za-z0-9]+)>", template))
        == set(transformer["InputPathsMap"])
        == set(ENDED_NOTICE_PATHS)
    )
    event = {
        "region": "eu-west-1",
        "detail": {
            "status": "TIMED_OUT",
            "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:iot-ca-revocation:run-1",
            "stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:iot-ca-revocation",
            "startDate": 1700000000000,
            "stopDate": 1700000900000,
        },
    }

    def value(path: str) -> str:
        node: Any = event
        for part in path.removeprefix("$.").split("."):
            node = node[part]
        return str(node)

    rendered = re.sub(r"<([A-Za-z0-9]+)>", lambda m: value(transformer["InputPathsMap"][m[1]]), template)
    lines = rendered.splitlines()
    assert lines[0].startswith("IoT CA workflow TIMED_OUT: the execution ended before its last state")
    assert lines[1] == ""
    assert (
        lines[2] == "Execution:     arn:aws:states:eu-west-1:123456789012:execution:iot-ca-revocation:run-1"
    )
    assert lines[3].startswith(
        "State machine: arn:aws:states:eu-west-1:123456789012:stateMachine:iot-ca-revocation"
    )
    assert lines[6] == "Stopped:       1700000900000 (epoch milliseconds)"
    assert '"' not in rendered


# "Error handling with DynamoDB" (Amazon DynamoDB Developer Guide, "Error messages and codes"): the exception
# names DynamoDB returns, which a Step Functions DynamoDB integration reports as "DynamoDB.<name>"; its 500
# is InternalServerError (there is no InternalServerErrorException, so a retrier naming it never matches).
# AmazonDynamoDBException is the integration's catch-all ("Integrating DynamoDB with Step Functions").
DYNAMODB_ERRORS = {
    "ConditionalCheckFailedException",
    "InternalServerError",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "AmazonDynamoDBException",
}


def _retried_and_caught(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {e for key in ("Retry", "Catch") for rule in value.get(key, []) for e in rule["ErrorEquals"]}
        return found.union(*(_retried_and_caught(inner) for inner in value.values()))
    if isinstance(value, list):
        return set().union(*(_retried_and_caught(inner) for inner in value))
    return set()


@pytest.mark.parametrize("asl_path", [ASL_PATH, RESTORE_ASL_PATH], ids=lambda path: path.name)
def test_dynamodb_errors_named_in_retriers_are_those_dynamodb_returns(asl_path: Path) -> None:
    named = {e for e in _retried_and_caught(json.loads(asl_path.read_text(encoding="utf-8"))) if "." in e}
    dynamodb = {e.removeprefix("DynamoDB.") for e in named if e.startswith("DynamoDB.")}
    assert dynamodb, "the lock release retries DynamoDB's transient errors"
    assert dynamodb <= DYNAMODB_ERRORS
    assert "InternalServerError" in dynamodb
