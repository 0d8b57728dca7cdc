"""``ca-revoke bench``: the workflow and the two baselines on the same seeded fleet, at an enforced quota.

Baselines (what operators do today):
- awsCliLoop: the documented procedure ("Deactivate a CA certificate", AWS IoT Developer Guide) with the
  AWS CLI: update-ca-certificate, list-certificates-by-ca, then one update-certificate process per
  certificate, against the emulator served on loopback. Each call is a new CLI process, so only a sample
  of --cli-sample certificates is revoked this way and the rate is measured on it.
- boto3Loop: the same in one Python process with boto3's default client (a sequential script).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from rich.console import Console
from rich.table import Table

from cli import exit_codes
from cli.workflow import result_of, start_execution, wait_for
from contract.cdk_json import cdk_json_context
from contract.functions import FUNCTION_SPECS
from contract.names import RESOURCE_PREFIX
from emulator.fleet import seed_fleet
from emulator.iot import MAX_PAGE_SIZE as PAGE_SIZE
from emulator.session import REGION, EmulatorOptions, EmulatorSession

# AWS list prices, US East (N. Virginia), as published on the pricing pages below (read 2026-11-30).
USD_PER_1000_STATE_TRANSITIONS = 0.025
USD_PER_LAMBDA_GB_SECOND = 0.0000166667
USD_PER_MILLION_LAMBDA_REQUESTS = 0.20
PRICES = {
    "stateTransitionUsdPer1000": USD_PER_1000_STATE_TRANSITIONS,
    "lambdaUsdPerGbSecond": USD_PER_LAMBDA_GB_SECOND,
    "lambdaUsdPerMillionRequests": USD_PER_MILLION_LAMBDA_REQUESTS,
    "sources": [
        "https://aws.amazon.com/step-functions/pricing/ (Standard Workflows, per 1,000 state transitions)",
        "https://aws.amazon.com/lambda/pricing/ (x86, per GB-second and per 1M requests)",
    ],
    "date": "2026-11-30",
    "region": "us-east-1",
}
MEMORY_GB = {spec.logical_name: spec.memory_mb / 1024 for spec in FUNCTION_SPECS}


@dataclass
class WorkflowFigures:
    wall_seconds: float
    achieved_tps: float
    update_calls: int
    throttled: int
    state_transitions: int
    lambda_invocations: int
    listing_invocations: int
    parent_history_events: int
    verified: bool
    failed: int
    total: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _options(quota: float, seed: int, list_time_budget: float | None = None) -> EmulatorOptions:
    if list_time_budget is None:
        return EmulatorOptions.at_quota(quota, seed=seed)
    return EmulatorOptions.at_quota(quota, seed=seed, listTimeBudgetSeconds=list_time_budget)


def _parent_history(sfn: Any, execution_arn: str) -> list[str]:
    """The event types of the parent execution's history (GetExecutionHistory)."""
    types: list[str] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        types.extend(event["type"] for event in page["events"])
    return types


def measure_workflow(
    certificates: int, quota: float, seed: int, list_time_budget: float | None = None
) -> WorkflowFigures:
    """Run the workflow on a fresh emulator with ``quota`` (transactions per second) enforced."""
    with EmulatorSession(_options(quota, seed, list_time_budget)) as emulator:
        assert emulator.deployment is not None and emulator.lambda_runtime is not None
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        runtime = emulator.lambda_runtime
        before = dict(runtime.stats.by_function)
        sfn = emulator.client("stepfunctions")
        started = time.monotonic()
        arn = start_execution(
            sfn,
            emulator.deployment.state_machine_arn,
            json.dumps({"caCertificateId": fleet.ca_certificate_id}),
        )
        description = wait_for(sfn, arn, poll_seconds=0.5)
        wall = time.monotonic() - started
        result = result_of(sfn, emulator.client("s3"), description)
        stats = emulator.iot_layer.stats
        times = stats.update_certificate_times
        achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        invocations = {k: v - before.get(k, 0) for k, v in runtime.stats.by_function.items()}
        # Each Distributed Map child runs one Task state: its transitions are its task attempts.
        child_transitions = invocations.get(f"{RESOURCE_PREFIX}-RevokeCertificates", 0)
        report = result.report or {}
        history = _parent_history(sfn, arn)
        # Parent transitions: one per state entered; each retry of a task is another attempt of it.
        parent_transitions = sum(1 for kind in history if kind.endswith("StateEntered"))
        return WorkflowFigures(
            wall_seconds=wall,
            achieved_tps=achieved,
            update_calls=stats.calls.get("UpdateCertificate", 0),
            throttled=sum(stats.throttled.values()),
            state_transitions=parent_transitions + child_transitions,
            lambda_invocations=sum(invocations.values()),
            listing_invocations=int(report.get("listing", {}).get("invocations", 0)),
            parent_history_events=len(history),
            verified=bool(report.get("verification", {}).get("verified")) and result.status == "SUCCEEDED",
            failed=int(report.get("certificates", {}).get("failed", -1)),
            total=int(report.get("certificates", {}).get("total", -1)),
        )


