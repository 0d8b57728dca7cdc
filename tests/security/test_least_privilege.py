"""Least privilege, from both sides: what the synthesized template grants, and what the tasks really call.

Static: every identity policy statement of the template has no wildcard action, writes to AWS IoT only
on cacert/* and cert/* of its own account and Region, touches S3 only in the report bucket, and uses
Resource "*" only for actions that have no resource type (tests/infra/test_stack.py holds the exact
per-role grants of docs/data-contract.md).
Dynamic: the workflow is run on the emulator through its success, skip, stale-listing, lock-contention and
failure paths while the emulator records every AWS call each task makes (emulator/crash_points.py); each
task's calls must be granted to its role, and each role must be granted nothing its task did not call,
except the few grants that are needed without a call of their own (listed with the reason).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.fleet import TRANSFER_TARGET_ACCOUNT
from emulator.iot import get_iot_backend
from emulator.lambda_runtime import InvocationFaults
from emulator.session import ACCOUNT_ID, REGION, EmulatorOptions, EmulatorSession
from infra.functions import FUNCTION_SPECS
from infra.nag import flatten_cfn
from tests.support.fleet import FleetBuilder
from tests.support.synth import STAR_RESOURCE_ACTIONS, Synthesized, synthesize_once
from tests.support.workflow import finish_workflow, run_restore, run_workflow, start_workflow

pytestmark = pytest.mark.synth

ACCOUNT_REGION = "<AWS::Partition>:iot:<AWS::Region>:<AWS::AccountId>"
IOT_WRITE_RESOURCES = {f"arn:{ACCOUNT_REGION}:cacert/*", f"arn:{ACCOUNT_REGION}:cert/*"}
# Actions without a resource type in the Service Authorization Reference: they can only take "*".
NO_RESOURCE_TYPE = STAR_RESOURCE_ACTIONS
# Operations whose IAM action has another name (Service Authorization Reference, Amazon S3).
IAM_ACTION_OF = {"s3:ListObjectsV2": "s3:ListBucket", "s3:HeadObject": "s3:GetObject"}
# Granted without a call of their own: Lambda itself writes the logs and the traces (the readers of
# objects that may not exist: GRANTED_WITHOUT_A_CALL_BY_FUNCTION).
GRANTED_WITHOUT_A_CALL = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}
# s3:ListBucket makes GetObject of a missing key answer 404, not 403 (Amazon S3 API reference, GetObject,
# "Permissions"): granted to the readers of objects that may be missing, which need not list.
GRANTED_WITHOUT_A_CALL_BY_FUNCTION = {
    "VerifyRevocation": {"s3:ListBucket"},
    "RevokeCertificates": {"s3:ListBucket"},
    "DiscoverScope": {"s3:ListBucket"},
    "PrepareRestore": {"s3:ListBucket"},
    "FinishRestore": {"s3:ListBucket"},
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synthesize_once()


def identity_statements(synth: Synthesized) -> Iterator[tuple[str, dict[str, Any]]]:
    """(policy logical id, Allow statement) of every identity policy in the template."""
    for logical_id, resource in synth.resources.items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        elif resource["Type"] == "AWS::IAM::Role":
            documents += [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        for document in documents:
            for statement in document["Statement"]:
                if statement["Effect"] == "Allow":
                    yield logical_id, statement


def role_grants(synth: Synthesized, role_logical_id: str) -> set[str]:
    """Every action granted to a role by the policies attached to it."""
    actions: set[str] = set()
    for resource in synth.resources.values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            if {"Ref": role_logical_id} in resource["Properties"].get("Roles", []):
                for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                    if statement["Effect"] == "Allow":
                        actions.update(_as_list(statement["Action"]))
    return actions


# ------------------------------------------------------------------------------------------- statically
def test_no_statement_has_a_wildcard_action(synthesized):
    for policy, statement in identity_statements(synthesized):
        assert "NotAction" not in statement, policy
        for action in _as_list(statement["Action"]):
            assert "*" not in action and "?" not in action, f"{policy}: {action}"


def test_iot_writes_only_on_cacert_and_cert_of_this_account_and_region(synthesized):
    for policy, statement in identity_statements(synthesized):
        for action in _as_list(statement["Action"]):
            if not action.startswith("iot:") or re.match(r"iot:(Describe|List|Get)", action):
                continue
            resources = {flatten_cfn(resource) for resource in _as_list(statement["Resource"])}
            assert resources <= IOT_WRITE_RESOURCES, f"{policy}: {action} on {resources}"


def test_s3_only_on_the_report_bucket(synthesized):
    bucket = synthesized.stack.get_logical_id(synthesized.stack.storage.bucket.node.default_child)
    # The last one: the CI policy's report objects (infra/ci_access.py).
    allowed = {f"<{bucket}.Arn>", f"<{bucket}.Arn>/executions/*", f"<{bucket}.Arn>/executions/*/report.json"}
    for policy, statement in identity_statements(synthesized):
        if any(action.startswith("s3:") for action in _as_list(statement["Action"])):
            resources = {flatten_cfn(resource) for resource in _as_list(statement["Resource"])}
            assert resources <= allowed, f"{policy}: {resources}"


def test_star_resources_only_for_actions_without_a_resource_type(synthesized):
    for policy, statement in identity_statements(synthesized):
        if "*" in _as_list(statement["Resource"]):
            actions = set(_as_list(statement["Action"]))
            assert actions <= NO_RESOURCE_TYPE, f"{policy}: {actions - NO_RESOURCE_TYPE} on *"


# ------------------------------------------------------------------------------------------ dynamically
@pytest.fixture(scope="module")
def calls_by_function(request: pytest.FixtureRequest) -> dict[str, set[str]]:
    """Every AWS call each task made over runs that take every path the tasks have."""
    options = EmulatorOptions(
        context={"updateCertificateTps": 100, "listCertificatesByCaTps": 100, "listPrincipalThingsTps": 100}
    )
    with EmulatorSession(options) as emulator:
        assert emulator.deployment is not None and emulator.lambda_runtime is not None
        fleet = FleetBuilder(emulator, request.node.nodeid)(
            300, preexisting={"REVOKED": 2, "PENDING_TRANSFER": 2}
        )
        backend = get_iot_backend(ACCOUNT_ID, REGION)
        stale = fleet.certificate_ids[-1]  # listed ACTIVE, in PENDING_TRANSFER when its page is revoked

        def transfer_before_the_pages_run(function: str, event: Any, attempt: int) -> int | None:
            if function == "RevokeCertificates" and backend.certificates[stale].status == "ACTIVE":
                backend.certificates[stale].status = "INACTIVE"
                backend.transfer_certificate(stale, TRANSFER_TARGET_ACCOUNT, "moved while listed")
            # DeactivateCa dies after DescribeCACertificate, PutObject and UpdateCACertificate: its retry
            # reads the CA's status before back from S3.
            return 3 if function == "DeactivateCa" and attempt == 1 else None

        emulator.lambda_runtime.configure_faults(InvocationFaults(crash_plan=transfer_before_the_pages_run))
        document = json.dumps({"caCertificateId": fleet.ca_certificate_id})
        first = start_workflow(emulator, document)
        dynamodb, deadline = emulator.client("dynamodb"), time.monotonic() + 30
        while not dynamodb.scan(TableName=emulator.deployment.lock_table)["Count"]:  # until it holds the lock
            assert time.monotonic() < deadline
            time.sleep(0.02)
        second = start_workflow(emulator, document)  # the lock is held: RevocationAlreadyInProgress
        results = [finish_workflow(emulator, arn) for arn in (first, second)]
        assert results[0].status == "SUCCEEDED", results[0].cause
        assert results[0].report["certificates"]["skipped"] == 3  # the two transfers and the stale one
        assert results[1].error == "RevocationAlreadyInProgress"
        for bad in ('{"caCertificateId": "nope"}', json.dumps({"caCertificateId": "0" * 64})):
            assert finish_workflow(emulator, start_workflow(emulator, bad)).status == "FAILED"
        # The restore state machine: a quarantine (with a CA-less certificate, which FinishRestore reads
        # with DescribeCertificate), then its restore with the CA.
        emulator.lambda_runtime.configure_faults(InvocationFaults())
        quarantined = FleetBuilder(emulator, request.node.nodeid + "-restore")(20, unlinked=1)
        quarantine = run_workflow(
            emulator, {"caCertificateId": quarantined.ca_certificate_id, "targetStatus": "INACTIVE"}
        )
        assert quarantine.exit_code == 0, quarantine.cause
        restored = run_restore(
            emulator, {"action": "restore", "executionArn": quarantine.execution_arn, "includeCa": True}
        )
        assert restored.exit_code == 0, restored.cause
        return {
            function: {IAM_ACTION_OF.get(call, call) for call in calls}
            for function, calls in emulator.lambda_runtime.stats.aws_calls.items()
        }


def test_the_runs_took_every_path(calls_by_function):
    assert "iot:DescribeCertificate" in calls_by_function["RevokeCertificates"]  # the stale listing
    assert "states:DescribeExecution" in calls_by_function["AcquireLock"]  # the lock held by another
    assert "s3:GetObject" in calls_by_function["DeactivateCa"]  # a retry after the CA was deactivated
    assert set(calls_by_function) >= {spec.logical_name for spec in FUNCTION_SPECS}


@pytest.mark.parametrize("spec", FUNCTION_SPECS, ids=lambda spec: spec.logical_name)
def test_each_task_is_granted_exactly_what_it_calls(synthesized, calls_by_function, spec):
    by_handler = {
        r["Properties"]["Handler"]: r for r in synthesized.of_type("AWS::Lambda::Function").values()
    }
    role = by_handler[spec.handler]["Properties"]["Role"]["Fn::GetAtt"][0]
    granted = role_grants(synthesized, role)
    called = calls_by_function.get(spec.logical_name, set())

    assert called <= granted, f"{spec.logical_name} calls {called - granted} without a grant"
    unused = (
        granted
        - called
        - GRANTED_WITHOUT_A_CALL
        - GRANTED_WITHOUT_A_CALL_BY_FUNCTION.get(spec.logical_name, set())
    )
    assert unused == set(), f"{spec.logical_name} is granted {unused} and never calls it"
