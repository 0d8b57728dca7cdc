"""``ca-revoke run``: start a revocation in AWS (or at an endpoint) and follow it."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from revocation_common.vocabulary import AWS_MAX_ATTEMPTS
from rich.console import Console

from cli import exit_codes
from cli.progress_view import execution_progress
from cli.report_view import failure_line, print_json, print_report
from cli.requests import UsageError, input_from_file, input_from_flags, pem_from_file
from cli.workflow import ExecutionResult, find_state_machine, result_of, start_execution, wait_for

POLL_SECONDS = 1.0  # DescribeExecution while waiting (one call a second, well under its quota)


def _session(args: argparse.Namespace) -> boto3.session.Session:
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if args.endpoint_url:
        session = boto3.session.Session(region_name=region or "us-east-1")
        if session.get_credentials() is None:
            # The emulator accepts any credentials; real endpoints never get these.
            session = boto3.session.Session(
                region_name=region or "us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",  # noqa: S106 - moto's documented fake credentials
            )
        return session
    return boto3.session.Session(region_name=region)


def aws_clients(args: argparse.Namespace) -> tuple[Any, Any]:
    """The Step Functions and S3 clients of ``args`` (--endpoint-url, --region), standard retry mode."""
    session = _session(args)
    config = Config(retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS})
    sfn = session.client("stepfunctions", endpoint_url=args.endpoint_url, config=config)
    s3 = session.client("s3", endpoint_url=args.endpoint_url, config=config)
    return sfn, s3


def consoles() -> tuple[Console, Console]:
    """(stdout, stderr) consoles: no highlighting, no inserted line breaks."""
    return Console(highlight=False, soft_wrap=True), Console(stderr=True, soft_wrap=True, highlight=False)


def wait_and_report(sfn: Any, s3: Any, execution_arn: str, err: Console) -> ExecutionResult:
    """Follow ``execution_arn`` to its end with progress on ``err``; returns its result and report."""
    with execution_progress(err) as on_progress:
        description = wait_for(sfn, execution_arn, on_progress=on_progress, poll_seconds=POLL_SECONDS)
    return result_of(sfn, s3, description)


def print_result(
    result: ExecutionResult,
    command: str,
    *,
    as_json: bool,
    out: Console,
    err: Console,
    table: Callable[[ExecutionResult, Console], None] = print_report,
) -> int:
    """The report on ``out`` (``table``, or JSON), and on ``err`` one line for anything but VERIFIED.

    Returns the exit code (cli/exit_codes.py).
    """
    if as_json:
        print_json(result, out)
    else:
        table(result, out)
    code = result.exit_code
    if code != exit_codes.VERIFIED:
        err.print(f"ca-revoke {command}: {failure_line(result)}", markup=False, highlight=False)
    return code


def request_document(args: argparse.Namespace) -> str:
    """The execution input of ``run``'s command line (JSON text), checked before any AWS call.

    Input: --input-file (sent as it is), or --ca-certificate-id and/or --ca-certificate-file with
    --scan-unlinked, --dry-run, --target-status, --reason, --incident-id, --registered-after. The one
    builder of the request for ``run`` and ``run --regions`` (cli/regions.py), so both send the same.
    Raises UsageError (exit code 2, BAD_INPUT) naming the flag or field that is wrong.
    """
    by_flags = args.ca_certificate_id is not None or args.ca_certificate_file is not None
    if args.input_file:
        if by_flags or args.scan_unlinked is not None:
            raise UsageError(
                "--input-file is sent as it is: name the CA in it, not with --ca-certificate-id, "
                "--ca-certificate-file or --scan-unlinked"
            )
        return input_from_file(args.input_file)
    if not by_flags:
        raise UsageError("one of --ca-certificate-id, --ca-certificate-file or --input-file is required")
    pem = pem_from_file(args.ca_certificate_file) if args.ca_certificate_file is not None else None
    return input_from_flags(
        ca_certificate_id=args.ca_certificate_id,
        ca_certificate_pem=pem,
        scan_unlinked=args.scan_unlinked,
        dry_run=args.dry_run,
        target_status=args.target_status,
        reason=args.reason,
        incident_id=args.incident_id,
        registered_after=args.registered_after,
    )


def run(args: argparse.Namespace) -> int:
    """Start an execution of the revocation state machine; with --wait, follow it and print the report.

    Input: --ca-certificate-id and/or --ca-certificate-file (its PEM sent as caCertificatePem), with
    --scan-unlinked/--no-scan-unlinked, validated here exactly as NormalizeInput does, before any AWS
    call; or --input-file (sent as it is).
    Output: the executionArn (no --wait) or the report (table, or JSON with --json) on stdout; progress
    and, for anything but VERIFIED, one line naming the error on stderr.
    Exit codes: 0 verified (or started, without --wait), 1 failed, 2 bad input, 3 not verified,
    4 CA not found, 5 another execution is already on this CA.
    Calls: StartExecution, DescribeExecution, GetExecutionHistory, ListMapRuns, DescribeMapRun,
    s3:GetObject of a failed run's report (ListStateMachines without --state-machine-arn).
    Source: AWS Step Functions API reference, StartExecution and DescribeExecution.
    """
    out, err = consoles()
    try:
        document = request_document(args)
    except UsageError as error:
        err.print(f"ca-revoke run: {error}", markup=False, highlight=False)
        return exit_codes.BAD_INPUT
    try:
        sfn, s3 = aws_clients(args)
        state_machine_arn = args.state_machine_arn or find_state_machine(sfn)
        execution_arn = start_execution(sfn, state_machine_arn, document)
        if not args.wait:
            if args.json:
                out.print(json.dumps({"executionArn": execution_arn, "status": "RUNNING"}))
            else:
                out.print(execution_arn)
            return exit_codes.STARTED
        err.print(f"execution: {execution_arn}", markup=False, highlight=False)
        result = wait_and_report(sfn, s3, execution_arn, err)
    except (BotoCoreError, ClientError, LookupError) as error:
        err.print(f"ca-revoke run: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    return print_result(result, "run", as_json=args.json, out=out, err=err)