def measure_boto3_loop(certificates: int, quota: float, seed: int) -> dict[str, Any]:
    """The documented procedure as a sequential boto3 script (default client configuration)."""
    with EmulatorSession(_options(quota, seed)) as emulator:
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        iot = boto3.client("iot", region_name=REGION)
        done, error = 0, ""
        started = time.monotonic()
        try:
            iot.update_ca_certificate(certificateId=fleet.ca_certificate_id, newStatus="INACTIVE")
            pages = iot.get_paginator("list_certificates_by_ca").paginate(
                caCertificateId=fleet.ca_certificate_id, PaginationConfig={"PageSize": PAGE_SIZE}
            )
            for page in pages:
                for certificate in page["certificates"]:
                    iot.update_certificate(certificateId=certificate["certificateId"], newStatus="REVOKED")
                    done += 1
        except ClientError as failure:
            error = str(failure.response.get("Error", {}).get("Code", "ClientError"))
        elapsed = time.monotonic() - started
        stats = emulator.iot_layer.stats
        return {
            "certificatesPerSecond": round(done / elapsed, 2) if elapsed > 0 else 0.0,
            "throttledRequests": sum(stats.throttled.values()),
            "certificatesRevoked": done,
            "wallSeconds": round(elapsed, 2),
            "stoppedBy": error or None,
        }


