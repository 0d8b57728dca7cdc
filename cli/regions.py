"""``ca-revoke run --regions R1,R2`` / ``--all-regions``: one execution per Region, followed together,
one combined report.

AWS IoT is regional: a fleet that connects in several Regions has its CA and its certificates registered
in each (AWS IoT Core developer guide, "Register your CA certificate": a CA is registered per account and
Region). Each Region's stack has its own state machine (app.py, context ``regions``); this module starts
one execution in each at once, follows them together (a progress line per Region on stderr), and prints
the combined report (docs/data-contract.md, "The combined report").

Calls, per Region: ListStateMachines, StartExecution, DescribeExecution, GetExecutionHistory, ListMapRuns,
DescribeMapRun, s3:GetObject of a failed run's report, and iot:DescribeCACertificate where the request
carries the CA's PEM (below). Source: AWS Step Functions API reference (StartExecution, DescribeExecution,
ListStateMachines); AWS IoT API reference (DescribeCACertificate, certificatePem).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from normalize_input import request as request_rules
from revocation_common.vocabulary import AWS_MAX_ATTEMPTS
from rich.console import Console
from rich.table import Table

from cli import exit_codes
from cli import run as run_command
from cli.history import Progress, ProgressTracker
from cli.progress_view import describe
from cli.report_view import report_document
from cli.requests import UsageError
from cli.workflow import ExecutionResult, error_message, find_state_machine, result_of, start_execution
from contract.names import STATE_MACHINE_NAME

ABSENT: Final = "ABSENT"
NOT_STARTED: Final = "NOT_STARTED"
ACCESS_DENIED: Final = "ACCESS_DENIED"
COUNT_FIELDS: Final = ("total", "revoked", "alreadyRevoked", "skipped", "failed")

# Which Region's exit code the combined run exits with: the first of this order that any Region has
# (README, "Exit codes"). The more a code leaves the fleet possibly open, the earlier it comes:
# 3 (the workflow ran and certificates are still not at the target) > 1 (failed: end state unknown) >
# 6 (AWS denied the caller there: nothing was started, end state unknown) >
# 4 (the CA is not registered, yet certificates of it were found) > 5 (another execution is on the CA) >
# 2 (the request was refused: nothing was changed) > 0 (verified, or ABSENT: nothing to do).
SEVERITY: Final = (
    exit_codes.NOT_VERIFIED,
    exit_codes.FAILED,
    exit_codes.ACCESS_DENIED,
    exit_codes.CA_NOT_FOUND,
    exit_codes.ALREADY_RUNNING,
    exit_codes.BAD_INPUT,
    exit_codes.VERIFIED,
)

# Step Functions in a Region that is not enabled for the account (opt-in Regions answer these: AWS General
# Reference, "Enable or disable AWS Regions in your account"): no state machine can be there.
_NOT_THERE: Final = ("UnrecognizedClientException", "InvalidClientTokenId")
# The caller's policy denies the call (IAM User Guide, "Troubleshoot access denied error messages"): the
# Region may well have the state machine and the CA, so it is never read as "not deployed".
DENIED_CODES: Final = ("AccessDeniedException", "AccessDenied")


def is_access_denied(error: BaseException) -> bool:
    """Whether ``error`` is AWS refusing the caller permission (a ClientError with an AccessDenied code)."""
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in DENIED_CODES


def most_severe(codes: Sequence[int]) -> int:
    """The exit code of a multi-Region run: the first of SEVERITY among ``codes`` (0 for none); a code
    outside SEVERITY counts as FAILED."""
    known = [code if code in SEVERITY else exit_codes.FAILED for code in codes]
    return min(known, key=SEVERITY.index) if known else exit_codes.VERIFIED


@dataclass
class RegionOutcome:
    """One Region's part of a multi-Region run."""

    region: str
    result: ExecutionResult
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """The execution's status, or ABSENT: the CA is not registered there and no certificate of it was
        found, so there is nothing to do. Named by id only, that run ends in CaNotFound (no report, or a
        report of 0 certificates); named by id and PEM (``run --regions`` sends the PEM it read where the CA
        is registered), it ends verified with a scope of one CA registered nowhere and 0 certificates."""
        result = self.result
        report = result.report or {}
        total = (report.get("certificates") or {}).get("total", 0)
        if result.status == ACCESS_DENIED:
            return ACCESS_DENIED
        if result.status == "FAILED" and result.error == "CaNotFound" and not total:
            return ABSENT
        cas = (report.get("scope") or {}).get("cas") or []
        if result.status == "SUCCEEDED" and not total and cas and not any(ca.get("registered") for ca in cas):
            return ABSENT
        return result.status

    @property
    def exit_code(self) -> int:
        if self.status == ABSENT:
            return exit_codes.VERIFIED
        if self.status == NOT_STARTED:
            return exit_codes.FAILED
        if self.status == ACCESS_DENIED:
            return exit_codes.ACCESS_DENIED
        return self.result.exit_code

    @property
    def verified(self) -> bool:
        return self.exit_code == exit_codes.VERIFIED

    def document(self) -> dict[str, Any]:
        """{region, executionArn, status, error, exitCode, verified, report} (report: the execution's, as
        ``run --json`` prints it; null for ABSENT, NOT_STARTED and ACCESS_DENIED)."""
        result = self.result
        report = report_document(result) if self.status not in (ABSENT, NOT_STARTED, ACCESS_DENIED) else None
        return {
            "region": self.region,
            "executionArn": result.execution_arn,
            "status": self.status,
            "error": result.error,
            "cause": error_message(result.cause),
            "exitCode": self.exit_code,
            "verified": self.verified,
            "report": report,
        }


