#!/usr/bin/env python3
"""Security checks of CI (`make security`): cdk-nag, cfn-lint and checkov on the synthesized template, and
checkov's secrets scanner on the repository.

1. Synthesize the app into a temporary directory (``python app.py`` with CDK_OUTDIR): the cdk-nag
   AwsSolutions pack runs as a validation plugin and an unacknowledged finding fails the synthesis
   (acknowledgements, each with its reason, are in infra/).
2. cfn-lint (the version pinned in requirements.txt) on the template for the Regions below: any error or
   warning fails, except the ones acknowledged in CFN_LINT_ACKNOWLEDGED; informational matches are shown.
3. checkov (pinned in requirements-security.txt, installed in its own virtual environment because it
   pins older boto3/botocore than the project) on the template: every failed check must be acknowledged
   in CHECKOV_ACKNOWLEDGED (check id, resource type, logical id pattern, reason); an acknowledgement that
   matches nothing fails too, so none outlives its reason.
4. checkov's secrets framework on every file git tracks or would track.

Usage: security_scan.py --checkov PATH_TO_CHECKOV. Exit status 0 when everything passes, 1 otherwise.
Needs JSII_NODE (see the Makefile) for the synthesis. Runs offline (--skip-download).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.names import STACK_ID
from contract.paths import REPO_ROOT

REPO = REPO_ROOT
STACK = STACK_ID
REGIONS = ["us-east-1", "eu-west-1"]


@dataclass(frozen=True)
class Acknowledged:
    """A finding accepted on purpose: rule id, resource type, logical id pattern, and why."""

    rule: str
    resource_type: str
    logical_id: str  # regular expression, matched from the start of the logical id
    reason: str


CHECKOV_ACKNOWLEDGED = [
    Acknowledged(
        "CKV_AWS_115",
        "AWS::Lambda::Function",
        r"RevocationFunctions",
        "No reserved concurrency: the state machine bounds it (one invocation per state, MaxConcurrency "
        "children in the Map), and reserving would take capacity from the account's pool and could throttle "
        "the incident response itself (Lambda.TooManyRequestsException) at the worst moment.",
    ),
    Acknowledged(
        "CKV_AWS_116",
        "AWS::Lambda::Function",
        r"RevocationFunctions",
        "A dead-letter queue only receives failed asynchronous invocations; Step Functions invokes the tasks "
        "synchronously and handles failures with the states' Retry and Catch rules.",
    ),
    Acknowledged(
        "CKV_AWS_117",
        "AWS::Lambda::Function",
        r"RevocationFunctions",
        "The tasks call only public AWS APIs (AWS IoT, S3, DynamoDB, Step Functions) and no resource in a "
        "VPC; a VPC would add NAT or interface endpoints and failure modes without protecting anything.",
    ),
    Acknowledged(
        "CKV_AWS_173",
        "AWS::Lambda::Function",
        r"RevocationFunctions",
        "The environment holds no secret (bucket and table names, quotas, modes); Lambda encrypts it at "
        "rest with an AWS managed key by default.",
    ),
    Acknowledged(
        "CKV_AWS_158",
        "AWS::Logs::LogGroup",
        r"Revocation|RestoreStateMachine",
        "The logs hold certificate ids, statuses and request fields, no secret; CloudWatch Logs encrypts "
        "every log group at rest by default. A customer managed key would need a key policy for the "
        "Logs service principal and its own retention for no added protection.",
    ),
    Acknowledged(
        "CKV_AWS_119",
        "AWS::DynamoDB::Table",
        r"ReportStorageLockTable",
        "The lock table holds CA ids and execution ARNs, no secret; DynamoDB encrypts every table at rest "
        "with an AWS owned key by default.",
    ),
    Acknowledged(
        "CKV_AWS_18",
        "AWS::S3::Bucket",
        r"ReportStorageAccessLogsBucket",
        "This is the server access log destination of the report bucket; logging it into another bucket "
        "would need yet another one (the S3 User Guide advises against logging a bucket into itself).",
    ),
    Acknowledged(
        "CKV_AWS_27",
        "AWS::SQS::Queue",
        r"TriggersDeadLetterQueue",
        "The queue is encrypted at rest with SSE-SQS (SqsManagedSseEnabled: true, infra/triggers.py); "
        "CKV_AWS_27 only recognizes a KMS key. It holds undeliverable EventBridge events (findings), no "
        "secret, so a customer-managed key would add cost and a key policy without protecting more.",
    ),
]

CFN_LINT_ACKNOWLEDGED = [
    Acknowledged(
        "W3005",
        "*",
        r".*",
        "CDK adds a DependsOn on a function's execution role next to the GetAtt of its ARN; redundant, "
        "harmless, and not under the app's control.",
    ),
]


def _matches(ack: Acknowledged, rule: str, resource_type: str, logical_id: str) -> bool:
    return (
        ack.rule == rule
        and ack.resource_type in ("*", resource_type)
        and re.match(ack.logical_id, logical_id) is not None
    )


def synthesize(outdir: Path) -> tuple[bool, list[Path]]:
    """``python app.py`` into ``outdir``; (cdk-nag passed, the template paths).

    One template, CaRevocationStack.template.json, by default; with context ``regions``, one per Region
    (CaRevocationStack-<region>.template.json): every one is checked.
    """
    env = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_DISABLE_CLI_TELEMETRY": "true"}
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
    templates = sorted(outdir.glob(f"{STACK}*.template.json"))
    return done.returncode == 0, templates


def cfn_lint(template: Path) -> bool:
    from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

    resources = json.loads(template.read_text())["Resources"]
    matches = lint_file(template, config=ManualArgs(regions=REGIONS, include_checks=["I"]))
    failures, acknowledged, informational = [], set(), 0
    for match in matches:
        path = [str(part) for part in match.path]
        logical_id = path[1] if len(path) > 1 and path[0] == "Resources" else ""
        resource_type = resources.get(logical_id, {}).get("Type", "")
        if match.rule.id.startswith("I"):
            informational += 1
            continue
        ack = next(
            (a for a in CFN_LINT_ACKNOWLEDGED if _matches(a, match.rule.id, resource_type, logical_id)), None
        )
        if ack is None:
            failures.append(f"  {match.rule.id} {match.message} at {'/'.join(path)}")
        else:
            acknowledged.add(ack)
    stale = [a for a in CFN_LINT_ACKNOWLEDGED if a not in acknowledged]
    accepted = len(matches) - informational - len(failures)
    print(
        f"cfn-lint: {len(failures)} unacknowledged errors/warnings, {accepted} acknowledged, "
        f"{informational} informational (not failing)"
    )
    for line in failures:
        print(line)
    for ack in stale:
        print(f"  stale acknowledgement: {ack.rule} {ack.resource_type} {ack.logical_id}")
    return not failures and not stale


def checkov_template(checkov: str, template: Path) -> bool:
    done = subprocess.run(  # noqa: S603 - the pinned checkov of .venv-security, on our own template
        [
            checkov,
            "--quiet",
            "--compact",
            "--skip-download",
            "--framework",
            "cloudformation",
            "-o",
            "json",
            "-f",
            str(template),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    summary = report["summary"]
    failures, acknowledged = [], set()
    for failed in report["results"]["failed_checks"]:
        resource_type, _, logical_id = failed["resource"].partition(".")
        ack = next(
            (a for a in CHECKOV_ACKNOWLEDGED if _matches(a, failed["check_id"], resource_type, logical_id)),
            None,
        )
        if ack is None:
            failures.append(f"  {failed['check_id']} {failed['check_name']}: {failed['resource']}")
        else:
            acknowledged.add(ack)
    stale = [a for a in CHECKOV_ACKNOWLEDGED if a not in acknowledged]
    print(
        f"checkov (template): {summary['passed']} passed, {summary['failed'] - len(failures)} acknowledged, "
        f"{len(failures)} unacknowledged, {summary['parsing_errors']} parsing errors"
    )
    for line in failures:
        print(line)
    for ack in stale:
        print(f"  stale acknowledgement: {ack.rule} {ack.resource_type} {ack.logical_id}")
    return not failures and not stale and summary["parsing_errors"] == 0


def checkov_secrets(checkov: str) -> bool:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607 - git on PATH
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    files = [name for name in sorted(set(filter(None, listed.split("\0")))) if (REPO / name).is_file()]
    arguments: list[str] = []
    for name in files:
        arguments += ["-f", name]
    done = subprocess.run(  # noqa: S603 - the pinned checkov of .venv-security, on the repository's files
        [
            checkov,
            "--quiet",
            "--compact",
            "--skip-download",
            "--framework",
            "secrets",
            "-o",
            "json",
            *arguments,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    report: Any = json.loads(done.stdout) if done.stdout.strip() else {}
    report = report[0] if isinstance(report, list) and report else report
    failed = report.get("results", {}).get("failed_checks", []) if isinstance(report, dict) else []
    print(f"checkov (secrets): {len(files)} files scanned, {len(failed)} secrets found")
    for finding in failed:
        where = f"{finding['file_path']}:{finding['file_line_range']}"
        print(f"  {finding['check_id']} {finding['check_name']}: {where}")
    return not failed and done.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", required=True, help="the checkov executable (from .venv-security)")
    args = parser.parse_args(argv)
    results: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="cdk.out-security-") as outdir:
        nag_clean, templates = synthesize(Path(outdir))
        results["cdk-nag AwsSolutions"] = nag_clean
        print(f"cdk-nag AwsSolutions: {'clean' if nag_clean else 'FINDINGS (synthesis failed)'}")
        if templates:
            results["cfn-lint"] = all([cfn_lint(template) for template in templates])
            results["checkov (template)"] = all(
                [checkov_template(args.checkov, template) for template in templates]
            )
        else:
            results["template"] = False
    results["checkov (secrets)"] = checkov_secrets(args.checkov)
    failed = [name for name, passed in results.items() if not passed]
    print("security checks: " + ("all passed" if not failed else "FAILED: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
