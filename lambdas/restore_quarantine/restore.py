"""RestoreCertificates' logic: set back to ACTIVE the certificates of one page that are still INACTIVE.

Source: AWS IoT API reference, DescribeCertificate (the status now) and UpdateCertificate (newStatus
ACTIVE; "REVOKED ... cannot be changed"; CertificateStateException when the status does not allow it).
"""

from __future__ import annotations

from revocation_common.models import PageEntry
from revocation_common.pacing import RatePacer
from revocation_common.ports import IotPort, ObjectStore, UpdateRefused
from revocation_common.store import outcome_key
from revocation_common.vocabulary import QUARANTINE_STATUS, RESTORED_STATUS

from restore_quarantine.models import RestoreCounts, RestoreOutcome

DELETED = "DELETED: the certificate no longer exists in AWS IoT"


def _not_restorable(entry: PageEntry, status: str | None) -> RestoreOutcome | None:
    """The outcome of a certificate whose status now rules out a restore, else None (still INACTIVE)."""
    if status is None:
        return RestoreOutcome(
            certificateId=entry.certificateId,
            statusBefore=QUARANTINE_STATUS,
            statusAfter="",
            outcome="SKIPPED",
            reason=DELETED,
            foundBy=entry.foundBy,
        )
    if status == RESTORED_STATUS:
        return RestoreOutcome(
            certificateId=entry.certificateId,
            statusBefore=status,
            statusAfter=status,
            outcome="ALREADY_ACTIVE",
            foundBy=entry.foundBy,
        )
    if status != QUARANTINE_STATUS:
        return RestoreOutcome(
            certificateId=entry.certificateId,
            statusBefore=status,
            statusAfter=status,
            outcome="SKIPPED",
            reason=f"{status} now: changed since the quarantine, so it is not reactivated",
            foundBy=entry.foundBy,
        )
    return None


def restore_certificate(iot: IotPort, pacer: RatePacer, entry: PageEntry, *, dry_run: bool) -> RestoreOutcome:
    """Reactivate one quarantined certificate if, and only if, AWS IoT says it is still INACTIVE.

    Two calls per certificate, both on the pacer: DescribeCertificate, then UpdateCertificate
    newStatus=ACTIVE. A refusal (CertificateStateException: revoked in between) is read back with
    DescribeCertificate and reported. Errors: TransientAwsError (the state retries the page; certificates
    already restored are then found ACTIVE).
    """
    pacer.wait()
    settled = _not_restorable(entry, iot.certificate_status(entry.certificateId))
    if settled is not None:
        return settled
    if dry_run:
        return RestoreOutcome(
            certificateId=entry.certificateId,
            statusBefore=QUARANTINE_STATUS,
            statusAfter=QUARANTINE_STATUS,
            outcome="SKIPPED",
            reason=f"DRY_RUN: would set {RESTORED_STATUS}",
            foundBy=entry.foundBy,
        )
    pacer.wait()
    try:
        iot.update_certificate(entry.certificateId, RESTORED_STATUS)
    except UpdateRefused as refusal:
        settled = _not_restorable(entry, iot.certificate_status(entry.certificateId))
        if settled is not None:
            return settled
        return RestoreOutcome(
            certificateId=entry.certificateId,
            statusBefore=QUARANTINE_STATUS,
            statusAfter=QUARANTINE_STATUS,
            outcome="FAILED",
            reason=f"{refusal.code}: {refusal.message}"[:500],
            foundBy=entry.foundBy,
        )
    return RestoreOutcome(
        certificateId=entry.certificateId,
        statusBefore=QUARANTINE_STATUS,
        statusAfter=RESTORED_STATUS,
        outcome="RESTORED",
        foundBy=entry.foundBy,
    )


def restore_page(
    iot: IotPort,
    store: ObjectStore,
    pacer: RatePacer,
    *,
    dry_run: bool,
    prefix: str,
    page_key: str,
    page_number: int,
) -> RestoreCounts:
    """Restore one page: read it from S3, restore each certificate, write ``outcomes/{n:06d}.json``.

    Output: the page's RestoreCounts (only counts travel back to the state machine).
    """
    entries = [PageEntry.model_validate(item) for item in store.get_json(page_key)]
    counts = RestoreCounts()
    outcomes = []
    for entry in entries:
        outcome = restore_certificate(iot, pacer, entry, dry_run=dry_run)
        counts.add(outcome.outcome)
        outcomes.append(outcome.model_dump())
    store.put_json(
        outcome_key(prefix, page_number),
        {"pageNumber": page_number, "counts": counts.as_report(), "outcomes": outcomes},
    )
    return counts
