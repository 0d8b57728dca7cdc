"""Reading AWS Security Hub findings (AWS Security Finding Format, ASFF) about an AWS IoT CA.

AWS IoT Device Defender sends its audit findings to Security Hub through the native integration
(product ``arn:aws:securityhub:<region>::product/aws/iot-device-defender-audit``). An audit finding has
``ProductFields.ReportType`` "AuditFinding", ``ProductFields.CheckName`` the audit check, ``RecordState``
ACTIVE until the resource is compliant again (then ARCHIVED), and ``Workflow.Status`` NEW until an analyst
moves it on. The non-compliant resource is in ``Resources[]``; for a CA certificate it is named by its ARN
(``arn:aws:iot:<region>:<account>:cacert/<caCertificateId>``) in ``Resources[].Id``, or by its id (or ARN)
under a ``CaCertificateId``-like key of ``ProductFields`` or ``Resources[].Details.Other``. Each of these is
accepted; a finding that names no CA, or two different CAs, is refused.

Sources: AWS IoT Device Defender Developer Guide, "Integration with AWS Security Hub CSPM" (typical
audit finding); AWS Security Hub API reference, AwsSecurityFinding and Resource; AWS IoT Device Defender
audit checks REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK, CA_CERTIFICATE_KEY_QUALITY_CHECK (not
INTERMEDIATE_CA_REVOKED_FOR_ACTIVE_DEVICE_CERTIFICATES_CHECK: its findings are about device certificates
whose intermediate CA was revoked, not about a CA to deactivate).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from revocation_common.errors import InvalidInput

# CA_CHECK_NAMES: the audit checks about a CA certificate (re-exported); a deployment enables a subset.
from revocation_common.vocabulary import CA_AUDIT_CHECKS as CA_CHECK_NAMES  # noqa: F401
from revocation_common.vocabulary import CA_CERTIFICATE_ID as CA_ID

DEVICE_DEFENDER_AUDIT_PRODUCT: Final = "product/aws/iot-device-defender-audit"

CACERT_ARN: Final = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iot:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):cacert/(?P<id>[0-9a-f]{64})"
)
# A Resources[].Type that names a CA certificate. The Security Hub API reference (Resource.Type) lists
# the ASFF resource types, and an AWS IoT type follows its AwsIot<Resource> naming; the Device Defender
# integration page ("Integration with AWS Security Hub CSPM") shows no CA finding's Type, so none was found
# documented. Assumed: AwsIotCaCertificate (the repository's samples), or any Type containing
# "CaCertificate" (case-insensitive); a bare 64-hex Id of such a resource names the CA.
_CA_RESOURCE_TYPE: Final = re.compile(r"cacertificate", re.I)
# Keys that name a CA certificate in ProductFields or Resources[].Details.Other, compared lowercased with
# everything but letters and digits removed: CaCertificateId, CACertificateId, caCertificateArn, ...
_CA_KEYS: Final = frozenset({"cacertificateid", "cacertificatearn"})


@dataclass(frozen=True)
class CaReference:
    """One place of a finding that names a CA: its id and, when given as an ARN, its account and Region."""

    ca_certificate_id: str
    field: str
    account: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Deployment:
    """Where this deployment revokes: the account and Region of its state machine."""

    account: str
    region: str
    partition: str = "aws"

    @classmethod
    def from_state_machine_arn(cls, arn: str) -> Deployment | None:
        """``arn:<partition>:states:<region>:<account>:stateMachine:<name>`` -> Deployment, or None."""
        parts = arn.split(":")
        if len(parts) < 6 or not parts[1] or not parts[3] or not parts[4]:
            return None
        return cls(account=parts[4], region=parts[3], partition=parts[1])


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _normalized(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _reference(value: Any, field: str, *, account: str | None, region: str | None) -> CaReference:
    """A CA named by ``value`` (an id or a cacert ARN) at ``field``; InvalidInput if it is neither."""
    if isinstance(value, str):
        match = CACERT_ARN.fullmatch(value)
        if match:
            return CaReference(match["id"], field, match["account"], match["region"])
        if CA_ID.fullmatch(value):
            return CaReference(value, field, account, region)
    raise InvalidInput(field, "expected a CA certificateId (64 lowercase hex characters) or a cacert ARN")


def ca_references(finding: Mapping[str, Any], field: str) -> Iterator[CaReference]:
    """Every place where ``finding`` names a CA certificate.

    A bare id takes the finding's AwsAccountId and the resource's (or finding's) Region.
    Raises InvalidInput when a CA key holds something that is not a CA id or cacert ARN.
    """
    account = finding.get("AwsAccountId") if isinstance(finding.get("AwsAccountId"), str) else None
    finding_region = finding.get("Region") if isinstance(finding.get("Region"), str) else None
    product_fields = finding.get("ProductFields")
    if isinstance(product_fields, Mapping):
        for key, value in product_fields.items():
            if _normalized(str(key)) in _CA_KEYS:
                yield _reference(
                    value, f"{field}.ProductFields.{key}", account=account, region=finding_region
                )
    resources = finding.get("Resources")
    if not isinstance(resources, list):
        return
    for index, resource in enumerate(resources):
        if not isinstance(resource, Mapping):
            continue
        where = f"{field}.Resources[{index}]"
        region = resource.get("Region") if isinstance(resource.get("Region"), str) else finding_region
        resource_id = resource.get("Id")
        resource_type = str(resource.get("Type")) if isinstance(resource.get("Type"), str) else ""
        if isinstance(resource_id, str) and (
            CACERT_ARN.fullmatch(resource_id)
            or (CA_ID.fullmatch(resource_id) and _CA_RESOURCE_TYPE.search(resource_type))
        ):
            yield _reference(resource_id, f"{where}.Id", account=account, region=region)
        other = (
            resource.get("Details", {}).get("Other") if isinstance(resource.get("Details"), Mapping) else None
        )
        if isinstance(other, Mapping):
            for key, value in other.items():
                if _normalized(str(key)) in _CA_KEYS:
                    yield _reference(value, f"{where}.Details.Other.{key}", account=account, region=region)


def single_ca(findings: list[Mapping[str, Any]], field: str, deployment: Deployment | None) -> str:
    """The one CA the findings name, checked against the deployment's account and Region.

    Raises InvalidInput: a finding is of another account, Region or partition (check_origin); no finding
    names a CA; they name different CAs (one execution revokes one CA); or the CA is in another account or
    Region (AWS IoT is regional: this deployment cannot revoke there,
    and Security Hub cross-Region aggregation delivers other Regions' findings here too).
    """
    if deployment is not None:
        for index, finding in enumerate(findings):
            check_origin(finding, f"{field}[{index}]", deployment)
    references = [
        reference
        for index, finding in enumerate(findings)
        for reference in ca_references(finding, f"{field}[{index}]")
    ]
    if not references:
        raise InvalidInput(
            f"{field}[0].Resources",
            "names no CA certificate: expected a cacert ARN in Resources[].Id, or a CaCertificateId (id or "
            "ARN) in ProductFields or Resources[].Details.Other",
        )
    ids = sorted({reference.ca_certificate_id for reference in references})
    if len(ids) > 1:
        raise InvalidInput(
            field,
            f"names {len(ids)} different CA certificates ({', '.join(i[:12] for i in ids)}); one run "
            "revokes one CA: send the findings of one CA at a time",
        )
    if deployment is not None:
        for reference in references:
            if reference.account not in (None, deployment.account):
                raise InvalidInput(
                    reference.field,
                    f"the CA is in account {reference.account}; this deployment revokes in account "
                    f"{deployment.account} only",
                )
            if reference.region not in (None, deployment.region):
                raise InvalidInput(
                    reference.field,
                    f"the CA is in Region {reference.region}; this deployment revokes in Region "
                    f"{deployment.region} only (deploy it in that Region too)",
                )
    return ids[0]


_PRODUCT_ARN: Final = re.compile(r"arn:(?P<partition>aws[a-z-]*):securityhub:(?P<region>[a-z0-9-]*):")


def check_origin(finding: Mapping[str, Any], field: str, deployment: Deployment) -> None:
    """Refuse a finding that is not about this deployment's account, Region and partition.

    AwsAccountId, Region and the ProductArn's Region and partition must be the deployment's (Security
    Hub API reference, AwsSecurityFinding: AwsAccountId "the AWS account ID that a finding is generated
    in", Region "the Region from which the finding was generated"; cross-Region aggregation delivers
    other Regions' findings to the aggregation Region). Each is checked, not only the CA's ARN.
    Raises InvalidInput naming the field.
    """
    if finding.get("AwsAccountId") != deployment.account:
        raise InvalidInput(
            f"{field}.AwsAccountId",
            f"expected this deployment's account {deployment.account}, "
            f"got {str(finding.get('AwsAccountId'))[:20]!r}",
        )
    if finding.get("Region") != deployment.region:
        raise InvalidInput(
            f"{field}.Region",
            f"expected this deployment's Region {deployment.region}, got {str(finding.get('Region'))[:30]!r}",
        )
    product_arn = finding.get("ProductArn")
    match = _PRODUCT_ARN.match(product_arn) if isinstance(product_arn, str) else None
    if match is None or match["region"] != deployment.region or match["partition"] != deployment.partition:
        raise InvalidInput(
            f"{field}.ProductArn",
            f"expected a product ARN of partition {deployment.partition} and Region {deployment.region}",
        )
    for index, resource in enumerate(finding.get("Resources") or []):
        resource_id = resource.get("Id") if isinstance(resource, Mapping) else None
        arn = CACERT_ARN.fullmatch(resource_id) if isinstance(resource_id, str) else None
        if arn is not None and arn["partition"] != deployment.partition:
            raise InvalidInput(
                f"{field}.Resources[{index}].Id", f"expected a cacert ARN of partition {deployment.partition}"
            )


def findings_of(detail: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``detail.findings`` as a non-empty list of objects; InvalidInput otherwise."""
    findings = detail.get("findings")
    if not isinstance(findings, list) or not findings or not all(isinstance(f, Mapping) for f in findings):
        raise InvalidInput("detail.findings", "expected a non-empty array of Security Hub findings (ASFF)")
    return findings


def check_automatic_trigger(finding: Mapping[str, Any], field: str, check_names: tuple[str, ...]) -> str:
    """Refuse an imported finding the automatic response must not act on; return its check name.

    It must come from the AWS IoT Device Defender audit product, be an AuditFinding (not a CheckSummary)
    of one of ``check_names``, have RecordState ACTIVE and workflow status NEW. The EventBridge rule
    filters the same way; this is for inputs that reach the state machine another way (a replay, a
    hand-started execution).
    """
    product_arn = finding.get("ProductArn")
    if not isinstance(product_arn, str) or not product_arn.endswith(f"::{DEVICE_DEFENDER_AUDIT_PRODUCT}"):
        raise InvalidInput(
            f"{field}.ProductArn",
            f"expected a finding of AWS IoT Device Defender audit ({DEVICE_DEFENDER_AUDIT_PRODUCT})",
        )
    product_fields = _mapping(finding.get("ProductFields"))
    check_name = product_fields.get("CheckName")
    if check_name not in check_names:
        raise InvalidInput(
            f"{field}.ProductFields.CheckName",
            "expected one of the audit checks this deployment responds to: "
            + (", ".join(check_names) or "none"),
        )
    if product_fields.get("ReportType", "AuditFinding") != "AuditFinding":
        raise InvalidInput(
            f"{field}.ProductFields.ReportType", "expected AuditFinding (a check summary names no CA)"
        )
    if finding.get("RecordState") != "ACTIVE":
        raise InvalidInput(f"{field}.RecordState", "expected ACTIVE (an ARCHIVED finding is resolved)")
    workflow = _mapping(finding.get("Workflow"))
    status = workflow.get("Status", finding.get("WorkflowState"))
    if status != "NEW":
        raise InvalidInput(
            f"{field}.Workflow.Status", "expected NEW (an analyst has already taken this finding on)"
        )
    return str(check_name)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def finding_summary(finding: Mapping[str, Any]) -> str:
    """A one-line description of a finding for the request's reason: title and finding id."""
    title = finding.get("Title") if isinstance(finding.get("Title"), str) else ""
    finding_id = finding.get("Id") if isinstance(finding.get("Id"), str) else ""
    text = f"{title} (finding {finding_id})" if title else f"finding {finding_id}"
    return _CONTROL.sub(" ", text)
