"""Rendering of a report for a person (rich) or a machine (--json)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from cli.workflow import ExecutionResult, error_message


def report_document(result: ExecutionResult) -> dict[str, Any]:
    """What --json prints: the report, or for a run without one, the execution's status and error."""
    if result.report is not None:
        return result.report
    return {
        "executionArn": result.execution_arn,
        "status": result.status,
        "error": result.error,
        "cause": error_message(result.cause),
        **result.extra,
    }


def print_json(result: ExecutionResult, console: Console) -> None:
    console.print_json(json.dumps(report_document(result), sort_keys=True), highlight=False)


def scan_summary(scope: dict[str, Any]) -> str:
    """The issuer scan in one line: off, or how many CA-less certificates it described and found in scope
    (the report's scope.unlinkedScanned / scope.unlinkedInScope, docs/data-contract.md)."""
    if scope.get("scanUnlinked") is False:
        return "off (scanUnlinked false): certificates registered without a CA were not examined"
    return (
        f"{scope.get('unlinkedScanned', 0)} certificates linked to no registered CA described, "
        f"{scope.get('unlinkedInScope', 0)} of them signed by a CA in scope"
    )


def scope_table(scope: dict[str, Any]) -> Table:
    """The CAs in scope (the report's scope.cas, the named CA first): number, id, relation, issuer (by its
    number when it is listed), whether registered here, status before -> after with the
    auto-registration status after, and the counts of the certificates counted under each."""
    cas = scope.get("cas") or []
    number = {str(ca.get("caCertificateId")): f"#{n}" for n, ca in enumerate(cas, start=1)}
    table = Table(title=f"CAs in scope ({len(cas)})", title_justify="left")
    for column in ("#", "caCertificateId", "relation", "issued by", "registered", "status", "certificates"):
        table.add_column(column, overflow="fold")
    for n, ca in enumerate(cas, start=1):
        counts = ca.get("certificates") or {}
        registered = bool(ca.get("registered"))
        issuer = ca.get("issuedBy")
        status = (
            f"{ca.get('statusBefore') or '-'} -> {ca.get('statusAfter') or '-'}, "
            f"{ca.get('autoRegistrationStatusAfter') or '-'}"
            if registered
            else "-"
        )
        table.add_row(
            f"#{n}",
            str(ca.get("caCertificateId", "")),
            str(ca.get("relation", "")),
            "-" if not issuer else number.get(str(issuer), str(issuer)),
            "yes" if registered else "no",
            status,
            f"{counts.get('total', 0)}: {counts.get('revoked', 0)} changed, "
            f"{counts.get('alreadyRevoked', 0)} already, {counts.get('skipped', 0)} skipped, "
            f"{counts.get('failed', 0)} failed",
        )
    return table


def print_report(result: ExecutionResult, console: Console) -> None:
    """A summary table of the report, the CAs in scope with their counts, the skipped/failed
    certificates, and the verdict."""
    report = result.report
    if report is None:
        console.print(f"[bold red]{result.status}[/]: {result.error}: {error_message(result.cause)}")
        console.print(f"execution: {result.execution_arn}")
        return
    verification = report.get("verification", {})
    verified = bool(verification.get("verified")) and result.status == "SUCCEEDED"
    table = Table(title="IoT CA revocation report", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    counts = report.get("certificates", {})
    ca = report.get("ca", {})
    table.add_row("execution", report.get("executionArn", ""))
    table.add_row("status", result.status)
    table.add_row("CA certificate", report.get("caCertificateId", ""))
    table.add_row("mode", "dry run (nothing changed)" if report.get("dryRun") else "enforce")
    table.add_row("target status", str(report.get("targetStatus", "")))
    table.add_row(
        "CA status",
        f"{ca.get('statusBefore')} -> {ca.get('statusAfter')} "
        f"(auto-registration {ca.get('autoRegistrationStatusAfter')})",
    )
    table.add_row(
        "certificates",
        f"{counts.get('total', 0)} total: {counts.get('revoked', 0)} changed now, "
        f"{counts.get('alreadyRevoked', 0)} already at target, {counts.get('skipped', 0)} skipped, "
        f"{counts.get('failed', 0)} failed",
    )
    table.add_row("remaining (not at target)", json.dumps(verification.get("remaining", {})))
    table.add_row("report", str(report.get("reportLocation", "")))
    scope = report.get("scope")
    if isinstance(scope, dict):
        table.add_row("issuer scan", scan_summary(scope))
    console.print(table)
    if isinstance(scope, dict):
        console.print(scope_table(scope))
    for title, key in (("Skipped", "skippedCertificates"), ("Failed", "failedCertificates")):
        entries = report.get(key) or []
        if entries:
            listing = Table(title=f"{title} certificates ({len(entries)} shown)", title_justify="left")
            for column in ("certificateId", "status", "reason"):
                listing.add_column(column, overflow="fold")
            for entry in entries[:20]:
                listing.add_row(entry["certificateId"], entry.get("status", ""), entry.get("reason", ""))
            console.print(listing)
    if verified and report.get("dryRun"):
        would = sum(
            1 for e in report.get("skippedCertificates") or [] if e.get("reason", "").startswith("DRY_RUN")
        )
        shown = "" if not report.get("skippedCertificatesTruncated") else " at least"
        console.print(
            f"[bold yellow]DRY RUN[/]: nothing was changed;{shown} {would} certificate(s) would be set to "
            f"{report.get('targetStatus')} and the CA deactivated (listed under skipped, reason DRY_RUN). "
            "The plan was checked against a fresh listing."
        )
    elif verified:
        console.print("[bold green]VERIFIED[/]: the end state was read back from AWS IoT.")
    else:
        console.print(f"[bold red]NOT VERIFIED[/] ({result.status} {result.error})")
