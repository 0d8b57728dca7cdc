"""Verification of the end state: AWS IoT re-read, the outcomes merged, the verdict and the report.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate" (DescribeCACertificate to see the CA's
status; ListCertificatesByCA to find the certificates it signed).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from revocation_common.models import VerifyInput
from revocation_common.pacing import RatePacer
from revocation_common.ports import IotPort, ObjectStore
from revocation_common.report_model import Report, Verification

from verify_revocation.report import MergedOutcomes, assemble_report, merge_outcomes, write_report


def fresh_listing(iot: IotPort, pacer: RatePacer, ca_certificate_id: str) -> list[tuple[str, str]]:
    """Every (certificateId, status) ListCertificatesByCA reports now for the CA."""
    found: list[tuple[str, str]] = []
    marker: str | None = None
    while True:
        pacer.wait()
        page = iot.list_certificate_page(ca_certificate_id, marker)
        found.extend((entry.certificateId, entry.status) for entry in page.certificates)
        marker = page.next_marker
        if marker is None:
            return found


def verify_end_state(
    event: VerifyInput,
    merged: MergedOutcomes,
    *,
    ca_after: tuple[str, str],
    listed_now: list[tuple[str, str]],
    now: datetime | None = None,
) -> Verification:
    """The verdict.

    verified (enforcing run): the CA is INACTIVE with auto-registration DISABLE, no certificate FAILED,
    and the fresh listing shows no certificate of the CA in a status other than the target except those
    reported SKIPPED with their reason.
    verified (dry run): nothing was changed and every certificate listed now was in the plan.
    """
    target = event.request.targetStatus
    remaining = Counter(status for _, status in listed_now if status != target)
    unaccounted = sum(1 for cid, status in listed_now if status != target and cid not in merged.excepted_ids)
    ca_inactive = ca_after[0] == "INACTIVE"
    auto_disabled = ca_after[1] == "DISABLE"
    if event.request.dryRun:
        verified = (
            merged.counts.total == event.listing.certificateCount
            and len(listed_now) == event.listing.certificateCount
            and merged.counts.revoked == 0
            and not event.ca.changed
        )
    else:
        verified = ca_inactive and auto_disabled and merged.counts.failed == 0 and unaccounted == 0
    return Verification(
        verified=verified,
        caInactive=ca_inactive,
        autoRegistrationDisabled=auto_disabled,
        listedCertificates=len(listed_now),
        remaining=dict(sorted(remaining.items())),
        unaccounted=unaccounted,
        missingPages=merged.missing_pages,
        checkedAt=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
    )


def build_report(iot: IotPort, store: ObjectStore, pacer: RatePacer, event: VerifyInput) -> Report:
    """Re-read AWS IoT, merge the outcomes, write ``report.json`` to ``store``; return the full report.

    Errors: CaNotFound, TransientAwsError (from ``iot``).
    """
    request, ctx = event.request, event.context
    ca_after = iot.describe_ca(request.caCertificateId)
    page_error = ""
    if "Error" in event.revocation:
        page_error = f"{event.revocation.get('Error')}: {event.revocation.get('Cause', '')}"
    listed_now = fresh_listing(iot, pacer, request.caCertificateId)
    merged = merge_outcomes(
        store,
        ctx.reportPrefix,
        event.listing.pageCount,
        page_error,
        current=dict(listed_now),
        target=request.targetStatus,
        dry_run=request.dryRun,
    )
    verification = verify_end_state(event, merged, ca_after=ca_after, listed_now=listed_now)
    report = assemble_report(
        event, merged, ca_after=ca_after, verification=verification, page_error=page_error
    )
    write_report(store, ctx.reportPrefix, report)
    return report