def combined_report(outcomes: Sequence[RegionOutcome]) -> dict[str, Any]:
    """The combined report: ``regions`` (each Region's document, in the order asked), ``totals`` (the
    sums of the Regions' report certificate counts), ``verified`` (true only when every Region is
    verified or ABSENT) and ``exitCode`` (``most_severe``)."""
    totals = dict.fromkeys(COUNT_FIELDS, 0)
    for outcome in outcomes:
        counts = (outcome.result.report or {}).get("certificates") or {}
        for name in COUNT_FIELDS:
            totals[name] += int(counts.get(name, 0))
    return {
        "regions": [outcome.document() for outcome in outcomes],
        "totals": totals,
        "verified": bool(outcomes) and all(outcome.verified for outcome in outcomes),
        "exitCode": most_severe([outcome.exit_code for outcome in outcomes]),
    }


def follow_regions(
    clients: Mapping[str, tuple[Any, Any]],
    executions: Mapping[str, str],
    err: Console,
    *,
    poll_seconds: float = 1.0,
    on_poll: Callable[[], None] | None = None,
) -> dict[str, RegionOutcome]:
    """Poll every Region's execution until all have ended, printing a Region's progress line on ``err``
    whenever it changes; returns Region -> outcome (with its wall time from the first poll, seconds).

    clients: Region -> (Step Functions client, S3 client) of that Region. executions: Region ->
    executionArn. Raises BotoCoreError/ClientError when DescribeExecution fails.
    """
    started = time.monotonic()
    trackers = {region: ProgressTracker(arn) for region, arn in executions.items()}
    shown: dict[str, str] = {}
    outcomes: dict[str, RegionOutcome] = {}
    while len(outcomes) < len(executions):
        for region, arn in executions.items():
            if region in outcomes:
                continue
            sfn, s3 = clients[region]
            description = dict(sfn.describe_execution(executionArn=arn))
            if description["status"] not in ("RUNNING", "PENDING_REDRIVE"):
                outcome = RegionOutcome(region, result_of(sfn, s3, description), time.monotonic() - started)
                outcomes[region] = outcome
                line = f"{region}: {outcome.status} ({outcome.seconds:.1f} s)"
            else:
                snapshot: Progress = trackers[region].poll(sfn)
                line = f"{region}: {describe(snapshot)}"
            if shown.get(region) != line:
                shown[region] = line
                err.print(line, markup=False, highlight=False)
        if on_poll is not None:
            on_poll()
        if len(outcomes) < len(executions):
            time.sleep(poll_seconds)
    return {region: outcomes[region] for region in executions}


def print_combined(
    combined: dict[str, Any], command: str, *, as_json: bool, out: Console, err: Console
) -> int:
    """The combined report on ``out`` (a table per Region, or JSON), and on ``err`` one line per Region
    that is not verified, naming it. Returns the combined exit code."""
    if as_json:
        out.print_json(json.dumps(combined, sort_keys=True), highlight=False)
    else:
        table = Table(title="IoT CA revocation, per Region")
        for column in ("Region", "Status", "Verified", *COUNT_FIELDS, "Exit"):
            table.add_column(column)
        for entry in combined["regions"]:
            counts = ((entry["report"] or {}).get("certificates")) or {}
            table.add_row(
                entry["region"],
                entry["status"],
                "yes" if entry["verified"] else "NO",
                *(str(counts.get(name, 0)) for name in COUNT_FIELDS),
                str(entry["exitCode"]),
            )
        totals = combined["totals"]
        table.add_row(
            "all", "", "yes" if combined["verified"] else "NO", *(str(totals[n]) for n in COUNT_FIELDS)
        )
        out.print(table)
    for entry in combined["regions"]:
        if not entry["verified"]:
            what = f"{entry['status']} {entry['error']}".strip()
            cause = " ".join(str(entry["cause"]).split())
            err.print(
                f"ca-revoke {command}: {entry['region']}: {what}"
                + (f": {cause}" if cause else "")
                + f" (exit {entry['exitCode']}; execution {entry['executionArn'] or 'not started'})",
                markup=False,
                highlight=False,
            )
    return int(combined["exitCode"])


