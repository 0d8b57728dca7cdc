"""RevocationStateMachine in a fresh Stack (with the functions, storage and topic it takes): the ASL
file with its substitutions, logging and tracing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from aws_cdk.assertions import Match, Template

from contract.asl import RESOURCE_PLACEHOLDERS, asl_placeholders
from contract.functions import REVOCATION_FUNCTIONS, function_spec
from contract.names import STATE_MACHINE_NAME
from contract.paths import ASL_PATH
from infra.functions import RevocationFunctions
from infra.notifications import Notifications
from infra.state_machine import RevocationStateMachine
from infra.storage import ReportStorage
from tests.infra.data_contract import contract_placeholders
from tests.infra.stacks import fresh_stack, logical_id

pytestmark = pytest.mark.synth


class Built(NamedTuple):
    workflow: RevocationStateMachine
    functions: RevocationFunctions
    storage: ReportStorage
    notifications: Notifications
    template: Template


def _build(asl_path: Path = ASL_PATH, name: str = STATE_MACHINE_NAME) -> Built:
    stack, settings = fresh_stack()
    storage = ReportStorage(stack, "ReportStorage", retention_days=settings.report_retention_days)
    notifications = Notifications(stack, "Notifications")
    functions = RevocationFunctions(
        stack, "RevocationFunctions", settings=settings, storage=storage, state_machine_name=name
    )
    workflow = RevocationStateMachine(
        stack,
        "RevocationStateMachine",
        settings=settings,
        functions=functions,
        storage=storage,
        notifications=notifications,
        state_machine_name=name,
        asl_path=asl_path,
    )
    return Built(workflow, functions, storage, notifications, Template.from_stack(stack))


@pytest.fixture(scope="module")
def built() -> Built:
    return _build()


def test_definition_has_the_workflow_states(built: Built) -> None:
    template = built.template
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    states = json.loads(machine["Properties"]["DefinitionString"])["States"]
    for name in (
        "NormalizeInput",
        "StartDiscovery",
        "DiscoverScope",
        "DiscoveryProgress",
        "DeactivateCas",
        "RevokeCertificatePages",
        "StartVerification",
        "RediscoverScope",
        "RediscoveryProgress",
        "StartGathering",
        "GatherVerification",
        "GatheringProgress",
        "VerifyRevocation",
        "Notify",
        "NotifyFailure",
    ):
        assert name in states, name
    revoke = states["RevokeCertificatePages"]
    assert revoke["Type"] == "Map"
    assert revoke["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert revoke["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert revoke["ItemReader"]["Parameters"]["Key.$"] == "$.discovery.batchesKey"
    assert states["RediscoverScope"]["Parameters"]["purpose"] == "verify"
    for name in ("DiscoverScope", "DeactivateCas", "RediscoverScope"):
        assert states[name]["Retry"] and states[name]["Catch"][0]["Next"] == "SummarizeFailure", name


def test_placeholders_equal_the_substitutions_and_the_contract(
    built: Built,
) -> None:
    template = built.template
    in_file = asl_placeholders(ASL_PATH.read_text(encoding="utf-8"))
    in_contract = contract_placeholders()
    assert len(in_contract) == len(REVOCATION_FUNCTIONS) + len(RESOURCE_PLACEHOLDERS)
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert in_file == set(substitutions) == in_contract
    # The template carries the file unchanged; CloudFormation does the substitution.
    assert asl_placeholders(machine["Properties"]["DefinitionString"]) == in_file

    expected = {
        spec.placeholder: {"Fn::GetAtt": [logical_id(built.functions.functions[spec.logical_name]), "Arn"]}
        for spec in map(function_spec, REVOCATION_FUNCTIONS)
    }
    expected["ReportBucketName"] = {"Ref": logical_id(built.storage.bucket)}
    expected["NotificationTopicArn"] = {"Ref": logical_id(built.notifications.topic)}
    expected["LockTableName"] = {"Ref": logical_id(built.storage.lock_table)}
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine", {"DefinitionSubstitutions": Match.object_equals(expected)}
    )


def test_state_machine_is_standard_with_full_logging_and_tracing(
    built: Built,
) -> None:
    workflow, template = built.workflow, built.template
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": STATE_MACHINE_NAME,
            "StateMachineType": "STANDARD",
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": True,
                "Destinations": [
                    {
                        "CloudWatchLogsLogGroup": {
                            "LogGroupArn": {"Fn::GetAtt": [logical_id(workflow.log_group), "Arn"]}
                        }
                    }
                ],
            },
            "TracingConfiguration": {"Enabled": True},
        },
    )
    assert (
        template.find_resources("AWS::Logs::LogGroup")[logical_id(workflow.log_group)]["Properties"][
            "RetentionInDays"
        ]
        == 365
    )


def test_placeholder_mismatch_is_rejected(tmp_path: Path) -> None:
    asl = tmp_path / "revoke_ca.asl.json"
    asl.write_text(
        ASL_PATH.read_text(encoding="utf-8").replace("${NotificationTopicArn}", "${TopicArn}"),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"missing in the ASL: \['NotificationTopicArn'\].*\['TopicArn'\]"):
        _build(asl_path=asl, name="probe")


@pytest.mark.parametrize("name", ["has space", "x" * 81])
def test_invalid_state_machine_name_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="state machine name must be 1-80"):
        _build(name=name)
