"""Nothing changed by bad input: every case of the catalogue (tests/security/bad_inputs.py) is refused by
NormalizeInput with InvalidInput naming the field, before any AWS call, and the workflow fails fast
without touching AWS IoT, the report bucket or the lock table."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from normalize_input.findings import Deployment
from normalize_input.normalize import normalize
from revocation_common.errors import InvalidInput
from revocation_common.settings import TaskSettings

from cli.workflow import error_message
from emulator.session import EmulatorOptions, EmulatorSession
from tests.security.bad_inputs import ACCOUNT, CATALOGUE, CONSOLE_CASES, EVENT_CASES, Case, with_ca
from tests.support.fleet import Fleet, FleetBuilder
from tests.support.statuses import IotStateReader
from tests.support.workflow import finish_workflow, start_workflow

UNIT_CA = "0123456789abcdef" * 4
SETTINGS = TaskSettings(
    report_bucket="reports",
    update_certificate_tps=10,
    list_certificates_tps=10,
    revoke_max_concurrency=10,
    default_target_status="REVOKED",
    automatic_response_mode="enforce",
    list_time_budget_seconds=780,
    security_hub_check_names=(
        "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
        "CA_CERTIFICATE_KEY_QUALITY_CHECK",
    ),
)
DEPLOYMENT = Deployment(account=ACCOUNT, region="us-east-1")


def field_of(message: str) -> str:
    """The field an InvalidInput message names: the text before the first ": "."""
    return message.split(": ", 1)[0]


@pytest.fixture
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any botocore API call fails the test (and is recorded)."""
    calls: list[str] = []

    def refuse(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(operation_name)
        raise AssertionError(f"AWS call {operation_name} made while normalizing bad input")

    monkeypatch.setattr("botocore.client.BaseClient._make_api_call", refuse)
    return calls


def test_the_catalogue_is_big_enough_and_covers_every_kind():
    assert len(CONSOLE_CASES) >= 25 and len(EVENT_CASES) >= 20
    ids = [case.id for case in CATALOGUE]
    assert len(ids) == len(set(ids))
    fields = {case.field for case in CATALOGUE}
    for expected in (
        "caCertificateId",
        "targetStatus",
        "dryRun",
        "reason",
        "incidentId",
        "$",
        "detail.findings",
    ):
        assert expected in fields


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.id)
def test_the_normalizer_refuses_it_naming_the_field_without_any_aws_call(case: Case, no_aws_calls):
    with pytest.raises(InvalidInput) as raised:
        normalize(with_ca(case.document, UNIT_CA), SETTINGS, DEPLOYMENT)

    error = raised.value
    assert error.field.startswith(case.field), (error.field, case.field)
    assert str(error) == f"{error.field}: {error.expected}"
    assert error.expected  # says what was expected
    assert no_aws_calls == []


# ------------------------------------------------------------------------------ through the workflow
@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    with EmulatorSession(EmulatorOptions()) as session:
        yield session


@pytest.fixture(scope="module")
def fleet(emulator: EmulatorSession, request: pytest.FixtureRequest) -> Fleet:
    return FleetBuilder(emulator, request.node.nodeid)(12, preexisting={"REVOKED": 2})


def _iot_state(fleet: Fleet) -> dict[str, Any]:
    """The CA's and every certificate's description (status, lastModifiedDate), read without an API call."""
    state = IotStateReader()
    return {
        "ca": state.describe_ca_certificate(certificateId=fleet.ca_certificate_id),
        "certificates": {
            cid: state.describe_certificate(certificateId=cid)
            for cid in (*fleet.certificate_ids, *fleet.decoy_certificate_ids)
        },
    }


def _states_entered(emulator: EmulatorSession, execution_arn: str) -> list[str]:
    names = []
    pages = emulator.client("stepfunctions").get_paginator("get_execution_history")
    for page in pages.paginate(executionArn=execution_arn):
        for event in page["events"]:
            if "stateEnteredEventDetails" in event:
                names.append(event["stateEnteredEventDetails"]["name"])
    return names


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.id)
def test_the_workflow_fails_fast_with_invalid_input_and_changes_nothing(emulator, fleet, case: Case):
    assert emulator.deployment is not None
    before = _iot_state(fleet)
    emulator.iot_layer.reset_stats()
    s3 = emulator.client("s3")
    name = f"bad-input-{case.id}"
    document = json.dumps(with_ca(case.document, fleet.ca_certificate_id))

    started = time.monotonic()
    arn = start_workflow(emulator, document, name=name)
    result = finish_workflow(emulator, arn)
    elapsed = time.monotonic() - started

    assert (result.status, result.error, result.exit_code) == ("FAILED", "InvalidInput", 2)
    message = error_message(result.cause)
    assert field_of(message).startswith(case.field), message
    assert elapsed < 10
    # Refused at the first state: the lock, the CA and the certificates were never reached.
    entered = _states_entered(emulator, arn)
    assert entered[0] == "NormalizeInput"
    assert not {"AcquireLock", "DiscoverScope", "DeactivateCas"} & set(entered)
    # No AWS IoT call at all, nothing written for this execution, nothing changed.
    assert emulator.iot_layer.stats.calls == {}
    listed = s3.list_objects_v2(Bucket=emulator.deployment.report_bucket, Prefix=f"executions/{name}/")
    assert listed.get("KeyCount", 0) == 0
    assert _iot_state(fleet) == before
    locks = emulator.client("dynamodb").scan(TableName=emulator.deployment.lock_table)
    assert locks["Count"] == 0
