"""Rendering of a report for a person (rich) or a machine (--json).

Identifiers (certificateId, ARNs, S3 URLs, the console link) are never broken across lines: a table
wider than the terminal is rendered at its own width (the terminal wraps the display, a copy keeps the
identifier whole).
"""

from __future__ import annotations

import json
from typing import Any

from revocation_common.expected_duration import ExpectedRevocation
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table

from cli.progress_view import plural
from cli.workflow import ExecutionResult, error_message

LISTED_ENTRIES = 20  # skipped/failed certificates shown in the table (all are in the report)


def console_link(execution_arn: str) -> str:
    """The Step Functions console page of an execution (commercial partition), as the notifications give
    it; "" for an ARN of another partition."""
    parts = execution_arn.split(":")
    if len(parts) < 4 or parts[1] != "aws":
        return ""
    region = parts[3]
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )


def report_document(result: ExecutionResult) -> dict[str, Any]:
    """What --json prints: the report (with the execution's error and cause when it did not succeed), or
    for a run without a report, the execution's status, error and cause."""
    if result.report is not None:
        document = dict(result.report)
        if result.status != "SUCCEEDED":
            document["error"] = result.error
            document["cause"] = error_message(result.cause)
        return document
    return {
        "executionArn": result.execution_arn,
        "status": result.status,
        "error": result.error,
        "cause": error_message(result.cause),
        **result.extra,
    }


def failure_line(result: ExecutionResult) -> str:
    """One line saying why a run is not VERIFIED: status, error, its message, the execution."""
    if result.status == "SUCCEEDED":
        what = "NOT VERIFIED: the report says what remains"
    else:
        message = " ".join(error_message(result.cause).split())
        what = f"{result.status} {result.error or '(no error name)'}" + (f": {message}" if message else "")
    return f"{what} (exit {result.exit_code}; execution {result.execution_arn})"


def print_json(result: ExecutionResult, console: Console) -> None:
    console.print_json(json.dumps(report_document(result), sort_keys=True), highlight=False)


def _print_unbroken(console: Console, renderable: RenderableType) -> None:
    """Print ``renderable`` at the width it needs (its columns do not wrap), at least the console's."""
    needed = Measurement.get(console, console.options.update(width=100_000), renderable).maximum
    if needed <= console.width:
        console.print(renderable)
        return
    wide = Console(
        file=console.file,
        width=needed,
        force_terminal=console.is_terminal,
        color_system="auto" if console.is_terminal else None,
        highlight=False,
        soft_wrap=True,
    )
    wide.print(renderable)


def _remaining(remaining: Any) -> str:
    if not remaining:
        return "none"
    return ", ".join(f"{plural(int(count), 'certificate')} {status}" for status, count in remaining.items())


