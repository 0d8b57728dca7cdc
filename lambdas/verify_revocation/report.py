"""The report of VerifyRevocation: the per-page outcomes merged, and the Report assembled and written.

Layout of the objects read and written: docs/data-contract.md ("S3 layout"); the report's fields:
revocation_common.report_model.Report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from revocation_common.models import OutcomeCounts, PageEntry
from revocation_common.outcomes import unrecorded_outcome
from revocation_common.page_failures import PageFailure
from revocation_common.ports import ObjectMissing, ObjectStore
from revocation_common.report_model import (
    Report,
    ReportCa,
    ReportCounts,
    ReportEntry,
    ReportListing,
    ReportPageFailure,
    ReportScope,
    ReportScopeCa,
    Verification,
)
from revocation_common.scope_models import ScopeCa, ScopeCaState, VerifyInput
from revocation_common.store import outcome_key, page_key, report_key

from verify_revocation.things import AffectedThings

# The report in S3 keeps this many skipped/failed entries; the state output fewer
# (revocation_common.report_model.STATE_LIST_LIMIT). Every certificate's outcome is always in the
# outcomes/ objects the report points to.
REPORT_LIST_LIMIT = 10_000


@dataclass
class MergedOutcomes:
    """The per-page outcomes merged: counts (overall and per CA in scope), the skipped and failed entries,
    the ids excepted, the pages that had no outcomes object (404 NoSuchKey), and, when collected, the
    affected-Things rows (verify_revocation.things)."""

    counts: OutcomeCounts = field(default_factory=OutcomeCounts)
    per_ca: dict[str, OutcomeCounts] = field(default_factory=dict)
    skipped: list[ReportEntry] = field(default_factory=list)
    failed: list[ReportEntry] = field(default_factory=list)
    excepted_ids: set[str] = field(default_factory=set)
    seen_ids: set[str] = field(default_factory=set)
    missing_pages: int = 0
    things: AffectedThings | None = None


def merge_outcomes(
    store: ObjectStore,
    prefix: str,
    page_count: int,
    page_error: str,
    *,
    current: Mapping[str, str] | None = None,
    target: str = "REVOKED",
    dry_run: bool = False,
    page_failures: Sequence[PageFailure] = (),
    collect_things: bool = False,
) -> MergedOutcomes:
    """Read outcomes/{n}.json for every page and count every certificate in scope exactly once.

    A page without outcomes (S3 answers 404 NoSuchKey: its task failed after its retries) is settled
    certificate by certificate from ``current`` (certificateId -> status the re-discovery read from AWS
    IoT) with ``revocation_common.outcomes.unrecorded_outcome``: a certificate that reached the target
    counts REVOKED, one that cannot be changed SKIPPED, any other FAILED with the page's error (its
    page-failures/ record, else ``page_error``, the Map's error). An outcomes object that S3 refuses
    (403 AccessDenied) raises DeploymentError (revocation_common.aws.s3_store): never read as missing.
    ``collect_things``: also gather every certificate's affected-Things rows (``merged.things``).
    """
    merged = MergedOutcomes(things=AffectedThings() if collect_things else None)
    statuses = current or {}
    failures = {number: failure for failure in page_failures for number in failure.pages()}
    for number in range(page_count):
        try:
            outcomes = store.get_json(outcome_key(prefix, number))["outcomes"]
        except ObjectMissing:
            merged.missing_pages += 1
            failure = failures.get(number)
            error = f"{failure.error}: {failure.cause}" if failure else page_error
            reason = f"page {number} was not processed: {error or 'no outcome recorded'}"
            outcomes = []
            for item in store.get_json(page_key(prefix, number)):
                entry = PageEntry.model_validate(item)
                outcome = unrecorded_outcome(
                    entry.certificateId,
                    entry.status,
                    statuses.get(entry.certificateId),
                    target,
                    dry_run=dry_run,
                    reason=reason,
                )
                outcomes.append(
                    {**outcome.model_dump(), "foundBy": entry.foundBy, "issuedBy": entry.issuedBy}
                )
        for outcome in outcomes:
            if outcome["certificateId"] in merged.seen_ids:
                continue  # listed twice (pages shifting under a marker): counted once
            merged.seen_ids.add(outcome["certificateId"])
            if merged.things is not None:
                merged.things.add(outcome)
            merged.counts.add(outcome["outcome"])
            ca_id = outcome.get("issuedBy") or outcome.get("foundBy") or ""
            merged.per_ca.setdefault(ca_id, OutcomeCounts()).add(outcome["outcome"])
            if outcome["outcome"] == "SKIPPED":
                merged.excepted_ids.add(outcome["certificateId"])
                if len(merged.skipped) < REPORT_LIST_LIMIT:
                    merged.skipped.append(_entry(outcome))
            elif outcome["outcome"] == "FAILED" and len(merged.failed) < REPORT_LIST_LIMIT:
                merged.failed.append(_entry(outcome))
    return merged


def _entry(outcome: dict[str, Any]) -> ReportEntry:
    return ReportEntry(
        certificateId=outcome["certificateId"],
        status=outcome["statusAfter"] or outcome["statusBefore"],
        reason=outcome["reason"],
    )


def scope_block(
    states: Sequence[ScopeCaState],
    fresh_cas: Sequence[ScopeCa],
    merged: MergedOutcomes,
    *,
    unlinked_scanned: int,
    unlinked_in_scope: int,
    scan_unlinked: bool = True,
) -> ReportScope:
    """The report's ``scope``: every CA of the first discovery (DeactivateCas' states, named first), then
    any CA that only the re-discovery found (e.g. registered during the run), with the statuses the
    re-discovery read and the outcome counts of the certificates counted under each."""
    fresh = {ca.caCertificateId: ca for ca in fresh_cas}
    rows: list[ReportScopeCa] = []
    known = set()
    for state in states:
        known.add(state.caCertificateId)
        now = fresh.get(state.caCertificateId)
        rows.append(
            ReportScopeCa(
                caCertificateId=state.caCertificateId,
                relation=state.relation,
                issuedBy=state.issuedBy,
                registered=state.registered,
                statusBefore=state.statusBefore,
                statusAfter=now.status if now else "",
                autoRegistrationStatusAfter=now.autoRegistrationStatus if now else "",
                certificates=ReportCounts(
                    **merged.per_ca.get(state.caCertificateId, OutcomeCounts()).as_report()
                ),
            )
        )
    for ca in fresh_cas:
        if ca.caCertificateId in known:
            continue
        rows.append(
            ReportScopeCa(
                caCertificateId=ca.caCertificateId,
                relation=ca.relation,
                issuedBy=ca.issuedBy,
                registered=ca.registered,
                statusBefore="",
                statusAfter=ca.status,
                autoRegistrationStatusAfter=ca.autoRegistrationStatus,
                certificates=ReportCounts(**OutcomeCounts().as_report()),
            )
        )
    return ReportScope(
        cas=rows,
        scanUnlinked=scan_unlinked,
        unlinkedScanned=unlinked_scanned,
        unlinkedInScope=unlinked_in_scope,
        changed=merged.counts.revoked,
    )


def assemble_report(
    event: VerifyInput,
    merged: MergedOutcomes,
    *,
    ca_after: tuple[str, str],
    verification: Verification,
    page_error: str,
    scope: ReportScope | None = None,
    page_failures: Sequence[PageFailure] = (),
    affected_things_location: str | None = None,
) -> Report:
    """The Report of this execution from its input, the merged outcomes and the verification.

    ``ca_after``: the named CA's (status, autoRegistrationStatus) as the re-discovery read them.
    ``affected_things_location``: the s3:// URL of the affected-Things CSV (None: the Things were not
    listed; affectedThings is then None too).
    """
    request, ctx = event.request, event.context
    revocation_error = page_error or (
        f"{page_failures[0].error}: {page_failures[0].cause}" if page_failures else ""
    )
    return Report(
        executionArn=ctx.executionArn,
        status="SUCCEEDED" if verification.verified else "FAILED",
        caCertificateId=request.caCertificateId,
        dryRun=request.dryRun,
        targetStatus=request.targetStatus,
        reason=request.reason,
        incidentId=request.incidentId,
        source=request.source,
        ca=ReportCa(
            statusBefore=event.ca.statusBefore,
            statusAfter=ca_after[0],
            autoRegistrationStatusBefore=event.ca.autoRegistrationStatusBefore,
            autoRegistrationStatusAfter=ca_after[1],
        ),
        certificates=ReportCounts(**merged.counts.as_report()),
        skippedCertificates=merged.skipped,
        failedCertificates=merged.failed,
        verification=verification,
        listing=ReportListing(pageCount=event.discovery.pageCount, invocations=event.discovery.invocations),
        reportLocation=f"s3://{ctx.reportBucket}/{report_key(ctx.reportPrefix)}",
        outcomesLocation=f"s3://{ctx.reportBucket}/{ctx.reportPrefix}outcomes/",
        startedAt=ctx.startTime,
        revocationError=revocation_error[:2000] if revocation_error else None,
        scope=scope,
        failedPages=[
            ReportPageFailure(
                pageNumber=failure.pageNumber,
                pageKey=failure.pageKey,
                error=failure.error,
                cause=failure.cause[:2000],
            )
            for failure in page_failures
        ],
        registeredAfter=request.registeredAfter,
        expectedRevocation=event.discovery.expectedRevocation,
        affectedThings=(
            len(merged.things.names) if merged.things is not None and affected_things_location else None
        ),
        affectedThingsLocation=affected_things_location,
    )


def write_report(store: ObjectStore, prefix: str, report: Report) -> None:
    """PutObject ``report.json`` under the execution's prefix."""
    store.put_json(report_key(prefix), report.document())
