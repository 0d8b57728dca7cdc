"""The report of VerifyRevocation: the per-page outcomes merged, and the Report assembled and written.

Layout of the objects read and written: docs/data-contract.md ("S3 layout"); the report's fields:
revocation_common.report_model.Report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from revocation_common.models import OutcomeCounts, VerifyInput
from revocation_common.outcomes import unrecorded_outcome
from revocation_common.ports import ObjectMissing, ObjectStore
from revocation_common.report_model import (
    Report,
    ReportCa,
    ReportCounts,
    ReportEntry,
    ReportListing,
    Verification,
)
from revocation_common.store import outcome_key, page_key, report_key

# The report in S3 keeps this many skipped/failed entries; the state output fewer
# (revocation_common.report_model.STATE_LIST_LIMIT). Every certificate's outcome is always in the
# outcomes/ objects the report points to.
REPORT_LIST_LIMIT = 10_000


@dataclass
class MergedOutcomes:
    """The per-page outcomes merged: counts, the skipped and failed entries, and the ids excepted."""

    counts: OutcomeCounts = field(default_factory=OutcomeCounts)
    skipped: list[ReportEntry] = field(default_factory=list)
    failed: list[ReportEntry] = field(default_factory=list)
    excepted_ids: set[str] = field(default_factory=set)
    missing_pages: int = 0


def merge_outcomes(
    store: ObjectStore,
    prefix: str,
    page_count: int,
    page_error: str,
    *,
    current: dict[str, str] | None = None,
    target: str = "REVOKED",
    dry_run: bool = False,
) -> MergedOutcomes:
    """Read outcomes/{n}.json for every page and count every listed certificate exactly once.

    A page without outcomes (its task failed after its retries; ``page_error`` is the Map's error) is
    settled certificate by certificate from ``current`` (certificateId -> status read now, from the
    fresh listing) with ``revocation_common.outcomes.unrecorded_outcome``: a certificate that reached
    the target counts REVOKED, one that cannot be changed SKIPPED, any other FAILED with the error.
    So a task that crashed after revoking part of its page is reported as it is, not as all failed.
    """
    merged = MergedOutcomes()
    statuses = current or {}
    for number in range(page_count):
        try:
            outcomes = store.get_json(outcome_key(prefix, number))["outcomes"]
        except ObjectMissing:
            merged.missing_pages += 1
            reason = f"page {number} was not processed: {page_error or 'no outcome recorded'}"
            outcomes = [
                unrecorded_outcome(
                    entry["certificateId"],
                    entry["status"],
                    statuses.get(entry["certificateId"]),
                    target,
                    dry_run=dry_run,
                    reason=reason,
                ).model_dump()
                for entry in store.get_json(page_key(prefix, number))
            ]
        for outcome in outcomes:
            merged.counts.add(outcome["outcome"])
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


def assemble_report(
    event: VerifyInput,
    merged: MergedOutcomes,
    *,
    ca_after: tuple[str, str],
    verification: Verification,
    page_error: str,
) -> Report:
    """The Report of this execution from its input, the merged outcomes and the verification.

    ``ca_after``: the CA's (status, autoRegistrationStatus) re-read now.
    """
    request, ctx = event.request, event.context
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
        listing=ReportListing(pageCount=event.listing.pageCount, invocations=event.listing.invocations),
        reportLocation=f"s3://{ctx.reportBucket}/{report_key(ctx.reportPrefix)}",
        outcomesLocation=f"s3://{ctx.reportBucket}/{ctx.reportPrefix}outcomes/",
        startedAt=ctx.startTime,
        revocationError=page_error[:2000] if page_error else None,
    )


def write_report(store: ObjectStore, prefix: str, report: Report) -> None:
    """PutObject ``report.json`` under the execution's prefix."""
    store.put_json(report_key(prefix), report.document())