def _text(value: Any) -> str:
    return "-" if value in (None, "") else str(value)


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
        console.print(f"[bold red]{result.status}[/]: {result.error}: ", end="")
        console.print(error_message(result.cause), markup=False)
        console.print(f"execution: {result.execution_arn}", markup=False)
        link = console_link(result.execution_arn)
        if link:
            console.print(f"console: {link}", markup=False)
        return
    verification = report.get("verification", {})
    verified = bool(verification.get("verified")) and result.status == "SUCCEEDED"
    table = Table(title="IoT CA revocation report", show_header=False, title_justify="left")
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", no_wrap=True)
    counts = report.get("certificates", {})
    ca = report.get("ca", {})
    execution_arn = str(report.get("executionArn", result.execution_arn))
    table.add_row("execution", execution_arn)
    table.add_row("status", result.status + (f" ({result.error})" if result.error else ""))
    table.add_row("CA certificate", _text(report.get("caCertificateId")))
    table.add_row("mode", "dry run (nothing changed)" if report.get("dryRun") else "enforce")
    table.add_row("target status", _text(report.get("targetStatus")))
    table.add_row(
        "CA status",
        f"{_text(ca.get('statusBefore'))} -> {_text(ca.get('statusAfter'))} "
        f"(auto-registration {_text(ca.get('autoRegistrationStatusAfter'))})",
    )
    table.add_row(
        "certificates",
        f"{plural(int(counts.get('total', 0)), 'certificate')}: {counts.get('revoked', 0)} changed now, "
        f"{counts.get('alreadyRevoked', 0)} already at target, {counts.get('skipped', 0)} skipped, "
        f"{counts.get('failed', 0)} failed",
    )
    table.add_row("remaining (not at target)", _remaining(verification.get("remaining")))
    table.add_row("reason", _text(report.get("reason")))
    table.add_row("incident", _text(report.get("incidentId")))
    if report.get("registeredAfter"):
        table.add_row("registered after (revoked first)", _text(report.get("registeredAfter")))
    expected = report.get("expectedRevocation")
    if isinstance(expected, dict):
        table.add_row("expected time", ExpectedRevocation.model_validate(expected).sentence())
    table.add_row("report", _text(report.get("reportLocation")))
    if report.get("affectedThingsLocation"):
        table.add_row(
            "affected Things",
            f"{plural(int(report.get('affectedThings') or 0), 'Thing')}: {report['affectedThingsLocation']}",
        )
    link = console_link(execution_arn)
    if link:
        table.add_row("console", link)
    scope = report.get("scope")
    if isinstance(scope, dict):
        table.add_row("issuer scan", scan_summary(scope))
    _print_unbroken(console, table)
    if isinstance(scope, dict):
        _print_unbroken(console, scope_table(scope))
    for title, key in (("Skipped", "skippedCertificates"), ("Failed", "failedCertificates")):
        entries = report.get(key) or []
        if entries:
            shown = entries[:LISTED_ENTRIES]
            listing = Table(
                title=f"{title} certificates ({len(shown)} of {len(entries)} shown)", title_justify="left"
            )
            for column in ("certificateId", "status", "reason"):
                listing.add_column(column, no_wrap=True)
            for entry in shown:
                listing.add_row(
                    entry["certificateId"], _text(entry.get("status")), _text(entry.get("reason"))
                )
            _print_unbroken(console, listing)
    if verified and report.get("dryRun"):
        would = sum(
            1 for e in report.get("skippedCertificates") or [] if e.get("reason", "").startswith("DRY_RUN")
        )
        shown_count = "" if not report.get("skippedCertificatesTruncated") else " at least"
        console.print(
            f"[bold yellow]DRY RUN[/]: nothing was changed;{shown_count} "
            f"{plural(would, 'certificate')} would be set to {report.get('targetStatus')} and the CA "
            "deactivated (listed under skipped, reason DRY_RUN). "
            "The plan was checked against a fresh listing."
        )
    elif verified:
        console.print("[bold green]VERIFIED[/]: the end state was read back from AWS IoT.")
    else:
        console.print(f"[bold red]NOT VERIFIED[/] ({result.status} {result.error})".rstrip())


def affected_things_line(demo: dict[str, Any]) -> str:
    """The demo's one line on the Things: the report's affectedThings (distinct Things attached to the
    certificates in scope, from ListPrincipalThings) next to what the fleet attached to them."""
    listed = demo.get("affectedThings")
    if listed is None:
        return "Affected Things: not listed (cdk.json listAffectedThings is false)"
    return (
        f"Affected Things: {plural(int(listed), 'Thing')} attached to the certificates in scope "
        f"(seeded {demo.get('thingsSeeded', 0)}), {demo.get('certificatesWithoutThings', 0)} certificates "
        "without a Thing; `ca-revoke report EXECUTION_ARN --csv` prints them"
    )


def print_demo_summary(demo: dict[str, Any], console: Console, *, faults_requested: bool) -> None:
    """The demo's lines after the report: the scope read back, the decoys untouched by kind and the wall
    time; the injected faults only when --fault-rate or --lambda-crash-rate asked for them."""
    kinds = ", ".join(f"{count} {kind}" for kind, count in demo["decoysByKind"].items())
    console.print(
        f"In scope, read back: {demo['inScopeAtTarget']}/{plural(int(demo['certificates']), 'certificate')} "
        f"at target ({demo['unlinkedInScope']} registered without a CA), "
        f"{demo['casAtTarget']}/{plural(int(demo['cas']), 'CA')} INACTIVE"
    )
    console.print(
        f"Decoys untouched: {demo['decoysUntouched']}/{plural(int(demo['decoys']), 'certificate')} "
        f"({kinds or 'none'}), {demo['decoyCasUntouched']}/{plural(int(demo['decoyCas']), 'CA')}; "
        f"{demo['foreignWrites']} writes outside the scope; workflow {demo['workflowSeconds']} s"
    )
    if "affectedThings" in demo:
        console.print(affected_things_line(demo))
    if faults_requested:
        faults = demo["faults"]
        console.print(
            f"Injected (seed {faults['seed']}): {faults['iotThrottled']} throttled and "
            f"{faults['iotServerErrors']} failed IoT calls of {faults['iotCalls']}; "
            f"{faults['taskCrashes']} crashed task invocations of {faults['taskInvocations']}"
        )
