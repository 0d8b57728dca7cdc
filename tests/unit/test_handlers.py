"""Every task's handler called directly, with a Lambda context and the AWS ports replaced by in-memory
fakes: one whole run in the order of the state machine, then each handler's refusals by error name."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from acquire_lock.handler import handler as acquire_lock
from deactivate_ca.handler import handler as deactivate_ca
from discover_scope import handler as discover_scope_task
from discover_scope.handler import handler as discover_scope
from discover_scope.ports import DescribedCertificate, ListedCertificate, ListedPage
from normalize_input.handler import handler as normalize_input
from revocation_common.errors import WorkflowError
from revocation_common.scope_models import RegisteredCa
from revocation_common.store import report_key
from revoke_certificates.handler import handler as revoke_certificates
from summarize_failure.handler import handler as summarize_failure
from verify_revocation.handler import handler as verify_revocation

from tests.support.x509 import pem, self_signed_ca
from tests.unit.task_events import BUCKET, CA_ID, certificate_id, execution_arn, normalize_event

CA_PEM = pem(self_signed_ca("handlers test CA").cert)


class FakeIotReads:
    """discover_scope's IotReads over the FakeIot of tests/support/fakes.py: every CA there has CA_PEM as
    its certificate; every certificate is linked to its CA (so the issuer scan describes none)."""

    def __init__(self, iot: Any) -> None:
        self.iot = iot

    def list_ca_certificates(self, marker: str | None) -> ListedPage:
        entries = tuple(
            ListedCertificate(ca_id, status) for ca_id, (status, _) in sorted(self.iot.cas.items())
        )
        return ListedPage(entries=entries, next_marker=None)

    def describe_ca_certificate(self, ca_certificate_id: str) -> RegisteredCa | None:
        if ca_certificate_id not in self.iot.cas:
            return None
        status, auto = self.iot.cas[ca_certificate_id]
        return RegisteredCa(
            caCertificateId=ca_certificate_id,
            status=status,
            autoRegistrationStatus=auto,
            certificatePem=CA_PEM,
        )

    def list_certificates_by_ca(self, ca_certificate_id: str, marker: str | None) -> ListedPage:
        page = self.iot.list_certificate_page(ca_certificate_id, marker)
        entries = tuple(ListedCertificate(e.certificateId, e.status) for e in page.certificates)
        return ListedPage(entries=entries, next_marker=page.next_marker)

    def list_certificates(self, marker: str | None) -> ListedPage:
        entries = tuple(ListedCertificate(cid, st) for cid, (_, st) in sorted(self.iot.certificates.items()))
        return ListedPage(entries=entries, next_marker=None)

    def describe_certificate(self, certificate_id: str) -> DescribedCertificate | None:
        raise AssertionError("every certificate of these fleets is linked: the scan describes none")


@pytest.fixture(autouse=True)
def discovery_ports(ports: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DiscoverScope on the same fakes as the other handlers, every API unpaced."""
    monkeypatch.setattr(discover_scope_task, "iot_reads", lambda: FakeIotReads(ports.iot))
    monkeypatch.setattr(discover_scope_task, "object_store", lambda bucket: ports.store)
    monkeypatch.setattr(
        discover_scope_task,
        "ApiPacers",
        lambda quotas: type("Unpaced", (), {"wait": lambda self, api: None})(),
    )
    monkeypatch.setattr("revocation_common.aws.page_failures", lambda bucket, prefix: [])


def _discover(state: dict[str, Any], context: Any, purpose: str = "revoke") -> None:
    """DiscoverScope until complete, with DeactivateCas after the cas phase, as the ASL loops."""
    key = "discovery" if purpose == "revoke" else "verifyDiscovery"
    state[key] = {}
    while True:
        state[key] = discover_scope(
            {
                "request": state["request"],
                "context": state["context"],
                "discovery": state[key],
                "purpose": purpose,
            },
            context,
        )
        if purpose == "revoke" and "ca" not in state and state[key]["phase"] != "cas":
            state["ca"] = deactivate_ca(state, context)
        if state[key]["complete"]:
            return


