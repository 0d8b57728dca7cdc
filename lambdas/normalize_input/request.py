"""Validation of the console/CI request shape into the canonical request.

Bad input raises InvalidInput naming the field and the expected form; nothing else happens (no AWS call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from revocation_common.errors import InvalidInput
from revocation_common.models import CanonicalRequest
from revocation_common.vocabulary import CA_CERTIFICATE_ID, TARGET_STATUSES

INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}")
# Printable text plus tab and newline: a reason ends up in e-mails and consoles.
REASON = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f]{0,1024}")
REQUEST_FIELDS = ("caCertificateId", "dryRun", "targetStatus", "reason", "incidentId")

EXPECTED = {
    "caCertificateId": "expected 64 lowercase hexadecimal characters (the CA's certificateId in AWS IoT)",
    "dryRun": "expected a JSON boolean, true or false",
    "targetStatus": "expected REVOKED or INACTIVE",
    "reason": "expected a string of at most 1024 printable characters",
    "incidentId": (
        "expected 1 to 128 characters: letters, digits and . _ : # - (starting with a letter or digit)"
    ),
}


def require_string(value: Any, field: str, pattern: re.Pattern[str]) -> str:
    """Return ``value`` when it is a string fully matching ``pattern``; else raise InvalidInput(field)."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidInput(field, EXPECTED[field])
    return value


def validate_ca_certificate_id(value: Any, field: str = "caCertificateId") -> str:
    """A CA certificateId: 64 lowercase hex characters. Raises InvalidInput(field) otherwise."""
    if not isinstance(value, str) or not CA_CERTIFICATE_ID.fullmatch(value):
        raise InvalidInput(field, EXPECTED["caCertificateId"])
    return value


def build_request(
    *,
    ca_certificate_id: Any,
    dry_run: Any,
    target_status: Any,
    reason: Any,
    incident_id: Any,
    source: str,
    field_prefix: str = "",
) -> CanonicalRequest:
    """Validate each field and build the CanonicalRequest.

    ``field_prefix`` (e.g. ``detail.``) makes the error name the field where the caller found it.
    Raises InvalidInput naming the first bad field.
    """
    ca_id = validate_ca_certificate_id(ca_certificate_id, f"{field_prefix}caCertificateId")
    if not isinstance(dry_run, bool):
        raise InvalidInput(f"{field_prefix}dryRun", EXPECTED["dryRun"])
    if target_status not in TARGET_STATUSES or not isinstance(target_status, str):
        raise InvalidInput(f"{field_prefix}targetStatus", EXPECTED["targetStatus"])
    if not isinstance(reason, str) or not REASON.fullmatch(reason):
        raise InvalidInput(f"{field_prefix}reason", EXPECTED["reason"])
    if incident_id != "" and (not isinstance(incident_id, str) or not INCIDENT_ID.fullmatch(incident_id)):
        raise InvalidInput(f"{field_prefix}incidentId", EXPECTED["incidentId"])
    return CanonicalRequest(
        caCertificateId=ca_id,
        dryRun=dry_run,
        targetStatus=target_status,
        reason=reason,
        incidentId=incident_id,
        source=source,
    )


def request_from_console(raw: Mapping[str, Any], *, default_target_status: str) -> CanonicalRequest:
    """The console/CI shape: {"caCertificateId", "dryRun"?, "targetStatus"?, "reason"?, "incidentId"?}.

    Unknown fields are refused (a typo such as "dryrun" must not silently become a real revocation).
    """
    for key in raw:
        if key not in REQUEST_FIELDS:
            raise InvalidInput(str(key)[:64], f"unknown field; expected only {', '.join(REQUEST_FIELDS)}")
    if "caCertificateId" not in raw:
        raise InvalidInput("caCertificateId", "required; " + EXPECTED["caCertificateId"])
    return build_request(
        ca_certificate_id=raw["caCertificateId"],
        dry_run=raw.get("dryRun", False),
        target_status=raw.get("targetStatus", default_target_status),
        reason=raw.get("reason", ""),
        incident_id=raw.get("incidentId", ""),
        source="console",
    )
