"""The rules that turn a certificate's status into its outcome, shared by RevokeCertificates (before and
after UpdateCertificate) and VerifyRevocation (for a page whose task never recorded its outcomes).

Source: AWS IoT Developer Guide, "Revoke a client certificate": "Once a certificate is revoked, its status
can't be changed"; AWS IoT API reference, UpdateCertificate: a certificate in PENDING_TRANSFER cannot be
updated (CertificateStateException); DescribeCertificate.
"""

from __future__ import annotations

from revocation_common.models import CertificateOutcome

PENDING_TRANSFER_REASON = (
    "PENDING_TRANSFER: AWS IoT refuses UpdateCertificate during a transfer (CertificateStateException); "
    "reject or cancel the transfer, then run the workflow again"
)
REVOKED_IS_FINAL_REASON = "REVOKED is final: the certificate cannot be set to INACTIVE"
DELETED_REASON = "DELETED: the certificate no longer exists in AWS IoT (deleted after it was listed)"


def settled_outcome(
    certificate_id: str, listed_status: str, status: str | None, target: str
) -> CertificateOutcome | None:
    """The outcome of a certificate whose current ``status`` makes an update needless or impossible.

    Input: the status it was listed with, its current status (None: it no longer exists), the target
    (REVOKED or INACTIVE). Output: ALREADY_IN_TARGET (at the target), SKIPPED with a reason (deleted,
    PENDING_TRANSFER, or REVOKED when the target is INACTIVE), or None when it still has to be updated.
    """
    if status is None:
        return CertificateOutcome(
            certificateId=certificate_id,
            statusBefore=listed_status,
            statusAfter="",
            outcome="SKIPPED",
            reason=DELETED_REASON,
        )
    if status == target:
        return CertificateOutcome(
            certificateId=certificate_id, statusBefore=status, statusAfter=status, outcome="ALREADY_IN_TARGET"
        )
    if status == "PENDING_TRANSFER":
        return CertificateOutcome(
            certificateId=certificate_id,
            statusBefore=status,
            statusAfter=status,
            outcome="SKIPPED",
            reason=PENDING_TRANSFER_REASON,
        )
    if status == "REVOKED":
        return CertificateOutcome(
            certificateId=certificate_id,
            statusBefore=status,
            statusAfter=status,
            outcome="SKIPPED",
            reason=REVOKED_IS_FINAL_REASON,
        )
    return None


def unrecorded_outcome(
    certificate_id: str, listed_status: str, status: str | None, target: str, *, dry_run: bool, reason: str
) -> CertificateOutcome:
    """The outcome of a certificate whose page task ended without recording outcomes (it failed after
    its retries), from the status the verification reads now.

    At the target now but listed otherwise: this run changed it (REVOKED) in an attempt that did not
    record it. Settled statuses as ``settled_outcome`` (for a dry run, from the listed status: a dry run
    changed nothing). Anything else: FAILED with ``reason``.
    """
    if dry_run:
        status = listed_status
    if not dry_run and status == target and listed_status != target:
        return CertificateOutcome(
            certificateId=certificate_id,
            statusBefore=listed_status,
            statusAfter=target,
            outcome="REVOKED",
            reason="set by an attempt that did not record its outcome; read back by VerifyRevocation",
        )
    settled = settled_outcome(certificate_id, listed_status, status, target)
    if settled is not None:
        return settled
    return CertificateOutcome(
        certificateId=certificate_id,
        statusBefore=listed_status,
        statusAfter=status or "",
        outcome="FAILED",
        reason=reason[:500],
    )