pytestmark = pytest.mark.unit

README_REPORT_KEYS = [
    "executionArn",
    "status",
    "caCertificateId",
    "dryRun",
    "targetStatus",
    "reason",
    "incidentId",
    "source",
    "ca",
    "certificates",
    "skippedCertificates",
    "failedCertificates",
    "verification",
    "listing",
    "reportLocation",
    "outcomesLocation",
    "startedAt",
    "scope",
    "failedPages",
    "expectedRevocation",
    "affectedThings",
    "affectedThingsLocation",
]


def _fleet(ports: Any, count: int, **statuses: str) -> list[str]:
    ports.iot.add_ca(CA_ID)
    ids = [certificate_id(n) for n in range(count)]
    for cid in ids:
        ports.iot.add_certificate(cid, CA_ID)
    for index, status in statuses.items():
        ports.iot.certificates[ids[int(index.removeprefix("n"))]][1] = status
    return ids


def _run(ports: Any, context: Any, execution_input: dict[str, Any]) -> dict[str, Any]:
    """The success path of the state machine, state by state, each task's output placed as the ASL does."""
    state = normalize_input(normalize_event(execution_input), context)
    state["lock"] = acquire_lock(state, context)
    _discover(state, context)
    # The Map's ItemReader reads the batches DiscoverScope planned; ItemSelector {"batch": item, ...}.
    batches = ports.store.get_json(state["discovery"]["batchesKey"])
    results = [revoke_certificates({**state, "batch": batch}, context) for batch in batches]
    state["revocation"] = {"pages": results}
    _discover(state, context, "verify")
    return verify_revocation(state, context)


def test_a_run_through_every_success_handler_revokes_all_and_writes_the_report(ports, lambda_context):
    ids = _fleet(ports, 260, n3="REVOKED", n7="PENDING_TRANSFER")
    out = _run(
        ports, lambda_context, {"caCertificateId": CA_ID, "reason": "key leaked", "incidentId": "INC-1"}
    )

    report = out["report"]
    assert list(report) == README_REPORT_KEYS
    assert report["status"] == "SUCCEEDED" and report["verification"]["verified"] is True
    assert report["certificates"] == {
        "total": 260,
        "revoked": 258,
        "alreadyRevoked": 1,
        "skipped": 1,
        "failed": 0,
    }
    assert [(e["certificateId"], e["status"]) for e in report["skippedCertificates"]] == [
        (ids[7], "PENDING_TRANSFER")
    ]
    assert report["skippedCertificates"][0]["reason"].startswith("PENDING_TRANSFER:")
    assert report["verification"]["remaining"] == {"PENDING_TRANSFER": 1}
    assert list(report["verification"]) == [
        "verified",
        "caInactive",
        "autoRegistrationDisabled",
        "listedCertificates",
        "remaining",
        "unaccounted",
        "missingPages",
        "checkedAt",
    ]
    assert list(report["certificates"]) == ["total", "revoked", "alreadyRevoked", "skipped", "failed"]
    assert report["ca"] == {
        "statusBefore": "ACTIVE",
        "statusAfter": "INACTIVE",
        "autoRegistrationStatusBefore": "ENABLE",
        "autoRegistrationStatusAfter": "DISABLE",
    }
    assert report["listing"] == {"pageCount": 2, "invocations": 2}
    assert [(ca["caCertificateId"], ca["relation"], ca["registered"]) for ca in report["scope"]["cas"]] == [
        (CA_ID, "named", True)
    ]
    assert report["scope"]["cas"][0]["certificates"] == report["certificates"]
    assert report["scope"]["changed"] == 258 and report["failedPages"] == []
    assert {ports.iot.status(cid) for i, cid in enumerate(ids) if i != 7} == {"REVOKED"}
    # The S3 report is the same document (written with sorted keys).
    stored = ports.store.get_json(report_key("executions/run-1/"))
    assert stored == report
    assert report["reportLocation"] == f"s3://{BUCKET}/executions/run-1/report.json"
    assert out["notification"]["subject"] == f"IoT CA revoked VERIFIED: {CA_ID[:12]} (258 changed of 260)"
    assert "Remaining:       " + json.dumps({"PENDING_TRANSFER": 1}) in out["notification"]["message"]


