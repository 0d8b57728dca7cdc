"""``ca-revoke bench``: the workflow and the baselines (cli.bench_baselines) on the same seeded fleet, at an
enforced quota, and the cost of 1,000,000 certificates projected from the run (cli.bench_cost).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import dataclass
from typing import Any

from revocation_common.pacing import fan_out
from rich.console import Console
from rich.table import Table

from cli import exit_codes
from cli.bench_baselines import measure_aws_cli_loop, measure_boto3_loop, measure_boto3_rate_limited
from cli.bench_cost import MeasuredUse, cost_projection
from cli.workflow import result_of, start_execution, wait_for
from contract.names import RESOURCE_PREFIX
from emulator.deploy import deployed_context
from emulator.fleet import seed_fleet
from emulator.lambda_runtime import logical_name
from emulator.session import EmulatorOptions, EmulatorSession


@dataclass
class WorkflowFigures:
    wall_seconds: float
    achieved_tps: float
    update_calls: int
    throttled: int
    parent_history_events: int
    listing_invocations: int
    verified: bool
    failed: int
    total: int
    used: MeasuredUse

    @property
    def state_transitions(self) -> int:
        return self.used.parent_transitions + self.used.child_transitions


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


def _delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    return {key: value - before.get(key, 0) for key, value in after.items()}


def measure_workflow(
    certificates: int, quota: float, seed: int, list_time_budget: float | None = None
) -> WorkflowFigures:
    """Run the workflow on a fresh emulator with ``quota`` (transactions per second) enforced."""
    with EmulatorSession(_options(quota, seed, list_time_budget)) as emulator:
        assert emulator.deployment is not None and emulator.lambda_runtime is not None
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        runtime = emulator.lambda_runtime
        before = (dict(runtime.stats.by_function), dict(runtime.stats.seconds_by_function))
        calls_before = dict(runtime.stats.call_counts)
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
        invocations = _delta(runtime.stats.by_function, before[0])
        seconds = _delta(runtime.stats.seconds_by_function, before[1])
        # Each Distributed Map child runs one Task state: its transitions are its task attempts.
        child_transitions = invocations.get(f"{RESOURCE_PREFIX}-RevokeCertificates", 0)
        report = result.report or {}
        history = _parent_history(sfn, arn)
        # The children this run's Map ran at once, from the context it was deployed with (its latency is
        # the emulator's, not cdk.json's estimate for AWS).
        context = deployed_context(emulator.options.context)
        latency = float(context["updateCertificateLatencyMs"]) / 1000
        fanned = fan_out(quota, int(context["revokeMaxConcurrency"]), latency)
        used = MeasuredUse(
            certificates=certificates,
            quota_tps=quota,
            children=max(1, min(fanned.children, child_transitions)),
            seconds_by_function={logical_name(name): value for name, value in seconds.items()},
            invocations=sum(invocations.values()),
            # Parent transitions: one per state entered; each retry of a task is another attempt of it.
            parent_transitions=sum(1 for kind in history if kind.endswith("StateEntered")),
            child_transitions=child_transitions,
            batches=child_transitions,  # one child per Map item: the bench injects no task fault
            call_counts=_delta(runtime.stats.call_counts, calls_before),
        )
        return WorkflowFigures(
            wall_seconds=wall,
            achieved_tps=achieved,
            update_calls=stats.calls.get("UpdateCertificate", 0),
            throttled=sum(stats.throttled.values()),
            parent_history_events=len(history),
            listing_invocations=int(report.get("listing", {}).get("invocations", 0)),
            verified=bool(report.get("verification", {}).get("verified")) and result.status == "SUCCEEDED",
            failed=int(report.get("certificates", {}).get("failed", -1)),
            total=int(report.get("certificates", {}).get("total", -1)),
            used=used,
        )


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
    # The same deployment with no certificate: what every run costs once (cli.bench_cost).
    fixed = measure_workflow(0, quota, seed, list_time_budget)
    per_1000 = 1000 / max(1, certificates)
    utilization = workflow.achieved_tps / quota
    cost = cost_projection(workflow.used, fixed.used)
    figures: dict[str, Any] = {
        "quotaTps": quota,
        "certificates": certificates,
        "wallSeconds": round(workflow.wall_seconds, 2),
        "achievedTps": round(workflow.achieved_tps, 2),
        "quotaUtilization": round(utilization, 3),
        "updateCertificateCalls": workflow.update_calls,
        "throttledRequests": workflow.throttled,
        "stateTransitions": workflow.state_transitions,
        "stateTransitionsPer1000": round(workflow.state_transitions * per_1000, 2),
        "lambdaInvocations": workflow.used.invocations,
        "lambdaGbSecondsMeasured": round(sum(workflow.used.gb_seconds().values()), 2),
        "lambdaGbSecondsPer1000Certificates": cost["lambdaGbSecondsPer1000Certificates"],
        "costPer1MCertificatesUsd": cost["usdTotal"],
        "costNotIncluded": cost["notIncluded"],
        "listingInvocations": workflow.listing_invocations,
        "parentHistoryEvents": workflow.parent_history_events,
        "verified": workflow.verified,
        "total": workflow.total,
        "failed": workflow.failed,
        "costProjection1M": cost,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
    }
    if baselines:
        strong = measure_boto3_rate_limited(certificates, quota, seed)
        figures["baselines"] = {
            "awsCliLoop": measure_aws_cli_loop(certificates, quota, seed, cli_sample),
            "boto3Loop": measure_boto3_loop(certificates, quota, seed),
            "boto3RateLimited": strong,
        }
        best = strong["quotaUtilization"]
        figures["workflowToBestBaselineUtilization"] = round(utilization / best, 3) if best else None
    return figures


def run_bench(args: argparse.Namespace) -> int:
    """Benchmark the workflow and the baselines on the emulator with --iot-tps enforced.

    Output: a table, or with --json the figures: quotaTps, certificates, wallSeconds, achievedTps and
    quotaUtilization (achieved / quota over the revocation phase: first to last accepted UpdateCertificate),
    updateCertificateCalls, throttledRequests, stateTransitions(+Per1000), lambdaInvocations,
    lambdaGbSecondsMeasured (each invocation's measured duration times its function's memory, GB-seconds),
    lambdaGbSecondsPer1000Certificates and costPer1MCertificatesUsd (at cdk.json's default quota,
    projected from the measured figures, with a second run of no certificate for the fixed part of a
    run: cli.bench_cost), the baselines (awsCliLoop, boto3Loop,
    boto3RateLimited) and workflowToBestBaselineUtilization (quotaUtilization over boto3RateLimited's).
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
            "lambdaGbSecondsPer1000Certificates",
            "costPer1MCertificatesUsd",
            "listingInvocations",
            "parentHistoryEvents",
            "verified",
        ):
            table.add_row(key, str(figures[key]))
        for name, baseline in figures.get("baselines", {}).items():
            table.add_row(f"{name} certificates/s", str(baseline.get("certificatesPerSecond")))
            table.add_row(f"{name} throttled", str(baseline.get("throttledRequests")))
        if "workflowToBestBaselineUtilization" in figures:
            table.add_row(
                "workflowToBestBaselineUtilization", str(figures["workflowToBestBaselineUtilization"])
            )
        out.print(table)
    ok = figures["verified"] and figures["failed"] == 0
    return exit_codes.VERIFIED if ok else exit_codes.NOT_VERIFIED
