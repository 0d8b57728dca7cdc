"""``ca-revoke follow`` and ``ca-revoke report``: an execution started earlier, by ARN.

``follow`` re-attaches to a running execution (for example after the credentials of the job that started
it expired: docs/ci/github-actions-example.yml) and exits as ``run --wait`` would; ``report`` prints a
finished execution's report.
Source: AWS Step Functions API reference, DescribeExecution, GetExecutionHistory, ListMapRuns,
DescribeMapRun; Amazon S3 API reference, GetObject (the report of a failed run).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from cli import exit_codes
from cli import run as run_command
from cli.run import consoles, print_result, wait_and_report
from cli.workflow import result_of

RUNNING_STATUSES = ("RUNNING", "PENDING_REDRIVE")


def follow(args: argparse.Namespace) -> int:
    """Wait for EXECUTION_ARN to end, with progress on stderr, then print its report.

    Input: args.execution_arn (validated by the parser), --endpoint-url, --region, --json.
    Output: the report (table, or JSON) on stdout; one line naming the error on stderr unless VERIFIED.
    Exit codes: those of ``run --wait`` (0 verified, 1 failed/timed out/aborted or AWS unreachable,
    2 InvalidInput, 3 not verified, 4 CaNotFound, 5 RevocationAlreadyInProgress).
    """
    out, err = consoles()
    try:
        sfn, s3 = run_command.aws_clients(args)  # looked up at call time (tests install fakes)
        result = wait_and_report(sfn, s3, args.execution_arn, err)
    except (BotoCoreError, ClientError) as error:
        err.print(f"ca-revoke follow: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    return print_result(result, "follow", as_json=args.json, out=out, err=err)


def report(args: argparse.Namespace) -> int:
    """Print the report of the finished execution EXECUTION_ARN (one DescribeExecution, no waiting).

    Output: as ``follow``. Exit codes: as ``follow``; an execution still running is exit 1 with a line
    saying so (``ca-revoke follow`` waits for it). --csv: the affected-Things CSV (S3 GetObject of the
    report's affectedThingsLocation) on stdout instead, exit 0; exit 1 with one line when there is none.
    """
    out, err = consoles()
    try:
        sfn, s3 = run_command.aws_clients(args)  # looked up at call time (tests install fakes)
        description = dict(sfn.describe_execution(executionArn=args.execution_arn))
        if description["status"] in RUNNING_STATUSES:
            err.print(
                f"ca-revoke report: {args.execution_arn} is still {description['status']}; "
                "`ca-revoke follow` waits for its end",
                markup=False,
                highlight=False,
            )
            return exit_codes.FAILED
        result = result_of(sfn, s3, description)
        if getattr(args, "csv", False):
            return _print_affected_things(s3, args.execution_arn, result.report, err)
    except (BotoCoreError, ClientError) as error:
        err.print(f"ca-revoke report: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    return print_result(result, "report", as_json=args.json, out=out, err=err)


def _print_affected_things(s3: Any, execution_arn: str, report: dict[str, Any] | None, err: Any) -> int:
    """``report --csv``: GetObject of the report's affectedThingsLocation, written to stdout as it is.

    Exit 0 when printed; 1 with one line on stderr when the run has no CSV (no report, or its Things
    were not listed: cdk.json listAffectedThings false, or a run from before issue 13).
    Errors: botocore's (the caller prints them).
    """
    location = (report or {}).get("affectedThingsLocation")
    if not isinstance(location, str) or not location.startswith("s3://"):
        err.print(
            f"ca-revoke report: {execution_arn} has no affected-Things CSV "
            "(its report has no affectedThingsLocation: listAffectedThings was false, or it has no report)",
            markup=False,
            highlight=False,
        )
        return exit_codes.FAILED
    bucket, _, key = location.removeprefix("s3://").partition("/")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    sys.stdout.write(body.decode("utf-8"))
    sys.stdout.flush()
    return exit_codes.VERIFIED
