"""The restore state machine's handlers called directly, on the in-memory fakes: PrepareRestore's plan and
refusals, RestoreCertificates' rule (only what is still INACTIVE), FinishRestore's CA restore and
verification."""

from __future__ import annotations

from typing import Any

import pytest
from restore_quarantine.handlers import finish_handler, page_handler, prepare_handler
from revocation_common.errors import InvalidInput, VerificationFailed
from revocation_common.store import ca_states_key, execution_prefix, manifest_key, outcome_key, report_key

from tests.unit.task_events import CA_ID, certificate_id, execution_arn

pytestmark = pytest.mark.unit

RESTORE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:iot-ca-revocation-restore"
QUARANTINE = "quarantine-1"


def prepare_event(execution_input: Any, name: str = "restore-1") -> dict[str, Any]:
    return {
        "input": execution_input,
        "execution": {
            "executionArn": f"{RESTORE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:{name}",
            "executionName": name,
            "startTime": "2026-12-02T10:00:00.000Z",
            "stateMachineArn": RESTORE_MACHINE_ARN,
        },
    }


def seed_quarantine(
    ports: Any, *, target: str = "INACTIVE", dry_run: bool = False, status: str = "SUCCEEDED"
):
    """A finished revocation execution, as its objects in S3 and AWS IoT's state after it: certificates
    0-5 set INACTIVE by it, 6 INACTIVE before it (not restorable), the CA deactivated by it."""
    prefix = execution_prefix(QUARANTINE)
    ports.executions.statuses[execution_arn(QUARANTINE)] = status
    ports.iot.add_ca(CA_ID, "INACTIVE", "DISABLE")
    outcomes = []
    for n in range(7):
        ports.iot.add_certificate(certificate_id(n), CA_ID, "INACTIVE")
        before, outcome = ("INACTIVE", "ALREADY_IN_TARGET") if n == 6 else ("ACTIVE", "REVOKED")
        outcomes.append(
            {"certificateId": certificate_id(n), "statusBefore": before, "statusAfter": "INACTIVE",
             "outcome": outcome, "reason": "", "foundBy": CA_ID, "issuedBy": ""}
        )  # fmt: skip
    ports.store.put_json(manifest_key(prefix), [{"pageKey": f"{prefix}pages/000000.json", "pageNumber": 0}])
    ports.store.put_json(outcome_key(prefix, 0), {"pageNumber": 0, "counts": {}, "outcomes": outcomes})
    ports.store.put_json(
        ca_states_key(prefix),
        [{"caCertificateId": CA_ID, "relation": "named", "registered": True, "statusBefore": "ACTIVE",
          "autoRegistrationStatusBefore": "ENABLE", "statusAfter": "INACTIVE",
          "autoRegistrationStatusAfter": "DISABLE", "changed": True}],
    )  # fmt: skip
    ports.store.put_json(
        report_key(prefix), {"caCertificateId": CA_ID, "targetStatus": target, "dryRun": dry_run}
    )


def restore(ports: Any, context: Any, **request: Any) -> dict[str, Any]:
    """PrepareRestore, the page children and FinishRestore, each output placed as the ASL does."""
    state = prepare_handler(
        prepare_event({"action": "restore", "executionArn": execution_arn(QUARANTINE), **request}), context
    )
    manifest = ports.store.get_json(state["restore"]["manifestKey"])
    for item in manifest:
        page_handler({**state, **item, "pageCount": len(manifest)}, context)
    return finish_handler(state, context)


def test_restore_reactivates_only_what_the_quarantine_set_and_is_still_inactive(ports, lambda_context):
    seed_quarantine(ports)
    ports.iot.certificates[certificate_id(0)][1] = "REVOKED"  # revoked by hand since

    result = restore(ports, lambda_context, includeCa=True)

    report = result["report"]
    assert report["verification"]["verified"] is True
    assert report["certificates"] == {
        "total": 6, "restored": 5, "alreadyActive": 0, "skipped": 1, "failed": 0,
        "notSetInactiveByThatRun": 1,
    }  # fmt: skip
    assert report["skippedCertificates"][0]["certificateId"] == certificate_id(0)
    assert [ports.iot.status(certificate_id(n)) for n in range(7)] == ["REVOKED"] + ["ACTIVE"] * 5 + [
        "INACTIVE"
    ]
    assert ports.iot.cas[CA_ID] == ["ACTIVE", "ENABLE"]
    assert result["notification"]["subject"] == "IoT CA quarantine RESTORED"
    assert ports.store.get_json(report_key(execution_prefix("restore-1")))["restoreOf"] == execution_arn(
        QUARANTINE
    )