def test_a_dry_run_changes_nothing_and_is_verified(ports, lambda_context):
    ids = _fleet(ports, 5)
    out = _run(ports, lambda_context, {"caCertificateId": CA_ID, "dryRun": True})
    assert out["report"]["verification"]["verified"] is True
    assert out["report"]["certificates"]["skipped"] == 5
    assert {entry["reason"] for entry in out["report"]["skippedCertificates"]} == {
        "DRY_RUN: would set REVOKED"
    }
    assert {ports.iot.status(cid) for cid in ids} == {"ACTIVE"}
    assert ports.iot.cas[CA_ID] == ["ACTIVE", "ENABLE"]
    assert "UpdateCertificate" not in ports.iot.calls and "UpdateCACertificate" not in ports.iot.calls


def test_verify_fails_with_verification_failed_when_a_certificate_is_left(ports, lambda_context):
    ids = _fleet(ports, 3)
    state = normalize_input(normalize_event({"caCertificateId": CA_ID}), lambda_context)
    _discover(state, lambda_context)
    _discover(state, lambda_context, "verify")
    # The Map failed before page 0 recorded anything; the certificates are still ACTIVE.
    state["revocation"] = {"Error": "States.ExceedToleratedFailureThreshold", "Cause": "page 0 failed"}
    with pytest.raises(WorkflowError) as raised:
        verify_revocation(state, lambda_context)
    assert type(raised.value).__name__ == "VerificationFailed"
    assert "report: s3://" in str(raised.value)
    report = ports.store.get_json(report_key("executions/run-1/"))
    assert report["status"] == "FAILED" and report["certificates"]["failed"] == len(ids)
    assert report["revocationError"] == "States.ExceedToleratedFailureThreshold: page 0 failed"


@pytest.mark.parametrize(
    ("execution_input", "field"),
    [
        ({"caCertificateId": "A" * 64}, "caCertificateId"),
        ({"caCertificateId": CA_ID, "dryRun": "yes"}, "dryRun"),
        ({"caCertificateId": CA_ID, "targetStatus": "DELETED"}, "targetStatus"),
        ({"caCertificateId": CA_ID, "dryrun": True}, "dryrun"),
        ({}, "caCertificateId"),
        ([], "$"),
    ],
)
def test_normalize_input_refuses_bad_input_naming_the_field(ports, lambda_context, execution_input, field):
    with pytest.raises(WorkflowError) as raised:
        normalize_input(normalize_event(execution_input), lambda_context)
    assert type(raised.value).__name__ == "InvalidInput"
    assert str(raised.value).startswith(f"{field}: ")
    assert ports.iot.calls == []


def test_normalize_input_refuses_a_finding_while_automatic_response_is_off(
    ports, lambda_context, monkeypatch
):
    from revocation_common.settings import task_settings

    monkeypatch.setenv("AUTOMATIC_RESPONSE_MODE", "off")
    task_settings.cache_clear()
    finding = {
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/iot-device-defender-audit",
        "AwsAccountId": "123456789012",
        "Region": "us-east-1",
        "ProductFields": {
            "CheckName": "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
            "ReportType": "AuditFinding",
        },
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "NEW"},
        "Resources": [{"Id": f"arn:aws:iot:us-east-1:123456789012:cacert/{CA_ID}", "Region": "us-east-1"}],
    }
    event = {
        "source": "aws.securityhub",
        "detail-type": "Security Hub Findings - Imported",
        "id": "4d1f0a3e-0000-4000-8000-000000000000",
        "account": "123456789012",
        "region": "us-east-1",
        "detail": {"findings": [finding]},
    }
    with pytest.raises(WorkflowError) as raised:
        normalize_input(normalize_event(event), lambda_context)
    assert type(raised.value).__name__ == "AutomaticResponseDisabled"


