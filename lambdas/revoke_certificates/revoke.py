"""Revocation of the certificates of one page.

Source: AWS IoT API reference, UpdateCertificate ("REVOKED ... cannot be changed"; a certificate in
PENDING_TRANSFER cannot be updated: CertificateStateException), DescribeCertificate, ListPrincipalThings
(the Things of each certificate, listed beside the updates: revocation_common.things).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from revocation_common.errors import TransientAwsError
from revocation_common.models import CanonicalRequest, CertificateOutcome, OutcomeCounts, PageEntry
from revocation_common.outcomes import settled_outcome
from revocation_common.pacing import RatePacer, child_pacer
from revocation_common.ports import IotPort, ObjectMissing, ObjectStore, UpdateRefused
from revocation_common.store import outcome_key, page_key
from revocation_common.things import attached_things, certificate_arn

T = TypeVar("T")

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


def _contexts(entries: list[PageEntry]) -> list[contextvars.Context]:
    """A copy of the invocation's context per call, made on its own thread (logger keys, the emulator's
    tracking): a pool thread runs each call in one, since one context cannot be entered by two threads."""
    return [contextvars.copy_context() for _ in entries]


def _in_context(call: Callable[[PageEntry], T]) -> Callable[[PageEntry, contextvars.Context], T]:
    return lambda entry, context: context.run(call, entry)


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
    threads: int = 1,
    things_threads: int = 1,
) -> OutcomeCounts:
    """Process one page: read it from S3, settle each certificate, write ``outcomes/{n:06d}.json``.

    Each outcome keeps the entry's foundBy/issuedBy (how discovery found it, for the report's per-CA counts).
    ``things``: when given (cdk.json listAffectedThings), each certificate's Things are listed
    (ListPrincipalThings of its ARN in ``execution_arn``'s partition, Region and account, paced by this
    pacer) into the outcome's thingNames; a dry run lists too (it changes nothing). The listing runs on
    a thread of its own beside the updates, each at its own quota, so the page takes as long as the
    slower of the two, not their sum (the attachments do not depend on the status). None: thingNames
    stays None and ListPrincipalThings is never called.
    ``threads``/``things_threads``: calls in flight (revocation_common.pacing.threads_for). 1: every
    update on the invocation's own thread, in page order; more: the updates run on a pool, each still
    waiting on ``pacer`` for its slot, and the outcomes keep page order.
    Output: the page's OutcomeCounts (only counts travel back to the state machine).
    Errors: TransientAwsError (the state retries the page), ValueError for a malformed execution_arn.
    """
    entries = [PageEntry.model_validate(item) for item in store.get_json(page_key)]
    counts = OutcomeCounts()
    outcomes = []
    target, dry_run = request.targetStatus, request.dryRun
    lister = ThreadPoolExecutor(max_workers=max(1, things_threads), thread_name_prefix="things")
    updater = (
        ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="updates") if threads > 1 else None
    )
    try:
        listed = None
        if things is not None:
            pace = things

            def list_things(entry: PageEntry) -> list[str]:
                arn = certificate_arn(execution_arn, entry.certificateId)
                return attached_things(iot, pace, arn)

            listed = lister.map(_in_context(list_things), entries, _contexts(entries))

        def settle(entry: PageEntry) -> CertificateOutcome:
            return revoke_certificate(iot, pacer, entry, target=target, dry_run=dry_run)

        settled = (
            map(settle, entries)
            if updater is None
            else updater.map(_in_context(settle), entries, _contexts(entries))
        )
        for entry, result in zip(entries, settled, strict=True):
            outcome = result.model_copy(update={"foundBy": entry.foundBy, "issuedBy": entry.issuedBy})
            if listed is not None:  # in page order; raises the listing's error (TransientAwsError)
                outcome = outcome.model_copy(update={"thingNames": next(listed)})
            counts.add(outcome.outcome)
            outcomes.append(outcome.model_dump())
    finally:
        if updater is not None:
            updater.shutdown(wait=True, cancel_futures=True)
        lister.shutdown(wait=True, cancel_futures=True)  # a failed page stops listing at once
    store.put_json(
        outcome_key(prefix, page_number),
        {"pageNumber": page_number, "counts": counts.as_report(), "outcomes": outcomes},
    )
    return counts


def revoke_batch(
    iot: IotPort,
    store: ObjectStore,
    pacer: RatePacer,
    *,
    request: CanonicalRequest,
    prefix: str,
    page_numbers: Sequence[int],
    things: RatePacer | None = None,
    execution_arn: str = "",
    threads: int = 1,
    things_threads: int = 1,
) -> OutcomeCounts:
    """Process the pages of one batch in order, on the one ``pacer`` (as ``revoke_page`` each).

    A page whose outcomes object exists was finished by an earlier attempt of this batch (the state
    retries the whole batch after a TransientAwsError): its counts are read back, it is not revoked again.
    A page that raises TransientAwsError does not hold up the pages after it: they are revoked, then the
    first such error is raised, so the retry (or, retries exhausted, the page-failure record) is about
    the unfinished pages only.
    Output: the batch's OutcomeCounts. Errors: TransientAwsError, as revoke_page.
    """
    counts = OutcomeCounts()
    unfinished: TransientAwsError | None = None
    for number in page_numbers:
        try:
            done = store.get_json(outcome_key(prefix, number))
        except ObjectMissing:
            done = None
        if done is not None:
            counts.merge(OutcomeCounts.model_validate(done["counts"]))
            continue
        try:
            page_counts = revoke_page(
                iot,
                store,
                pacer,
                request=request,
                prefix=prefix,
                page_key=page_key(prefix, number),
                page_number=number,
                things=things,
                execution_arn=execution_arn,
                threads=threads,
                things_threads=things_threads,
            )
        except TransientAwsError as error:
            unfinished = unfinished or error
            continue
        counts.merge(page_counts)
    if unfinished is not None:
        raise unfinished
    return counts
