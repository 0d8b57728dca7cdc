"""``ca-revoke restore``: undo a quarantine (a revocation execution with target INACTIVE) through the
restore state machine (statemachine/restore.asl.json, docs/architecture.md "Restore")."""

from __future__ import annotations

import argparse
import json

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from cli import exit_codes
from cli.run import aws_clients, consoles, print_result, wait_and_report
from cli.workflow import ExecutionResult, find_state_machine, start_execution
from contract.names import RESTORE_STATE_MACHINE_NAME


def restore_document(args: argparse.Namespace) -> str:
    """The restore state machine's input from the flags: {"action": "restore", "executionArn", "dryRun",
    "includeCa", "reason", "incidentId"} (docs/data-contract.md, "Restore request")."""
    return json.dumps(
        {
            "action": "restore",
            "executionArn": args.execution,
            "dryRun": args.dry_run,
            "includeCa": args.include_ca,
            "reason": args.reason,
            "incidentId": args.incident_id,
        }
    )


def print_restore_report(result: ExecutionResult, console: Console) -> None:
    """A summary table of a restore's report (or the error of a refused restore)."""
    report = result.report
    if report is None:
        console.print(f"{result.status}: {result.error}: {result.cause}", markup=False)
        console.print(f"execution: {result.execution_arn}", markup=False)
        return
    counts = report.get("certificates", {})
    table = Table(title="IoT CA quarantine restore report", show_header=False, title_justify="left")
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", no_wrap=True)
    table.add_row("execution", str(report.get("executionArn", result.execution_arn)))
    table.add_row("status", result.status + (f" ({result.error})" if result.error else ""))
    table.add_row("restored from", str(report.get("restoreOf", "")))
    table.add_row("CA certificate", str(report.get("caCertificateId", "")))
    table.add_row("mode", "dry run (nothing changed)" if report.get("dryRun") else "enforce")
    table.add_row(
        "certificates",
        f"{counts.get('restored', 0)} restored to ACTIVE, {counts.get('alreadyActive', 0)} already ACTIVE, "
        f"{counts.get('skipped', 0)} skipped, {counts.get('failed', 0)} failed, of {counts.get('total', 0)}",
    )
    for ca in report.get("cas", []):
        table.add_row("CA", f"{ca['caCertificateId']} {ca['outcome']} -> {ca.get('statusAfter', '')}")
    table.add_row("report", str(report.get("reportLocation", "")))
    verified = bool(report.get("verification", {}).get("verified")) and result.status == "SUCCEEDED"
    table.add_row("verification", "VERIFIED" if verified else "NOT VERIFIED")
    console.print(table)
    for skipped in report.get("skippedCertificates", []):
        console.print(f"skipped {skipped['certificateId']}: {skipped['reason']}", markup=False)


def restore(args: argparse.Namespace) -> int:
    """Start an execution of the restore state machine; with --wait, follow it and print its report.

    Input: --execution ARN (a finished revocation execution with target INACTIVE), --include-ca,
    --dry-run, --reason, --incident-id. Output: the executionArn (no --wait) or the report (table, or
    JSON with --json) on stdout; one line naming the error on stderr unless verified.
    Exit codes: those of run (0 verified, 1 failed, 2 refused with InvalidInput, 3 not verified,
    5 another execution holds the CA's lock).
    Calls: ListStateMachines (without --state-machine-arn), StartExecution, DescribeExecution,
    GetExecutionHistory, s3:GetObject of a failed restore's report.
    Source: AWS Step Functions API reference, StartExecution.
    """
    out, err = consoles()
    try:
        sfn, s3 = aws_clients(args)
        state_machine_arn = args.state_machine_arn or find_state_machine(sfn, RESTORE_STATE_MACHINE_NAME)
        execution_arn = start_execution(sfn, state_machine_arn, restore_document(args))
        if not args.wait:
            out.print(
                json.dumps({"executionArn": execution_arn, "status": "RUNNING"})
                if args.json
                else execution_arn
            )
            return exit_codes.STARTED
        err.print(f"execution: {execution_arn}", markup=False, highlight=False)
        result = wait_and_report(sfn, s3, execution_arn, err)
    except (BotoCoreError, ClientError, LookupError) as error:
        err.print(f"ca-revoke restore: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    return print_result(result, "restore", as_json=args.json, out=out, err=err, table=print_restore_report)