@pytest.mark.parametrize(
    ("handler", "extra"),
    [
        (acquire_lock, {}),
        (deactivate_ca, {"discovery": {}}),
        (discover_scope, {"discovery": {}}),
        (revoke_certificates, {"batch": {"batchNumber": 0, "batchCount": 1, "pageNumbers": [0]}}),
        (verify_revocation, {"ca": {}, "discovery": {}, "verifyDiscovery": {}}),
    ],
)
def test_task_handlers_refuse_an_input_without_the_canonical_request(ports, lambda_context, handler, extra):
    """The typed input models (Powertools parser) refuse a malformed state before any AWS call."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as raised:
        handler({"request": {"caCertificateId": "not-an-id"}, "context": {}, **extra}, lambda_context)
    assert "caCertificateId" in str(raised.value)
    assert ports.iot.calls == [] and ports.store.objects == {}


def test_discovery_of_an_unknown_ca_raises_ca_not_found(ports, lambda_context):
    state = normalize_input(normalize_event({"caCertificateId": CA_ID}), lambda_context)
    with pytest.raises(WorkflowError) as raised:
        _discover(state, lambda_context)
    assert type(raised.value).__name__ == "CaNotFound"


def test_acquire_lock_refuses_a_second_execution_while_the_first_runs(ports, lambda_context):
    first = normalize_input(normalize_event({"caCertificateId": CA_ID}, name="run-1"), lambda_context)
    second = normalize_input(normalize_event({"caCertificateId": CA_ID}, name="run-2"), lambda_context)
    lock = acquire_lock(first, lambda_context)
    assert lock["holder"] == execution_arn("run-1") and lock["takenOverFrom"] is None
    ports.executions.statuses[execution_arn("run-1")] = "RUNNING"
    with pytest.raises(WorkflowError) as raised:
        acquire_lock(second, lambda_context)
    assert type(raised.value).__name__ == "RevocationAlreadyInProgress"
    assert execution_arn("run-1") in str(raised.value)
    # Once the holder has ended without releasing, the next execution takes the lock over.
    ports.executions.statuses[execution_arn("run-1")] = "ABORTED"
    taken = acquire_lock(second, lambda_context)
    assert (taken["takenOverFrom"], taken["previousHolderStatus"]) == (execution_arn("run-1"), "ABORTED")


def test_revoke_certificates_raises_transient_aws_error_for_the_state_to_retry(ports, lambda_context):
    _fleet(ports, 2)
    state = normalize_input(normalize_event({"caCertificateId": CA_ID}), lambda_context)
    _discover(state, lambda_context)
    ports.iot.transient_updates = 1
    page = {**state, "batch": {"batchNumber": 0, "batchCount": 1, "pageNumbers": [0]}}
    with pytest.raises(WorkflowError) as raised:
        revoke_certificates(page, lambda_context)
    assert type(raised.value).__name__ == "TransientAwsError"
    # The retried attempt finishes the page.
    assert revoke_certificates(page, lambda_context)["revoked"] == 2


def test_summarize_failure_names_the_error_and_the_execution(lambda_context):
    request = {"caCertificateId": CA_ID, "dryRun": False, "targetStatus": "REVOKED", "source": "console"}
    cause = json.dumps({"errorMessage": "caCertificateId ... is not registered", "errorType": "CaNotFound"})
    notice = summarize_failure(
        {
            "state": {"error": {"Error": "CaNotFound", "Cause": cause}, "request": request},
            "execution": {"executionArn": execution_arn("run-9")},
        },
        lambda_context,
    )
    assert notice["subject"] == f"IoT CA revocation FAILED: {CA_ID[:12]} (CaNotFound)"
    assert "Detail:          caCertificateId ... is not registered" in notice["message"]
    assert "stackTrace" not in notice["message"]
    assert execution_arn("run-9") in notice["message"]
    refused = summarize_failure({"state": {"error": {"Error": "InvalidInput"}}}, lambda_context)
    assert refused["subject"] == "IoT CA revocation refused: InvalidInput"


def test_a_run_lists_every_certificates_things_into_the_affected_things_csv(ports, lambda_context):
    ids = _fleet(ports, 260, n3="REVOKED", n7="PENDING_TRANSFER")
    ports.iot.attach_thing(ids[0], "lamp-1")
    ports.iot.attach_thing(ids[0], "lamp-2")
    ports.iot.attach_thing(ids[3], "lamp-2")
    for n in range(300):  # more than one ListPrincipalThings page (250)
        ports.iot.attach_thing(ids[7], f"sensor-{n:03d}")
    report = _run(ports, lambda_context, {"caCertificateId": CA_ID})["report"]

    location = report["affectedThingsLocation"]
    assert location == f"s3://{BUCKET}/executions/run-1/affected-things.csv"
    rows = list(csv.DictReader(io.StringIO(ports.store.objects[location.split("/", 3)[3]])))
    by_certificate: dict[str, list[str]] = {}
    for row in rows:
        by_certificate.setdefault(row["certificateId"], []).append(row["thingName"])
    assert by_certificate[ids[0]] == ["lamp-1", "lamp-2"]
    assert by_certificate[ids[3]] == ["lamp-2"]
    assert by_certificate[ids[7]] == [f"sensor-{n:03d}" for n in range(300)]
    assert all(by_certificate[cid] == [""] for cid in ids if cid not in (ids[0], ids[3], ids[7]))
    assert set(by_certificate) == set(ids) and len(rows) == 260 - 3 + 2 + 1 + 300
    assert report["affectedThings"] == 302  # lamp-1, lamp-2 (twice, counted once), 300 sensors
    assert {
        (r["statusBefore"], r["statusAfter"], r["outcome"]) for r in rows if r["certificateId"] == ids[7]
    } == {("PENDING_TRANSFER", "PENDING_TRANSFER", "SKIPPED")}
    assert {r["outcome"] for r in rows if r["certificateId"] == ids[0]} == {"REVOKED"}
    # Principal: the certificate's ARN in the execution's account and Region; one call per certificate,
    # two for the one with 300 Things.
    account_region = execution_arn("run-1").split(":")[3:5]
    assert ports.iot.principals[0] == f"arn:aws:iot:{account_region[0]}:{account_region[1]}:cert/{ids[0]}"
    assert ports.iot.calls.count("ListPrincipalThings") == 261


def test_list_affected_things_false_lists_none_and_writes_no_csv(ports, lambda_context, monkeypatch):
    monkeypatch.setenv("LIST_AFFECTED_THINGS", "false")
    ids = _fleet(ports, 3)
    ports.iot.attach_thing(ids[0], "lamp-1")
    report = _run(ports, lambda_context, {"caCertificateId": CA_ID})["report"]
    assert report["affectedThings"] is None and report["affectedThingsLocation"] is None
    assert "ListPrincipalThings" not in ports.iot.calls
    assert not any(key.endswith(".csv") for key in ports.store.objects)


def test_a_dry_run_lists_the_things_it_would_cut_off(ports, lambda_context):
    ids = _fleet(ports, 2)
    ports.iot.attach_thing(ids[1], "lamp-1")
    report = _run(ports, lambda_context, {"caCertificateId": CA_ID, "dryRun": True})["report"]
    text = ports.store.objects[report["affectedThingsLocation"].split("/", 3)[3]]
    assert sorted(csv.reader(io.StringIO(text))) == sorted(
        [
            ["certificateId", "thingName", "statusBefore", "statusAfter", "outcome"],
            [ids[0], "", "ACTIVE", "ACTIVE", "SKIPPED"],
            [ids[1], "lamp-1", "ACTIVE", "ACTIVE", "SKIPPED"],
        ]
    )
    assert report["affectedThings"] == 1 and {ports.iot.status(cid) for cid in ids} == {"ACTIVE"}


def test_a_throttled_listing_outlasting_retries_is_a_transient_aws_error(ports, lambda_context):
    _fleet(ports, 1)
    ports.iot.transient_listings = 1
    with pytest.raises(WorkflowError) as raised:
        _run(ports, lambda_context, {"caCertificateId": CA_ID})
    assert type(raised.value).__name__ == "TransientAwsError"
    assert "ListPrincipalThings" in str(raised.value)
