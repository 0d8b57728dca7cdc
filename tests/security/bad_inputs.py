"""The catalogue of malformed requests and events NormalizeInput must refuse with InvalidInput.

Each case: an id, the execution input (with CA standing for a real CA's certificateId, replaced by the
test that runs it against a seeded emulator), and the field the error must name: the InvalidInput message
is "<field>: expected ..." (revocation_common.errors.InvalidInput), and its field must start with the
given prefix (findings are named down to the element, e.g. "detail.findings[0].Resources").

Shapes (docs/data-contract.md, lambdas/normalize_input/): the console/CI object {caCertificateId, dryRun?,
targetStatus?, reason?, incidentId?, registeredAfter?}; the custom event (source "iot-ca-revoke",
detail-type "IoT CA Revocation Requested"); Security Hub "Findings - Imported" and "Findings - Custom
Action" events whose findings are AWS IoT Device Defender audit findings (ASFF) naming a cacert ARN.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from tests.support.events import ACCOUNT, REGION

CA = "<CA>"  # placeholder for a registered CA's certificateId
OTHER_CA = "b" * 64
OTHER_ACCOUNT = "111122223333"  # AWS documentation example account
AUDIT_PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/iot-device-defender-audit"
CHECK = "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK"


@dataclass(frozen=True)
class Case:
    id: str
    document: Any
    field: str


def cacert_arn(ca: str = CA, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:iot:{region}:{account}:cacert/{ca}"


def audit_finding(resources: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    """A well-formed AWS IoT Device Defender audit finding about the CA (ASFF), with ``overrides``."""
    finding: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": f"{ACCOUNT}/CA_CERTIFICATE/{CA}/{CHECK}/CERTIFICATE_REVOKED_BY_ISSUER",
        "ProductArn": AUDIT_PRODUCT,
        "AwsAccountId": ACCOUNT,
        "Region": REGION,
        "Title": f"{CHECK}: CERTIFICATE_REVOKED_BY_ISSUER",
        "ProductFields": {"CheckName": CHECK, "ReportType": "AuditFinding", "ResourceType": "CA_CERTIFICATE"},
        "Resources": resources
        if resources is not None
        else [{"Type": "AwsIotCaCertificate", "Id": cacert_arn(), "Region": REGION}],
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
    }
    finding.update(overrides)
    return finding


def event(source: str, detail_type: str, detail: Any, resources: list[str] | None = None) -> dict[str, Any]:
    """An EventBridge event as a rule delivers it (no input transformer)."""
    return {
        "version": "0",
        "id": "7c1f4d2e-9a3b-4c5d-8e6f-0a1b2c3d4e5f",
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2026-11-30T03:13:02Z",
        "region": REGION,
        "resources": resources or [],
        "detail": detail,
    }


def custom_event(detail: Any) -> dict[str, Any]:
    return event("iot-ca-revoke", "IoT CA Revocation Requested", detail)


def imported(findings: Any) -> dict[str, Any]:
    return event("aws.securityhub", "Security Hub Findings - Imported", {"findings": findings})


def custom_action(findings: Any, action: str | None = "RevokeIotCa") -> dict[str, Any]:
    resources = [f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{action}"] if action else []
    detail = {"actionName": "Revoke IoT CA", "findings": findings}
    return event("aws.securityhub", "Security Hub Findings - Custom Action", detail, resources)


def console(**fields: Any) -> dict[str, Any]:
    return {"caCertificateId": CA, **fields}


def _with_product_field(key: str, value: Any) -> dict[str, Any]:
    finding = audit_finding(resources=[{"Type": "AwsAccount", "Id": f"AWS::::Account:{ACCOUNT}"}])
    finding["ProductFields"] = {**finding["ProductFields"], key: value}
    return finding


CONSOLE_CASES = [
    Case("id-number", {"caCertificateId": 123}, "caCertificateId"),
    Case("id-null", {"caCertificateId": None}, "caCertificateId"),
    Case("id-array", {"caCertificateId": [CA]}, "caCertificateId"),
    Case("id-object", {"caCertificateId": {"id": CA}}, "caCertificateId"),
    Case("id-63-characters", {"caCertificateId": "<CA:63>"}, "caCertificateId"),
    Case("id-65-characters", {"caCertificateId": "<CA>0"}, "caCertificateId"),
    Case("id-uppercase-hex", {"caCertificateId": "<CA:upper>"}, "caCertificateId"),
    Case("id-non-hex", {"caCertificateId": "g" * 64}, "caCertificateId"),
    Case("id-trailing-newline", {"caCertificateId": "<CA>\n"}, "caCertificateId"),
    Case("id-fullwidth-digits", {"caCertificateId": "\uff10" * 64}, "caCertificateId"),
    Case("id-sql-injection", {"caCertificateId": "' OR '1'='1' --"}, "caCertificateId"),
    Case("id-path-traversal", {"caCertificateId": "../../../../etc/passwd"}, "caCertificateId"),
    Case("id-s3-prefix", {"caCertificateId": "executions/../report.json"}, "caCertificateId"),
    Case("id-is-an-arn", {"caCertificateId": cacert_arn()}, "caCertificateId"),
    Case("id-oversized", {"caCertificateId": "a" * 200_000}, "caCertificateId"),
    Case("id-missing", {"reason": "no id"}, "caCertificateId"),
    Case("target-active", console(targetStatus="ACTIVE"), "targetStatus"),
    Case("target-pending-transfer", console(targetStatus="PENDING_TRANSFER"), "targetStatus"),
    Case("target-pending-activation", console(targetStatus="PENDING_ACTIVATION"), "targetStatus"),
    Case("target-lowercase", console(targetStatus="revoked"), "targetStatus"),
    Case("target-number", console(targetStatus=1), "targetStatus"),
    Case("dry-run-string", console(dryRun="false"), "dryRun"),
    Case("dry-run-number", console(dryRun=0), "dryRun"),
    Case("dry-run-null", console(dryRun=None), "dryRun"),
    Case("reason-oversized", console(reason="x" * 1025), "reason"),
    Case("reason-control-characters", console(reason="ok\x00\x1b[2J"), "reason"),
    Case("reason-object-injection", console(reason={"$ne": ""}), "reason"),
    Case("incident-shell-injection", console(incidentId="INC-1; rm -rf /"), "incidentId"),
    Case("incident-html-injection", console(incidentId="<script>alert(1)</script>"), "incidentId"),
    Case("incident-path-like", console(incidentId="../../etc"), "incidentId"),
    Case("incident-oversized", console(incidentId="I" * 129), "incidentId"),
    # registeredAfter: an ISO 8601 date and time with its UTC offset, nothing vaguer.
    Case("registered-after-date-only", console(registeredAfter="2026-11-30"), "registeredAfter"),
    Case("registered-after-no-offset", console(registeredAfter="2026-11-30T08:00:00"), "registeredAfter"),
    Case("registered-after-words", console(registeredAfter="yesterday"), "registeredAfter"),
    Case("registered-after-epoch", console(registeredAfter=1764489600), "registeredAfter"),
    Case("registered-after-bad-month", console(registeredAfter="2026-13-01T00:00:00Z"), "registeredAfter"),
    Case(
        "registered-after-before-year-1",
        console(registeredAfter="0001-01-01T00:00:00+01:00"),
        "registeredAfter",
    ),
    Case(
        "registered-after-past-9999", console(registeredAfter="9999-12-31T23:59:59-01:00"), "registeredAfter"
    ),
    Case(
        "registered-after-offset-seconds",
        console(registeredAfter="2026-11-30T08:00:00+05:30:15"),
        "registeredAfter",
    ),
    Case("registered-after-week-date", console(registeredAfter="2026-W48-1T08:00:00Z"), "registeredAfter"),
    Case("registered-after-nul", console(registeredAfter="2026-11-30T08:00\x00Z"), "registeredAfter"),
    Case("unknown-field-typo", console(dryrun=True), "dryrun"),
    Case("unknown-field-proto", console(__proto__={"admin": True}), "__proto__"),
    Case("input-array", [CA], "$"),
    Case("input-string", CA, "$"),
    Case("input-number", 42, "$"),
    Case("input-null", None, "$"),
]

EVENT_CASES = [
    Case("custom-missing-id", custom_event({"reason": "x"}), "detail.caCertificateId"),
    Case("custom-non-hex-id", custom_event({"caCertificateId": "z" * 64}), "detail.caCertificateId"),
    Case(
        "custom-target-active",
        custom_event({"caCertificateId": CA, "targetStatus": "ACTIVE"}),
        "detail.targetStatus",
    ),
    Case(
        "custom-target-pending-transfer",
        custom_event({"caCertificateId": CA, "targetStatus": "PENDING_TRANSFER"}),
        "detail.targetStatus",
    ),
    Case("custom-dry-run-string", custom_event({"caCertificateId": CA, "dryRun": "yes"}), "detail.dryRun"),
    Case(
        "custom-reason-oversized",
        custom_event({"caCertificateId": CA, "reason": "r" * 5000}),
        "detail.reason",
    ),
    Case("custom-unknown-field", custom_event({"caCertificateId": CA, "force": True}), "detail.force"),
    Case(
        "custom-registered-after-no-offset",
        custom_event({"caCertificateId": CA, "registeredAfter": "2026-11-30T08:00"}),
        "detail.registeredAfter",
    ),
    Case("custom-detail-string", custom_event(CA), "detail"),
    Case(
        "custom-detail-missing",
        {k: v for k, v in custom_event({}).items() if k != "detail"} | {"detail": None},
        "detail",
    ),
    Case("other-event-source", event("aws.guardduty", "GuardDuty Finding", {"id": CA}), "detail-type"),
    Case("findings-empty", imported([]), "detail.findings"),
    Case("findings-not-a-list", imported({"0": audit_finding()}), "detail.findings"),
    Case("findings-null-element", imported([None]), "detail.findings"),
    Case(
        "finding-without-a-ca",
        imported([audit_finding(resources=[{"Type": "AwsAccount", "Id": f"AWS::::Account:{ACCOUNT}"}])]),
        "detail.findings[0].Resources",
    ),
    Case(
        "finding-of-an-s3-bucket",
        imported([audit_finding(resources=[{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::device-logs"}])]),
        "detail.findings[0].Resources",
    ),
    Case(
        "finding-of-a-device-certificate",
        imported(
            [
                audit_finding(
                    resources=[
                        {"Type": "AwsIotCertificate", "Id": f"arn:aws:iot:{REGION}:{ACCOUNT}:cert/{CA}"}
                    ]
                )
            ]
        ),
        "detail.findings[0].Resources",
    ),
    Case(
        "finding-of-another-product",
        imported([audit_finding(ProductArn=f"arn:aws:securityhub:{REGION}::product/aws/guardduty")]),
        "detail.findings[0].ProductArn",
    ),
    Case(
        "finding-ca-id-path-like",
        imported([_with_product_field("CaCertificateId", "../../../etc/passwd")]),
        "detail.findings[0].ProductFields.CaCertificateId",
    ),
    Case(
        "finding-ca-in-another-account",
        imported(
            [
                audit_finding(
                    resources=[{"Type": "AwsIotCaCertificate", "Id": cacert_arn(account=OTHER_ACCOUNT)}]
                )
            ]
        ),
        "detail.findings[0].Resources[0].Id",
    ),
    Case(
        "finding-ca-in-another-region",
        imported(
            [
                audit_finding(
                    resources=[
                        {
                            "Type": "AwsIotCaCertificate",
                            "Id": cacert_arn(region="eu-west-1"),
                            "Region": "eu-west-1",
                        }
                    ]
                )
            ]
        ),
        "detail.findings[0].Resources[0].Id",
    ),
    Case(
        "findings-of-two-cas",
        imported(
            [
                audit_finding(),
                audit_finding(resources=[{"Type": "AwsIotCaCertificate", "Id": cacert_arn(OTHER_CA)}]),
            ]
        ),
        "detail.findings",
    ),
    Case(
        "finding-archived",
        imported([audit_finding(RecordState="ARCHIVED")]),
        "detail.findings[0].RecordState",
    ),
    Case("custom-action-no-findings", custom_action([]), "detail.findings"),
    Case("custom-action-unknown-action", custom_action([audit_finding()], action=None), "resources"),
    Case(
        "custom-action-finding-without-a-ca",
        custom_action([audit_finding(resources=[{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::logs"}])]),
        "detail.findings[0].Resources",
    ),
]

CATALOGUE = CONSOLE_CASES + EVENT_CASES


def with_ca(document: Any, ca_certificate_id: str) -> Any:
    """``document`` with the CA placeholders replaced: <CA>, <CA:63> (63 characters), <CA:upper>."""
    if isinstance(document, str):
        return (
            document.replace("<CA:63>", ca_certificate_id[:63])
            .replace("<CA:upper>", ca_certificate_id.upper())
            .replace(CA, ca_certificate_id)
        )
    if isinstance(document, list):
        return [with_ca(item, ca_certificate_id) for item in document]
    if isinstance(document, dict):
        return {
            with_ca(key, ca_certificate_id): with_ca(value, ca_certificate_id)
            for key, value in document.items()
        }
    return copy.deepcopy(document)
