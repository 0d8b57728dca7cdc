"""The SNS notification text of a run: the verified (or not) report of VerifyRevocation, and the failure
message of SummarizeFailure. Plain text a person reads at a glance (README, "The report").

Source: Amazon SNS API reference, Publish (Subject at most 100 characters).
"""

from __future__ import annotations

import json
import re
from typing import Any

from revocation_common.report_model import Report
from revocation_common.vocabulary import RESTORE_STATE_MACHINE_SUFFIX


def mode_label(dry_run: bool, target_status: str) -> str:
    """How a run treats the certificates, in words: "DRY RUN (nothing changed)" or "ENFORCE (target X)"."""
    return "DRY RUN (nothing changed)" if dry_run else f"ENFORCE (target {target_status})"


def _lines(rows: list[tuple[str, str]]) -> list[str]:
    return [f"{label + ':':<17}{value}" for label, value in rows]


def outcome_words(dry_run: bool, target_status: str) -> str:
    """What the run did to the certificates, in words: "dry run", "quarantined" (target INACTIVE, a
    reversible quarantine) or "revoked"."""
    if dry_run:
        return "dry run"
    return "quarantined" if target_status == "INACTIVE" else "revoked"


def notification(report: Report, console_link: str) -> dict[str, str]:
    """An SNS message a person reads at a glance: CA, mode, counts (the number changed first, whatever the
    target), the CAs in scope with their counts, verified or not, where the report is.

    A dry run reads "dry run CHECKED" / "NOT CHECKED", never "VERIFIED" (it changed nothing);
    a run with target INACTIVE is announced as quarantined, not revoked.
    Output: {"subject" (at most 100 characters, the SNS limit), "message"}.
    """
    counts = report.certificates
    verification = report.verification
    if report.dryRun:
        verdict = "CHECKED" if verification.verified else "NOT CHECKED"
    else:
        verdict = "VERIFIED" if verification.verified else "NOT VERIFIED"
    mode = outcome_words(report.dryRun, report.targetStatus)
    subject = (
        f"IoT CA {mode} {verdict}: {report.caCertificateId[:12]} ({counts.revoked} changed of {counts.total})"
    )
    headline = f"IoT CA revocation {'DRY RUN ' if report.dryRun else ''}{verdict}"
    rows = [
        ("CA certificate", report.caCertificateId),
        ("Mode", mode_label(report.dryRun, report.targetStatus)),
        (
            "CA status",
            f"{report.ca.statusBefore or '-'} -> {report.ca.statusAfter or '-'} "
            f"(auto-registration {report.ca.autoRegistrationStatusAfter or '-'})",
        ),
        (
            "Certificates",
            f"{counts.revoked} changed now ({mode}), {counts.total} total, "
            f"{counts.alreadyRevoked} already at target, "
            f"{counts.skipped} skipped, {counts.failed} failed",
        ),
    ]
    if report.scope is not None:
        for ca in report.scope.cas:
            c = ca.certificates
            where = "registered" if ca.registered else "not registered here"
            via = f", issued by {ca.issuedBy[:12]}" if ca.issuedBy else ""
            rows.append(
                (
                    f"CA {ca.relation}",
                    f"{ca.caCertificateId[:12]} ({where}{via}): {ca.statusBefore or '-'} -> "
                    f"{ca.statusAfter or '-'}; {c.total} certificates, {c.revoked} changed, "
                    f"{c.alreadyRevoked} already, {c.skipped} skipped, {c.failed} failed",
                )
            )
        rows.append(
            (
                "Issuer scan",
                f"{report.scope.unlinkedScanned} unlinked certificates described, "
                f"{report.scope.unlinkedInScope} in scope",
            )
        )
    if report.registeredAfter is not None:
        rows.append(("Registered after", f"{report.registeredAfter} (revoked first)"))
    if report.expectedRevocation is not None:
        rows.append(("Expected time", report.expectedRevocation.sentence()))
    if report.failedPages:
        rows.append(("Failed pages", ", ".join(str(page.pageNumber) for page in report.failedPages)))
    rows += [
        ("Remaining", json.dumps(verification.remaining)),
        ("Started by", report.source or "-"),
        ("Incident", report.incidentId or "-"),
        ("Reason", report.reason or "-"),
        ("Report", report.reportLocation),
        ("Execution", report.executionArn),
    ]
    if console_link:
        rows.append(("Console", console_link))
    message = "\n".join([headline, "", *_lines(rows)])
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

    Input: the state data at the failure ($.error {Error, Cause}; $.request, $.ca, $.discovery when the
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
    parts = execution_arn.split(":")
    restoring = len(parts) > 6 and parts[6].endswith(RESTORE_STATE_MACHINE_SUFFIX)
    what = "IoT CA quarantine restore" if restoring else "IoT CA revocation"
    if name == "RevocationAlreadyInProgress":
        headline = f"{what} NOT STARTED: another execution is already working on this CA"
        subject = f"{what} already in progress: {ca_id[:12]}"
    elif request is None:
        headline = f"{what} REFUSED: the input names no valid request; nothing was changed"
        subject = f"{what} refused: {name}"
    else:
        headline = f"{what} FAILED"
        subject = f"{what} FAILED: {ca_id[:12]} ({name})"
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
    discovery = state.get("discovery")
    if isinstance(discovery, dict) and discovery.get("certificateCount") is not None:
        done = "complete" if discovery.get("complete") else "incomplete"
        rows.append(
            (
                "Certificates",
                f"{discovery['certificateCount']} in scope ({done} discovery, "
                f"{discovery.get('casInScope', 0)} CAs in scope)",
            )
        )
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
