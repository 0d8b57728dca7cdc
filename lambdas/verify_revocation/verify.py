"""Verification of the end state and the report.

Source: AWS IoT Developer Guide, "Deactivate a CA certificate" (DescribeCACertificate to see the CA's
status; ListCertificatesByCA to find the certificates it signed).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from revocation_common.aws_errors import error_code
from revocation_common.iot_calls import describe_ca, list_certificate_page
from revocation_common.models import OutcomeCounts, VerifyInput
from revocation_common.outcomes import unrecorded_outcome
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


def merge_outcomes(
    s3: Any,
    bucket: str,
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
            outcomes = get_json(s3, bucket, outcome_key(prefix, number))["outcomes"]
        except ClientError as error:
            if error_code(error) not in ("NoSuchKey", "404"):
                raise
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
    listed_now = fresh_listing(iot, pacer, request.caCertificateId)
    merged = merge_outcomes(
        s3,
        ctx.reportBucket,
        ctx.reportPrefix,
        event.listing.pageCount,
        page_error,
        current=dict(listed_now),
        target=target,
        dry_run=request.dryRun,
    )
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


def mode_label(dry_run: bool, target_status: str) -> str:
    """How a run treats the certificates, in words: "DRY RUN (nothing changed)" or "ENFORCE (target X)"."""
    return "DRY RUN (nothing changed)" if dry_run else f"ENFORCE (target {target_status})"


def _lines(rows: list[tuple[str, str]]) -> list[str]:
    return [f"{label + ':':<17}{value}" for label, value in rows]


def notification(report: dict[str, Any], console_link: str) -> dict[str, str]:
    """An SNS message a person reads at a glance: CA, mode, counts, verified or not, where the report is.

    Output: {"subject" (at most 100 characters, the SNS limit), "message"}.
    """
    counts = report["certificates"]
    verification = report["verification"]
    verdict = "VERIFIED" if verification["verified"] else "NOT VERIFIED"
    mode = "dry run" if report["dryRun"] else "revoked"
    subject = f"IoT CA {mode} {verdict}: {report['caCertificateId'][:12]} ({counts['total']} certificates)"
    rows = [
        ("CA certificate", report["caCertificateId"]),
        ("Mode", mode_label(report["dryRun"], report["targetStatus"])),
        (
            "CA status",
            f"{report['ca']['statusBefore']} -> {report['ca']['statusAfter']} "
            f"(auto-registration {report['ca']['autoRegistrationStatusAfter']})",
        ),
        (
            "Certificates",
            f"{counts['total']} total, {counts['revoked']} changed now, "
            f"{counts['alreadyRevoked']} already at "
            f"target, {counts['skipped']} skipped, {counts['failed']} failed",
        ),
        ("Remaining", json.dumps(verification["remaining"])),
        ("Started by", report.get("source", "") or "-"),
        ("Incident", report["incidentId"] or "-"),
        ("Reason", report["reason"] or "-"),
        ("Report", report["reportLocation"]),
        ("Execution", report["executionArn"]),
    ]
    if console_link:
        rows.append(("Console", console_link))
    message = "\n".join([f"IoT CA revocation {verdict}", "", *_lines(rows)])
    return {"subject": subject[:100], "message": message}


_REPORT_URL = re.compile(r"s3://[a-z0-9.\-]+/\S+?report\.json")


def error_detail(cause: str) -> str:
    """The human part of a Step Functions error cause.

    A Lambda error's cause is the JSON {"errorMessage", "errorType", "stackTrace"}: only errorMessage is
    kept (a stack trace does not belong in an e-mail). Other causes are kept as they are.
    """
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        return str(parsed["errorMessage"])
    return cause


def failure_notification(state: dict[str, Any], execution_arn: str) -> dict[str, str]:
    """The SNS message of an execution that ends in failure, from whatever state data it reached.

    Input: the state data at the failure ($.error {Error, Cause}; $.request, $.ca, $.listing when the
    execution got that far) and the executionArn.
    Output: {"subject" (at most 100 characters), "message"}: CA, mode, error and its message, the CA
    status and counts known so far, the report's location (VerificationFailed writes one), console link.
    """
    raw_error = state.get("error")
    error: dict[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    name = str(error.get("Error", "") or "Unknown")
    detail = error_detail(str(error.get("Cause", "") or ""))
    raw_request = state.get("request")
    request: dict[str, Any] | None = raw_request if isinstance(raw_request, dict) else None
    ca_id = str(request["caCertificateId"]) if request else ""
    if name == "RevocationAlreadyInProgress":
        headline = "IoT CA revocation NOT STARTED: another execution is already revoking this CA"
        subject = f"IoT CA revocation already in progress: {ca_id[:12]}"
    elif request is None:
        headline = "IoT CA revocation REFUSED: the input names no valid request; nothing was changed"
        subject = f"IoT CA revocation refused: {name}"
    else:
        headline = "IoT CA revocation FAILED"
        subject = f"IoT CA revocation FAILED: {ca_id[:12]} ({name})"
    rows: list[tuple[str, str]] = []
    if request:
        rows += [
            ("CA certificate", ca_id),
            ("Mode", mode_label(bool(request.get("dryRun")), str(request.get("targetStatus", "")))),
        ]
    rows += [("Error", name), ("Detail", detail[:2000] or "-")]
    ca = state.get("ca")
    if isinstance(ca, dict) and "statusBefore" in ca:
        rows.append(("CA status", f"{ca['statusBefore']} -> {ca.get('statusAfter', '?')}"))
    listing = state.get("listing")
    if isinstance(listing, dict) and listing.get("certificateCount") is not None:
        done = "complete" if listing.get("complete") else "incomplete"
        rows.append(("Certificates", f"{listing['certificateCount']} listed ({done} listing)"))
    report = _REPORT_URL.search(detail)
    rows.append(("Report", report.group(0) if report else "none written"))
    if request:
        rows += [
            ("Started by", str(request.get("source", "")) or "-"),
            ("Incident", str(request.get("incidentId", "")) or "-"),
        ]
    rows.append(("Execution", execution_arn))
    link = console_link(execution_arn)
    if link:
        rows.append(("Console", link))
    return {"subject": subject[:100], "message": "\n".join([headline, "", *_lines(rows)])}


def console_link(execution_arn: str) -> str:
    """The Step Functions console page of the execution (empty for a malformed ARN)."""
    parts = execution_arn.split(":")
    if len(parts) < 4 or not parts[3]:
        return ""
    region = parts[3]
    return f"https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{execution_arn}"