def _clients(args: argparse.Namespace, region: str) -> tuple[Any, Any, Any]:
    """(Step Functions, S3, IoT) clients of ``region`` with ``args``' endpoint, standard retry mode."""
    regional = argparse.Namespace(**{**vars(args), "region": region})
    sfn, s3 = run_command.aws_clients(regional)
    session = run_command._session(regional)
    config = Config(retries={"mode": "standard", "max_attempts": AWS_MAX_ATTEMPTS})
    iot = session.client("iot", endpoint_url=args.endpoint_url, config=config)
    return sfn, s3, iot


def partition_regions(args: argparse.Namespace) -> list[str]:
    """Every Region of the partition that offers Step Functions, from botocore's bundled endpoint data:
    ``Session.get_available_regions("stepfunctions", partition)``, the partition being that of --region
    (or the configured Region; at --endpoint-url, us-east-1's: aws)."""
    session = run_command._session(args)
    home = session.region_name or "us-east-1"
    partition = session.get_partition_for_region(home)
    return list(boto3.session.Session().get_available_regions("stepfunctions", partition_name=partition))


@dataclass(frozen=True)
class Deployments:
    """Where ``find_deployments`` looked: deployed, the Regions with the state machine; denied, the Regions
    where ListStateMachines was denied (AccessDenied: whether it is there is unknown)."""

    deployed: list[str]
    denied: list[str]


def find_deployments(args: argparse.Namespace, name: str) -> Deployments:
    """The Regions of ``partition_regions`` where a state machine called ``name`` exists (ListStateMachines
    in each, at once). A Region that refuses the call as not enabled for the account has none; one that
    denies it (AccessDenied) is in ``denied``, never read as "not deployed"."""

    def look(region: str) -> str:
        try:
            find_state_machine(_clients(args, region)[0], name)
        except LookupError:
            return "absent"
        except ClientError as error:
            if is_access_denied(error):
                return "denied"
            if error.response.get("Error", {}).get("Code") in _NOT_THERE:
                return "absent"
            raise
        except BotoCoreError:
            return "absent"
        return "deployed"

    regions = partition_regions(args)
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = dict(zip(regions, pool.map(look, regions), strict=True))
    return Deployments(
        deployed=[region for region in regions if found[region] == "deployed"],
        denied=[region for region in regions if found[region] == "denied"],
    )


def deployed_regions(args: argparse.Namespace, name: str) -> list[str]:
    """The Regions of ``find_deployments`` that have the state machine."""
    return find_deployments(args, name).deployed


def with_ca_pem(document: str, iot_clients: Mapping[str, Any], denied: list[str] | None = None) -> str:
    """The request with the CA's PEM (``caCertificatePem``) added, fetched where the CA is registered
    (DescribeCACertificate, certificateDescription.certificatePem), so that a Region where it is not
    registered still finds the certificates it signed that were registered without it.

    Only when NormalizeInput takes that field (``normalize_input.request.REQUEST_FIELDS``), the request
    names the CA by ``caCertificateId`` and carries no PEM yet; otherwise, and when no Region has the CA,
    the request unchanged. denied: where given, the Regions that denied DescribeCACertificate
    (AccessDenied) are appended to it, so the caller can say so instead of the lookup doing nothing.
    """
    parsed = json.loads(document)
    fields = getattr(request_rules, "REQUEST_FIELDS", ())
    if "caCertificatePem" not in fields or not isinstance(parsed, dict):
        return document
    ca_id = parsed.get("caCertificateId")
    if not isinstance(ca_id, str) or parsed.get("caCertificatePem"):
        return document
    for region, iot in iot_clients.items():
        try:
            pem = iot.describe_ca_certificate(certificateId=ca_id)["certificateDescription"]["certificatePem"]
        except (ClientError, BotoCoreError, KeyError) as error:
            if denied is not None and is_access_denied(error):
                denied.append(region)
            continue
        return json.dumps({**parsed, "caCertificatePem": pem})
    return document


def wants_regions(args: argparse.Namespace) -> bool:
    """Whether ``run`` was asked for several Regions (--regions or --all-regions)."""
    return bool(getattr(args, "regions", None) or getattr(args, "all_regions", False))


