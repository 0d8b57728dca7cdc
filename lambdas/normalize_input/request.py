"""Validation of the console/CI request shape into the canonical request.

Bad input raises InvalidInput naming the field and the expected form; nothing else happens (no AWS call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from revocation_common.certificates import (
    CA_CERTIFICATE_PEM_FIELD,
    parse_ca_certificate_pem,
    sha256_fingerprint,
)
from revocation_common.errors import InvalidInput
from revocation_common.models import CanonicalRequest
from revocation_common.registration_order import instant
from revocation_common.vocabulary import CA_CERTIFICATE_ID, TARGET_STATUSES

INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}")
# Printable text plus tab and newline: a reason ends up in e-mails and consoles.
REASON = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f]{0,1024}")
REQUEST_FIELDS = (
    "caCertificateId",
    "caCertificatePem",
    "scanUnlinked",
    "dryRun",
    "targetStatus",
    "reason",
    "incidentId",
    "registeredAfter",
)

EXPECTED = {
    "caCertificateId": "expected 64 lowercase hexadecimal characters (the CA's certificateId in AWS IoT)",
    "dryRun": "expected a JSON boolean, true or false",
    "scanUnlinked": "expected a JSON boolean, true or false (omit it for the deployment's default)",
    "caCertificateIdOrPem": (
        "required: caCertificateId (the registered CA's certificateId) or caCertificatePem (the CA's PEM "
        "certificate), or both naming the same CA"
    ),
    "targetStatus": "expected REVOKED or INACTIVE",
    "reason": "expected a string of at most 1024 printable characters",
    "incidentId": (
        "expected 1 to 128 characters: letters, digits and . _ : # - (starting with a letter or digit)"
    ),
    "registeredAfter": (
        "expected an ISO 8601 date and time with its UTC offset, e.g. 2026-11-30T08:00:00Z (omit it to "
        "revoke newest first without a cut-off)"
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


# RFC 3339 section 5.6, date-time: the ISO 8601 profile with a mandatory offset ("T" and "Z" in either
# case). datetime.fromisoformat alone also takes week dates, the basic format and offsets with seconds.
RFC3339_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def validate_registered_after(value: Any, field: str = "registeredAfter") -> str | None:
    """An ISO 8601 date and time with its UTC offset (the RFC 3339 date-time, e.g. 2026-11-30T08:00:00Z),
    normalized to UTC with microseconds (revocation_common.registration_order.instant); None for None. A
    date alone or a time without an offset is refused: whose midnight would it be, in an incident across
    Regions? Raises InvalidInput(field) otherwise, also for a moment that is out of range in UTC."""
    if value is None:
        return None
    if not isinstance(value, str) or RFC3339_DATE_TIME.fullmatch(value) is None:
        raise InvalidInput(field, EXPECTED["registeredAfter"])
    try:  # the pattern has made the offset mandatory
        return instant(datetime.fromisoformat(value.upper()))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved out of range by its offset
        raise InvalidInput(field, EXPECTED["registeredAfter"]) from None


def build_request(
    *,
    ca_certificate_id: Any,
    dry_run: Any,
    target_status: Any,
    reason: Any,
    incident_id: Any,
    source: str,
    registered_after: Any = None,
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
    after = validate_registered_after(registered_after, f"{field_prefix}registeredAfter")
    return CanonicalRequest(
        caCertificateId=ca_id,
        dryRun=dry_run,
        targetStatus=target_status,
        reason=reason,
        incidentId=incident_id,
        registeredAfter=after,
        source=source,
    )


def request_from_console(raw: Mapping[str, Any], *, default_target_status: str) -> CanonicalRequest:
    """The console/CI shape: {"caCertificateId"?, "caCertificatePem"?, "scanUnlinked"?, "dryRun"?,
    "targetStatus"?, "reason"?, "incidentId"?, "registeredAfter"?}; caCertificateId or caCertificatePem
    (or both) required. registeredAfter (validate_registered_after): the certificates registered after it
    are revoked first, the rest after them; it narrows nothing.

    caCertificatePem must be one PEM CA certificate (revocation_common.certificates
    .parse_ca_certificate_pem: not garbage, not two certificates, not a leaf, not a private key). By PEM
    only, caCertificateId becomes the SHA-256 fingerprint of its DER and caNamedBy "caCertificatePem"
    (DiscoverScope then finds its registrations here, if any, by certificate). Both given: DiscoverScope
    checks that the id is a registration of that PEM (InvalidInput naming caCertificatePem otherwise)
    before anything changes; NormalizeInput makes no AWS call.
    Unknown fields are refused (a typo such as "dryrun" must not silently become a real revocation).
    Errors: InvalidInput naming the field.
    """
    for key in raw:
        if key not in REQUEST_FIELDS:
            raise InvalidInput(str(key)[:64], f"unknown field; expected only {', '.join(REQUEST_FIELDS)}")
    if "caCertificateId" not in raw and "caCertificatePem" not in raw:
        raise InvalidInput("caCertificateId", EXPECTED["caCertificateIdOrPem"])
    pem = raw.get("caCertificatePem")
    named_by = "caCertificateId"
    if pem is not None or "caCertificatePem" in raw:
        certificate = parse_ca_certificate_pem(pem, CA_CERTIFICATE_PEM_FIELD)
        if "caCertificateId" not in raw:
            named_by = "caCertificatePem"
            ca_certificate_id: Any = sha256_fingerprint(certificate)
        else:
            ca_certificate_id = raw["caCertificateId"]
    else:
        ca_certificate_id = raw["caCertificateId"]
    scan_unlinked = raw.get("scanUnlinked")
    if scan_unlinked is not None and not isinstance(scan_unlinked, bool):
        raise InvalidInput("scanUnlinked", EXPECTED["scanUnlinked"])
    request = build_request(
        ca_certificate_id=ca_certificate_id,
        dry_run=raw.get("dryRun", False),
        target_status=raw.get("targetStatus", default_target_status),
        reason=raw.get("reason", ""),
        incident_id=raw.get("incidentId", ""),
        registered_after=raw.get("registeredAfter"),
        source="console",
    )
    return request.model_copy(
        update={"caCertificatePem": pem, "caNamedBy": named_by, "scanUnlinked": scan_unlinked}
    )
