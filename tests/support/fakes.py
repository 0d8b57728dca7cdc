"""In-memory implementations of the ports of revocation_common.ports, for the unit tier.

They keep the AWS rules the tasks rely on (AWS IoT API reference: UpdateCertificate refuses a
certificate in PENDING_TRANSFER and a REVOKED one to another status with CertificateStateException, an
unknown certificate with ResourceNotFoundException; ListCertificatesByCA pages of at most 250 with
nextMarker; ListPrincipalThings pages of at most 250 Things with nextToken, none for an unknown
certificate; S3 If-None-Match: * refuses an existing key; DynamoDB condition expressions), nothing more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from revocation_common.errors import CaNotFound, TransientAwsError
from revocation_common.models import PageEntry
from revocation_common.ports import CertificatePage, ObjectMissing, ThingsPage, UpdateRefused

PAGE_SIZE = 250


@dataclass
class FakeIot:
    """AWS IoT: CAs {caCertificateId: [status, autoRegistrationStatus]} and certificates
    {certificateId: [caCertificateId, status]}. ``transient_updates``: that many UpdateCertificate calls
    fail with TransientAwsError first (throttling outlasting botocore's retries). ``things``:
    certificateId -> the Things attached to it (AttachThingPrincipal order); ``transient_listings``: that
    many ListPrincipalThings calls fail with TransientAwsError first. ``principals``: the principal of
    every ListPrincipalThings call."""

    cas: dict[str, list[str]] = field(default_factory=dict)
    certificates: dict[str, list[str]] = field(default_factory=dict)
    transient_updates: int = 0
    calls: list[str] = field(default_factory=list)
    things: dict[str, list[str]] = field(default_factory=dict)
    transient_listings: int = 0
    principals: list[str] = field(default_factory=list)

    def add_ca(self, ca_id: str, status: str = "ACTIVE", auto: str = "ENABLE") -> None:
        self.cas[ca_id] = [status, auto]

    def add_certificate(self, certificate_id: str, ca_id: str, status: str = "ACTIVE") -> None:
        self.certificates[certificate_id] = [ca_id, status]

    def status(self, certificate_id: str) -> str:
        return self.certificates[certificate_id][1]

    def describe_ca(self, ca_certificate_id: str) -> tuple[str, str]:
        self.calls.append("DescribeCACertificate")
        if ca_certificate_id not in self.cas:
            raise CaNotFound(f"caCertificateId {ca_certificate_id} is not registered in AWS IoT")
        status, auto = self.cas[ca_certificate_id]
        return status, auto

    def deactivate_ca(self, ca_certificate_id: str) -> None:
        self.calls.append("UpdateCACertificate")
        self.cas[ca_certificate_id] = ["INACTIVE", "DISABLE"]

    def restore_ca(self, ca_certificate_id: str, status: str, auto_registration_status: str) -> None:
        self.calls.append("UpdateCACertificate")
        self.cas[ca_certificate_id] = [status, auto_registration_status]

    def list_certificate_page(self, ca_certificate_id: str, marker: str | None) -> CertificatePage:
        self.calls.append("ListCertificatesByCA")
        if ca_certificate_id not in self.cas:
            raise CaNotFound(f"caCertificateId {ca_certificate_id} is not registered in AWS IoT")
        ids = sorted(cid for cid, (ca, _) in self.certificates.items() if ca == ca_certificate_id)
        start = int(marker) if marker else 0
        chunk = ids[start : start + PAGE_SIZE]
        more = start + PAGE_SIZE < len(ids)
        return CertificatePage(
            certificates=[PageEntry(certificateId=cid, status=self.status(cid)) for cid in chunk],
            next_marker=str(start + PAGE_SIZE) if more else None,
        )

    def update_certificate(self, certificate_id: str, new_status: str) -> None:
        self.calls.append("UpdateCertificate")
        if self.transient_updates > 0:
            self.transient_updates -= 1
            raise TransientAwsError("UpdateCertificate: ThrottlingException after retries")
        if certificate_id not in self.certificates:
            raise UpdateRefused("ResourceNotFoundException", "The specified resource does not exist")
        current = self.status(certificate_id)
        if current == "PENDING_TRANSFER" or (current == "REVOKED" and new_status != "REVOKED"):
            raise UpdateRefused("CertificateStateException", f"the certificate is {current}")
        self.certificates[certificate_id][1] = new_status

    def certificate_status(self, certificate_id: str) -> str | None:
        self.calls.append("DescribeCertificate")
        entry = self.certificates.get(certificate_id)
        return entry[1] if entry else None

    def attach_thing(self, certificate_id: str, thing_name: str) -> None:
        self.things.setdefault(certificate_id, []).append(thing_name)

    def principal_things_page(self, certificate_arn: str, next_token: str | None) -> ThingsPage:
        self.calls.append("ListPrincipalThings")
        self.principals.append(certificate_arn)
        if self.transient_listings > 0:
            self.transient_listings -= 1
            raise TransientAwsError("ListPrincipalThings: ThrottlingException after retries")
        names = self.things.get(certificate_arn.rsplit("/", 1)[-1], [])
        start = int(next_token) if next_token else 0
        more = start + PAGE_SIZE < len(names)
        return ThingsPage(
            things=names[start : start + PAGE_SIZE], next_token=str(start + PAGE_SIZE) if more else None
        )


@dataclass
class MemoryStore:
    """The report bucket: key -> JSON text (documents round-trip through JSON, as through S3)."""

    objects: dict[str, str] = field(default_factory=dict)

    def put_json(self, key: str, document: Any, *, only_if_absent: bool = False) -> bool:
        if only_if_absent and key in self.objects:
            return False
        self.objects[key] = json.dumps(document, sort_keys=True)
        return True

    def put_text(self, key: str, text: str, *, content_type: str) -> None:
        self.objects[key] = text

    def get_json(self, key: str) -> Any:
        if key not in self.objects:
            raise ObjectMissing(key)
        return json.loads(self.objects[key])


@dataclass
class FakeLockTable:
    """The lock table: caCertificateId -> item (plain attribute dict)."""

    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def put_if_free_or_mine(self, item: dict[str, Any]) -> bool:
        held = self.items.get(item["caCertificateId"])
        if held is not None and held["executionArn"] != item["executionArn"]:
            return False
        self.items[item["caCertificateId"]] = dict(item)
        return True

    def put_if_held_by(self, item: dict[str, Any], holder: str) -> bool:
        held = self.items.get(item["caCertificateId"])
        if held is None or held["executionArn"] != holder:
            return False
        self.items[item["caCertificateId"]] = dict(item)
        return True

    def get(self, ca_certificate_id: str) -> dict[str, Any] | None:
        held = self.items.get(ca_certificate_id)
        return dict(held) if held else None


@dataclass
class FakeExecutions:
    """Step Functions: executionArn -> status; an unknown ARN is DOES_NOT_EXIST."""

    statuses: dict[str, str] = field(default_factory=dict)

    def status(self, execution_arn: str) -> str:
        return self.statuses.get(execution_arn, "DOES_NOT_EXIST")
