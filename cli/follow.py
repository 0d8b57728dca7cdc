"""``ca-revoke follow`` and ``ca-revoke report``: an execution started earlier, by ARN.

``follow`` re-attaches to a running execution (for example after the credentials of the job that started
it expired: docs/ci/github-actions-example.yml) and exits as ``run --wait`` would; ``report`` prints a
finished execution's report.
Source: AWS Step Functions API reference, DescribeExecution, GetExecutionHistory, ListMapRuns,
DescribeMapRun; Amazon S3 API reference, GetObject (the report of a failed run).
"""

from __future__ import annotations

import argparse

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
    saying so (``ca-revoke follow`` waits for it).
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
    except (BotoCoreError, ClientError) as error:
        err.print(f"ca-revoke report: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    return print_result(result, "report", as_json=args.json, out=out, err=err)
