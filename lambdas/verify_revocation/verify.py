"""Verification of the end state and the report.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate" (DescribeCACertificate to see the CA's
status; ListCertificatesByCA to find the certificates it signed).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from revocation_common.aws_errors import error_code
from revocation_common.iot_calls import describe_ca, list_certificate_page
from revocation_common.models import OutcomeCounts, VerifyInput
from revocation_common.pacing import RatePacer
from revocation_common.store import get_json, outcome_key, page_key, put_json, report_key

# The report in S3 keeps this many skipped/failed entries; the state output (256 KiB limit) fewer.
# Every certificate's outcome is always in the outcomes/ objects the report points to.
REPORT_LIST_LIMIT = 10_000
STATE_LIST_LIMIT = 50


@dataclass
class MergedOutcomes:
    """The per-page outcomes merged: counts, the skipped and failed entries, and the ids excepted."""

    counts: OutcomeCounts = field(default_factory=OutcomeCounts)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    excepted_ids: set[str] = field(default_factory=set)
    missing_pages: int = 0


def merge_outcomes(s3: Any, bucket: str, prefix: str, page_count: int, page_error: str) -> MergedOutcomes:
    """Read outcomes/{n}.json for every page; a page without one counts each of its certificates FAILED.

    ``page_error`` is the Map's error (if any), given as the reason of those certificates. Nothing is
    lost: every listed certificate is counted once.
    """
    merged = MergedOutcomes()
    for number in range(page_count):
        try:
            outcomes = get_json(s3, bucket, outcome_key(prefix, number))["outcomes"]
        except ClientError as error:
            if error_code(error) not in ("NoSuchKey", "404"):
                raise
            merged.missing_pages += 1
            outcomes = [
                {
                    "certificateId": entry["certificateId"],
                    "statusBefore": entry["status"],
                    "statusAfter": entry["status"],
                    "outcome": "FAILED",
                    "reason": f"page {number} was not processed: {page_error or 'no outcome recorded'}"[:500],
                }
                for entry in get_json(s3, bucket, page_key(prefix, number))
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


def _entry(outcome: dict[str, Any]) -> dict[str, Any]:
    return {
        "certificateId": outcome["certificateId"],
        "status": outcome["statusAfter"] or outcome["statusBefore"],
        "reason": outcome["reason"],
    }


def fresh_listing(iot: Any, pacer: RatePacer, ca_certificate_id: str) -> list[tuple[str, str]]:
    """Every (certificateId, status) ListCertificatesByCA reports now for the CA."""
    found: list[tuple[str, str]] = []
    marker: str | None = None
    while True:
        pacer.wait()
        response = list_certificate_page(iot, ca_certificate_id, marker)
        found.extend((c["certificateId"], c["status"]) for c in response.get("certificates", []))
        marker = response.get("nextMarker") or None
        if marker is None:
            return found


def build_report(iot: Any, s3: Any, pacer: RatePacer, event: VerifyInput) -> dict[str, Any]:
    """Re-read AWS IoT, merge the outcomes, write ``report.json``; return the full report.

    verified (enforcing run): the CA is INACTIVE with auto-registration DISABLE, no certificate FAILED,
    and the fresh listing shows no certificate of the CA in a status other than the target except those
    reported SKIPPED with their reason.
    verified (dry run): nothing was changed and every certificate listed now was in the plan.
    """
    request, ctx = event.request, event.context
    target = request.targetStatus
    status_after, auto_after = describe_ca(iot, request.caCertificateId)
    page_error = ""
    if "Error" in event.revocation:
        page_error = f"{event.revocation.get('Error')}: {event.revocation.get('Cause', '')}"
    merged = merge_outcomes(s3, ctx.reportBucket, ctx.reportPrefix, event.listing.pageCount, page_error)
    listed_now = fresh_listing(iot, pacer, request.caCertificateId)
    remaining = Counter(status for _, status in listed_now if status != target)
    unaccounted = sum(1 for cid, status in listed_now if status != target and cid not in merged.excepted_ids)
    ca_inactive = status_after == "INACTIVE"
    auto_disabled = auto_after == "DISABLE"
    if request.dryRun:
        verified = (
            merged.counts.total == event.listing.certificateCount
            and len(listed_now) == event.listing.certificateCount
            and merged.counts.revoked == 0
            and not event.ca.changed
        )
    else:
        verified = ca_inactive and auto_disabled and merged.counts.failed == 0 and unaccounted == 0
    location = f"s3://{ctx.reportBucket}/{report_key(ctx.reportPrefix)}"
    report: dict[str, Any] = {
        "executionArn": ctx.executionArn,
        "status": "SUCCEEDED" if verified else "FAILED",
        "caCertificateId": request.caCertificateId,
        "dryRun": request.dryRun,
        "targetStatus": target,
        "reason": request.reason,
        "incidentId": request.incidentId,
        "source": request.source,
        "ca": {
            "statusBefore": event.ca.statusBefore,
            "statusAfter": status_after,
            "autoRegistrationStatusBefore": event.ca.autoRegistrationStatusBefore,
            "autoRegistrationStatusAfter": auto_after,
        },
        "certificates": merged.counts.as_report(),
        "skippedCertificates": merged.skipped,
        "failedCertificates": merged.failed,
        "verification": {
            "verified": verified,
            "caInactive": ca_inactive,
            "autoRegistrationDisabled": auto_disabled,
            "listedCertificates": len(listed_now),
            "remaining": dict(sorted(remaining.items())),
            "unaccounted": unaccounted,
            "missingPages": merged.missing_pages,
            "checkedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        "listing": {"pageCount": event.listing.pageCount, "invocations": event.listing.invocations},
        "reportLocation": location,
        "outcomesLocation": f"s3://{ctx.reportBucket}/{ctx.reportPrefix}outcomes/",
        "startedAt": ctx.startTime,
    }
    if page_error:
        report["revocationError"] = page_error[:2000]
    put_json(s3, ctx.reportBucket, report_key(ctx.reportPrefix), report)
    return report


def state_output(report: dict[str, Any]) -> dict[str, Any]:
    """The report cut to fit the 256 KiB state payload: lists keep their first STATE_LIST_LIMIT entries."""
    small = dict(report)
    for name in ("skippedCertificates", "failedCertificates"):
        entries = report[name]
        small[name] = entries[:STATE_LIST_LIMIT]
        if len(entries) > STATE_LIST_LIMIT:
            small[f"{name}Truncated"] = True
    return small


def notification(report: dict[str, Any], console_link: str) -> dict[str, str]:
    """An SNS message a person reads at a glance: CA, mode, counts, verified or not, where the report is."""
    counts = report["certificates"]
    verification = report["verification"]
    mode = "DRY RUN (nothing changed)" if report["dryRun"] else f"ENFORCE (target {report['targetStatus']})"
    verdict = "VERIFIED" if verification["verified"] else "NOT VERIFIED"
    subject = f"IoT CA revocation {verdict}: {report['caCertificateId'][:12]}"
    lines = [
        f"IoT CA revocation {verdict}",
        "",
        f"CA certificate:  {report['caCertificateId']}",
        f"Mode:            {mode}",
        f"CA status:       {report['ca']['statusBefore']} -> {report['ca']['statusAfter']} "
        f"(auto-registration {report['ca']['autoRegistrationStatusAfter']})",
        f"Certificates:    {counts['total']} total, {counts['revoked']} changed now, "
        f"{counts['alreadyRevoked']} already at target, {counts['skipped']} skipped, "
        f"{counts['failed']} failed",
        f"Remaining:       {json.dumps(verification['remaining'])}",
        f"Incident:        {report['incidentId'] or '-'}   Reason: {report['reason'] or '-'}",
        f"Report:          {report['reportLocation']}",
        f"Execution:       {report['executionArn']}",
    ]
    if console_link:
        lines.append(f"Console:         {console_link}")
    return {"subject": subject[:100], "message": "\n".join(lines)}


def console_link(execution_arn: str) -> str:
    """The Step Functions console page of the execution (empty for a malformed ARN)."""
    parts = execution_arn.split(":")
    if len(parts) < 4 or not parts[3]:
        return ""
    region = parts[3]
    return f"https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{execution_arn}"
