"""Revocation of the certificates of one page.

Source: AWS IoT API reference, UpdateCertificate ("REVOKED ... cannot be changed"; a certificate in
PENDING_TRANSFER cannot be updated: CertificateStateException), DescribeCertificate.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from revocation_common.aws_errors import error_code, raise_if_transient
from revocation_common.models import CanonicalRequest, CertificateOutcome, OutcomeCounts, PageEntry
from revocation_common.outcomes import settled_outcome
from revocation_common.pacing import RatePacer
from revocation_common.store import get_json, outcome_key, put_json

# The children aim a little under the quota: a call admitted a few milliseconds late must not make one
# second hold more than the quota (AWS and the emulator count requests as they arrive).
QUOTA_HEADROOM = 0.97


def child_pacer(quota_tps: float, max_concurrency: int, page_count: int, page_number: int) -> RatePacer:
    """This child's share of the UpdateCertificate quota, interleaved with the other children's.

    The Distributed Map runs at most C = min(MaxConcurrency, pageCount) children at once; each paces at
    quota * QUOTA_HEADROOM / C transactions per second, on the slots of phase (pageNumber mod C) / quota,
    so that together they stay at the quota instead of bouncing off it.
    """
    children = max(1, min(max_concurrency, page_count))
    aggregate = quota_tps * QUOTA_HEADROOM
    return RatePacer(aggregate / children, phase=(page_number % children) / aggregate)


def _describe_status(iot: Any, certificate_id: str) -> str | None:
    try:
        description = iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise_if_transient(error, "DescribeCertificate")
        raise
    return str(description["status"])


def _settled(entry: PageEntry, status: str | None, target: str) -> CertificateOutcome | None:
    """The outcome of a certificate whose status makes an update needless or impossible, else None."""
    return settled_outcome(entry.certificateId, entry.status, status, target)


def revoke_certificate(
    iot: Any, pacer: RatePacer, entry: PageEntry, *, target: str, dry_run: bool
) -> CertificateOutcome:
    """Bring one certificate to ``target`` (REVOKED or INACTIVE) and say what happened.

    A certificate already at the target, in PENDING_TRANSFER, or REVOKED when the target is INACTIVE is
    not updated. When UpdateCertificate answers CertificateStateException (the status changed since the
    listing), DescribeCertificate tells the actual status and the outcome follows from it.
    Errors: TransientAwsError when throttling/5xx outlast botocore's retries (the state retries the page;
    certificates already done are then found at the target, so nothing is done twice).
    """
    settled = _settled(entry, entry.status, target)
    if settled is not None:
        return settled
    if dry_run:
        return CertificateOutcome(
            certificateId=entry.certificateId,
            statusBefore=entry.status,
            statusAfter=entry.status,
            outcome="SKIPPED",
            reason=f"DRY_RUN: would set {target}",
        )
    pacer.wait()
    try:
        iot.update_certificate(certificateId=entry.certificateId, newStatus=target)
    except ClientError as error:
        code = error_code(error)
        raise_if_transient(error, "UpdateCertificate")
        if code in ("CertificateStateException", "ResourceNotFoundException"):
            actual = _describe_status(iot, entry.certificateId)
            settled = _settled(entry, actual, target)
            if settled is not None:
                return settled
        return CertificateOutcome(
            certificateId=entry.certificateId,
            statusBefore=entry.status,
            statusAfter=entry.status,
            outcome="FAILED",
            reason=f"{code}: {error.response.get('Error', {}).get('Message', '')}"[:500],
        )
    return CertificateOutcome(
        certificateId=entry.certificateId, statusBefore=entry.status, statusAfter=target, outcome="REVOKED"
    )


def revoke_page(
    iot: Any,
    s3: Any,
    pacer: RatePacer,
    *,
    request: CanonicalRequest,
    bucket: str,
    prefix: str,
    page_key: str,
    page_number: int,
) -> OutcomeCounts:
    """Process one page: read it from S3, settle each certificate, write ``outcomes/{n:06d}.json``.

    Output: the page's OutcomeCounts (only counts travel back to the state machine).
    """
    entries = [PageEntry.model_validate(item) for item in get_json(s3, bucket, page_key)]
    counts = OutcomeCounts()
    outcomes = []
    for entry in entries:
        outcome = revoke_certificate(iot, pacer, entry, target=request.targetStatus, dry_run=request.dryRun)
        counts.add(outcome.outcome)
        outcomes.append(outcome.model_dump())
    put_json(
        s3,
        bucket,
        outcome_key(prefix, page_number),
        {"pageNumber": page_number, "counts": counts.as_report(), "outcomes": outcomes},
    )
    return counts