def test_a_restore_dry_run_changes_nothing(ports, lambda_context):
    seed_quarantine(ports)
    result = restore(ports, lambda_context, includeCa=True, dryRun=True)
    assert result["report"]["certificates"]["skipped"] == 6
    assert {ports.iot.status(certificate_id(n)) for n in range(7)} == {"INACTIVE"}
    assert ports.iot.cas[CA_ID] == ["INACTIVE", "DISABLE"]
    assert "UpdateCertificate" not in ports.iot.calls and "UpdateCACertificate" not in ports.iot.calls


def test_a_certificate_quarantined_again_before_the_end_fails_the_verification(ports, lambda_context):
    seed_quarantine(ports)
    state = prepare_handler(
        prepare_event({"action": "restore", "executionArn": execution_arn(QUARANTINE)}), lambda_context
    )
    page_handler({**state, "pageKey": f"{state['context']['reportPrefix']}pages/000000.json",
                  "pageNumber": 0, "pageCount": 1}, lambda_context)  # fmt: skip
    ports.iot.certificates[certificate_id(3)][1] = "INACTIVE"
    with pytest.raises(VerificationFailed, match="notActive=1"):
        finish_handler(state, lambda_context)


@pytest.mark.parametrize(
    ("seed", "request_fields", "field", "why"),
    [
        ({"target": "REVOKED"}, {}, "executionArn", "REVOKED is final"),
        ({"dry_run": True}, {}, "executionArn", "was a dry run"),
        ({"status": "RUNNING"}, {}, "executionArn", "not finished (RUNNING)"),
        ({}, {"executionArn": execution_arn("never-ran")}, "executionArn", "no such execution"),
        (
            {},
            {"executionArn": execution_arn(QUARANTINE).replace("iot-ca-revocation", "other-machine")},
            "executionArn",
            "expected an execution of the revocation state machine iot-ca-revocation",
        ),
        ({}, {"executionArn": "arn:aws:states:us-east-1:1:execution:x"}, "executionArn", "expected the ARN"),
        ({}, {"includeCA": True}, "includeCA", "unknown field"),
        ({}, {"includeCa": "yes"}, "includeCa", "expected true or false"),
        ({}, {"action": "revoke"}, "action", 'expected "restore"'),
    ],
)
def test_a_refused_restore_names_the_field_and_why_and_changes_nothing(
    ports, lambda_context, seed, request_fields, field, why
):
    seed_quarantine(ports, **seed)
    objects_before = dict(ports.store.objects)
    document = {"action": "restore", "executionArn": execution_arn(QUARANTINE), **request_fields}
    with pytest.raises(InvalidInput) as raised:
        prepare_handler(prepare_event(document), lambda_context)
    assert raised.value.field == field and why in raised.value.expected
    assert ports.store.objects == objects_before
    assert "UpdateCertificate" not in ports.iot.calls


def test_a_quarantine_without_a_report_is_refused(ports, lambda_context):
    seed_quarantine(ports, status="FAILED")
    del ports.store.objects[report_key(execution_prefix(QUARANTINE))]
    with pytest.raises(InvalidInput, match="wrote no report"):
        prepare_handler(
            prepare_event({"action": "restore", "executionArn": execution_arn(QUARANTINE)}), lambda_context
        )


def test_a_failed_restore_is_announced_as_a_restore(lambda_context):
    from summarize_failure.handler import handler as summarize_failure

    restore_arn = prepare_event({})["execution"]["executionArn"]
    notice = summarize_failure(
        {
            "state": {
                "error": {"Error": "InvalidInput", "Cause": "executionArn: the execution was a dry run"}
            },
            "execution": {"executionArn": restore_arn},
        },
        lambda_context,
    )
    assert notice["subject"] == "IoT CA quarantine restore refused: InvalidInput"
    assert "the execution was a dry run" in notice["message"]