def measure_aws_cli_loop(certificates: int, quota: float, seed: int, sample: int) -> dict[str, Any]:
    """The documented AWS CLI procedure against the emulator on loopback, on ``sample`` certificates."""
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if aws is None:
        return {"certificatesPerSecond": None, "throttledRequests": None, "skipped": "aws CLI not found"}
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}
    env.pop("AWS_ENDPOINT_URL", None)
    with EmulatorSession(_options(quota, seed), port=port) as emulator:
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        base = [aws, "--endpoint-url", f"http://127.0.0.1:{port}", "--output", "json", "iot"]
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - our own AWS CLI against our own loopback emulator
            [
                *base,
                "update-ca-certificate",
                "--certificate-id",
                fleet.ca_certificate_id,
                "--new-status",
                "INACTIVE",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        # As documented, without --page-size: the AWS CLI only follows nextMarker itself when the
        # service's own page-size parameter is not given.
        listed = subprocess.run(  # noqa: S603
            [*base, "list-certificates-by-ca", "--ca-certificate-id", fleet.ca_certificate_id],
            check=True,
            capture_output=True,
            env=env,
            text=True,
        )
        ids = [c["certificateId"] for c in json.loads(listed.stdout)["certificates"]]
        listing_seconds = time.monotonic() - started
        done, error = 0, ""
        sample_started = time.monotonic()
        for certificate_id in ids[:sample]:
            completed = subprocess.run(  # noqa: S603
                [*base, "update-certificate", "--certificate-id", certificate_id, "--new-status", "REVOKED"],
                capture_output=True,
                env=env,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                error = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed"
                break
            done += 1
        sample_seconds = time.monotonic() - sample_started
        stats = emulator.iot_layer.stats
        rate = done / sample_seconds if sample_seconds > 0 else 0.0
        return {
            "certificatesPerSecond": round(rate, 2),
            "throttledRequests": sum(stats.throttled.values()),
            "certificatesRevoked": done,
            "certificatesListed": len(ids),
            "sampleSize": min(sample, len(ids)),
            "listingSeconds": round(listing_seconds, 2),
            "projectedWallSeconds": round(listing_seconds + len(ids) / rate, 1) if rate else None,
            "stoppedBy": error or None,
        }


def cost_projection(transitions_per_1000: float, invocations_per_1000: float) -> dict[str, Any]:
    """Cost of revoking 1,000,000 certificates on AWS at the default quotas (cdk.json), at list prices.

    Lambda GB-seconds: the RevokeCertificates children pace themselves at the quota, so the Map keeps
    min(MaxConcurrency, pages) children busy for the whole revocation (1,000,000 / quota seconds); the
    listing and the verification each make 4,000 ListCertificatesByCA calls at their quota.
    """
    context = cdk_json_context()
    certificates = 1_000_000
    update_tps = float(context["updateCertificateTps"])
    list_tps = float(context["listCertificatesByCaTps"])
    pages = certificates // PAGE_SIZE
    children = min(int(context["revokeMaxConcurrency"]), pages)
    revocation_seconds = certificates / update_tps
    gb_seconds = (
        children * revocation_seconds * MEMORY_GB["RevokeCertificates"]
        + pages / list_tps * MEMORY_GB["DiscoverScope"]
        + pages / list_tps * MEMORY_GB["VerifyRevocation"]
    )
    transitions = transitions_per_1000 * certificates / 1000
    requests = invocations_per_1000 * certificates / 1000
    usd_transitions = transitions / 1000 * USD_PER_1000_STATE_TRANSITIONS
    usd_lambda = gb_seconds * USD_PER_LAMBDA_GB_SECOND + requests / 1e6 * USD_PER_MILLION_LAMBDA_REQUESTS
    return {
        "certificates": certificates,
        "updateCertificateTps": update_tps,
        "revocationHours": round(revocation_seconds / 3600, 2),
        "stateTransitions": round(transitions),
        "lambdaGbSeconds": round(gb_seconds),
        "lambdaRequests": round(requests),
        "usdStateTransitions": round(usd_transitions, 2),
        "usdLambda": round(usd_lambda, 2),
        "usdTotal": round(usd_transitions + usd_lambda, 2),
        "prices": PRICES,
    }


def bench(
    certificates: int,
    quota: float,
    seed: int,
    cli_sample: int,
    *,
    list_time_budget: float | None = None,
    baselines: bool = True,
) -> dict[str, Any]:
    """All figures of one benchmark run (the JSON that --json prints)."""
    workflow = measure_workflow(certificates, quota, seed, list_time_budget)
    per_1000 = 1000 / max(1, certificates)
    figures: dict[str, Any] = {
        "quotaTps": quota,
        "certificates": certificates,
        "wallSeconds": round(workflow.wall_seconds, 2),
        "achievedTps": round(workflow.achieved_tps, 2),
        "quotaUtilization": round(workflow.achieved_tps / quota, 3),
        "updateCertificateCalls": workflow.update_calls,
        "throttledRequests": workflow.throttled,
        "stateTransitions": workflow.state_transitions,
        "stateTransitionsPer1000": round(workflow.state_transitions * per_1000, 2),
        "lambdaInvocations": workflow.lambda_invocations,
        "listingInvocations": workflow.listing_invocations,
        "parentHistoryEvents": workflow.parent_history_events,
        "verified": workflow.verified,
        "total": workflow.total,
        "failed": workflow.failed,
        "costProjection1M": cost_projection(
            workflow.state_transitions * per_1000, workflow.lambda_invocations * per_1000
        ),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
    }
    if baselines:
        figures["baselines"] = {
            "awsCliLoop": measure_aws_cli_loop(certificates, quota, seed, cli_sample),
            "boto3Loop": measure_boto3_loop(certificates, quota, seed),
        }
    return figures


def run_bench(args: argparse.Namespace) -> int:
    """Benchmark the workflow and the baselines on the emulator with --iot-tps enforced.

    Output: a table, or with --json the figures: quotaTps, certificates, wallSeconds, achievedTps and
    quotaUtilization (achieved / quota over the revocation phase: first to last accepted UpdateCertificate),
    updateCertificateCalls, throttledRequests, stateTransitions(+Per1000), lambdaInvocations, baselines,
    and a cost projection for 1,000,000 certificates at AWS list prices.
    Exit code: 0 when the workflow's run verified with no failed certificate, else 3.
    """
    figures = bench(
        args.certificates,
        args.iot_tps,
        args.seed,
        args.cli_sample,
        list_time_budget=args.list_time_budget,
        baselines=not args.no_baselines,
    )
    out = Console(highlight=False, soft_wrap=True)
    if args.json:
        out.print_json(json.dumps(figures))
    else:
        table = Table(title=f"ca-revoke bench: {args.certificates} certificates at {args.iot_tps:g} TPS")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key in (
            "wallSeconds",
            "achievedTps",
            "quotaUtilization",
            "updateCertificateCalls",
            "throttledRequests",
            "stateTransitions",
            "stateTransitionsPer1000",
            "lambdaInvocations",
            "listingInvocations",
            "parentHistoryEvents",
            "verified",
        ):
            table.add_row(key, str(figures[key]))
        for name, baseline in figures.get("baselines", {}).items():
            table.add_row(f"{name} certificates/s", str(baseline.get("certificatesPerSecond")))
            table.add_row(f"{name} throttled", str(baseline.get("throttledRequests")))
        table.add_row("1M certificates on AWS, USD", str(figures["costProjection1M"]["usdTotal"]))
        out.print(table)
    ok = figures["verified"] and figures["failed"] == 0
    return exit_codes.VERIFIED if ok else exit_codes.NOT_VERIFIED