def run_regions(args: argparse.Namespace) -> int:
    """``ca-revoke run --regions R1,R2,...`` or ``--all-regions``.

    Input: as ``run`` (``run.request_document``: --ca-certificate-id and/or --ca-certificate-file, with
    --scan-unlinked, validated as NormalizeInput does, or --input-file), the same
    request sent to each Region; --state-machine-arn gives the state machine's name (found by that name
    in each Region; default iot-ca-revocation). --region, when given, names the partition for
    --all-regions (botocore's ``Session.get_available_regions("stepfunctions", partition)``).
    Output: without --wait, each Region's executionArn (JSON with --json: {"regions": [{region,
    executionArn, status}]}); with --wait, the combined report (docs/data-contract.md, "The combined
    report"; a table, or JSON with --json) on stdout, a progress line per Region and one line per Region
    that is not verified on stderr.
    Exit codes: the most severe of the Regions' (SEVERITY; README, "Exit codes"); 2 for bad input,
    1 when no Region has the state machine.
    """
    out, err = run_command.consoles()
    try:
        document = run_command.request_document(args)
    except UsageError as error:
        err.print(f"ca-revoke run: {error}", markup=False, highlight=False)
        return exit_codes.BAD_INPUT
    name = args.state_machine_arn.split(":")[6] if args.state_machine_arn else STATE_MACHINE_NAME
    try:
        search = (
            Deployments(deployed=list(args.regions), denied=[])
            if args.regions
            else find_deployments(args, name)
        )
        regions, denied_regions = search.deployed, search.denied
        if not regions and not denied_regions:
            err.print(f"ca-revoke run: no Region has a state machine named {name!r}", markup=False)
            return exit_codes.FAILED
        clients = {region: _clients(args, region) for region in regions}
        pem_denied: list[str] = []
        document = with_ca_pem(document, {region: iot for region, (_, _, iot) in clients.items()}, pem_denied)
    except (BotoCoreError, ClientError) as error:
        err.print(f"ca-revoke run: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    for region in pem_denied:
        err.print(
            f"ca-revoke run: {region}: iot:DescribeCACertificate denied (AccessDenied): the CA's PEM was not "
            "read there",
            markup=False,
        )

    def start(region: str) -> tuple[str, str, bool]:
        sfn = clients[region][0]
        try:
            return start_execution(sfn, find_state_machine(sfn, name), document), "", False
        except (BotoCoreError, ClientError, LookupError) as error:
            return "", str(error), is_access_denied(error)

    with ThreadPoolExecutor(max_workers=max(1, min(8, len(regions)))) as pool:
        started = dict(zip(regions, pool.map(start, regions), strict=True))
    denied_problem = (
        "states:ListStateMachines denied (AccessDenied): whether the state machine is there is unknown"
    )
    started.update({region: ("", denied_problem, True) for region in denied_regions})
    executions = {region: arn for region, (arn, _, _) in started.items() if arn}
    for region, (arn, problem, denied) in started.items():
        state = ACCESS_DENIED if denied else "not started"
        err.print(f"{region}: {'execution ' + arn if arn else state + ': ' + problem}", markup=False)

    def unstarted(denied: bool) -> str:
        return ACCESS_DENIED if denied else NOT_STARTED

    if not args.wait:
        if args.json:
            entries = [
                {"region": region, "executionArn": arn, "status": "RUNNING" if arn else unstarted(denied)}
                for region, (arn, _, denied) in started.items()
            ]
            out.print(json.dumps({"regions": entries}))
        else:
            for region, (arn, _, denied) in started.items():
                out.print(f"{region} {arn or unstarted(denied)}", markup=False, highlight=False)
        if len(executions) == len(started):
            return exit_codes.STARTED
        return exit_codes.ACCESS_DENIED if any(d for _, _, d in started.values()) else exit_codes.FAILED
    try:
        followed = follow_regions(
            {region: clients[region][:2] for region in executions},
            executions,
            err,
            poll_seconds=run_command.POLL_SECONDS,
        )
    except (BotoCoreError, ClientError) as error:
        err.print(f"ca-revoke run: {error}", markup=False, highlight=False)
        return exit_codes.FAILED
    outcomes = [
        followed[region]
        if region in followed
        else RegionOutcome(
            region,
            ExecutionResult(
                "",
                unstarted(denied),
                error="AccessDenied" if denied else "StartExecutionFailed",
                cause=problem,
            ),
        )
        for region, (_, problem, denied) in started.items()
    ]
    return print_combined(combined_report(outcomes), "run", as_json=args.json, out=out, err=err)
