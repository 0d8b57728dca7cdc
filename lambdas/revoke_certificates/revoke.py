"""Revocation of the certificates of one page.

Source: AWS IoT API reference, UpdateCertificate ("REVOKED ... cannot be changed"; a certificate in
PENDING_TRANSFER cannot be updated: CertificateStateException), DescribeCertificate, ListPrincipalThings
(the Things of each certificate, listed beside the updates: revocation_common.things).
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

from revocation_common.models import CanonicalRequest, CertificateOutcome, OutcomeCounts, PageEntry
from revocation_common.outcomes import settled_outcome
from revocation_common.pacing import RatePacer, child_pacer
from revocation_common.ports import IotPort, ObjectStore, UpdateRefused
from revocation_common.store import outcome_key
from revocation_common.things import attached_things, certificate_arn

# UpdateCertificate refusals after which DescribeCertificate tells what the certificate's status is now.
STATUS_CHANGED_CODES = frozenset({"CertificateStateException", "ResourceNotFoundException"})


def things_pacer(quota_tps: float, max_concurrency: int, page_count: int, page_number: int) -> RatePacer:
    """This child's share of the ListPrincipalThings quota (as child_pacer), its slots shifted by half an
    interval from the update slots of the same child, so the two APIs' calls of a page alternate."""
    pacer = child_pacer(quota_tps, max_concurrency, page_count, page_number)
    return RatePacer(1.0 / pacer.interval, phase=pacer.phase + pacer.interval / 2)


def _settled(entry: PageEntry, status: str | None, target: str) -> CertificateOutcome | None:
    """The outcome of a certificate whose status makes an update needless or impossible, else None."""
    return settled_outcome(entry.certificateId, entry.status, status, target)


def revoke_certificate(
    iot: IotPort, pacer: RatePacer, entry: PageEntry, *, target: str, dry_run: bool
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
        iot.update_certificate(entry.certificateId, target)
    except UpdateRefused as refusal:
        if refusal.code in STATUS_CHANGED_CODES:
            actual = iot.certificate_status(entry.certificateId)
            settled = _settled(entry, actual, target)
            if settled is not None:
                return settled
        return CertificateOutcome(
            certificateId=entry.certificateId,
            statusBefore=entry.status,
            statusAfter=entry.status,
            outcome="FAILED",
            reason=f"{refusal.code}: {refusal.message}"[:500],
        )
    return CertificateOutcome(
        certificateId=entry.certificateId, statusBefore=entry.status, statusAfter=target, outcome="REVOKED"
    )


def revoke_page(
    iot: IotPort,
    store: ObjectStore,
    pacer: RatePacer,
    *,
    request: CanonicalRequest,
    prefix: str,
    page_key: str,
    page_number: int,
    things: RatePacer | None = None,
    execution_arn: str = "",
) -> OutcomeCounts:
    """Process one page: read it from S3, settle each certificate, write ``outcomes/{n:06d}.json``.

    Each outcome keeps the entry's foundBy/issuedBy (how discovery found it, for the report's per-CA counts).
    ``things``: when given (cdk.json listAffectedThings), each certificate's Things are listed
    (ListPrincipalThings of its ARN in ``execution_arn``'s partition, Region and account, paced by this
    pacer) into the outcome's thingNames; a dry run lists too (it changes nothing). The listing runs on
    a thread of its own beside the updates, each at its own quota, so the page takes as long as the
    slower of the two, not their sum (the attachments do not depend on the status). None: thingNames
    stays None and ListPrincipalThings is never called.
    Output: the page's OutcomeCounts (only counts travel back to the state machine).
    Errors: TransientAwsError (the state retries the page), ValueError for a malformed execution_arn.
    """
    entries = [PageEntry.model_validate(item) for item in store.get_json(page_key)]
    counts = OutcomeCounts()
    outcomes = []
    lister = ThreadPoolExecutor(max_workers=1, thread_name_prefix="things")
    try:
        listed = None
        if things is not None:
            pace, context = things, contextvars.copy_context()  # the invocation's context, on the thread

            def list_things(entry: PageEntry) -> list[str]:
                arn = certificate_arn(execution_arn, entry.certificateId)
                return context.run(attached_things, iot, pace, arn)

            listed = lister.map(list_things, entries)
        for entry in entries:
            outcome = revoke_certificate(
                iot, pacer, entry, target=request.targetStatus, dry_run=request.dryRun
            ).model_copy(update={"foundBy": entry.foundBy, "issuedBy": entry.issuedBy})
            if listed is not None:  # in page order; raises the listing's error (TransientAwsError)
                outcome = outcome.model_copy(update={"thingNames": next(listed)})
            counts.add(outcome.outcome)
            outcomes.append(outcome.model_dump())
    finally:
        lister.shutdown(wait=True, cancel_futures=True)  # a failed page stops listing at once
    store.put_json(
        outcome_key(prefix, page_number),
        {"pageNumber": page_number, "counts": counts.as_report(), "outcomes": outcomes},
    )
    return counts
