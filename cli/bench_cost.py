"""The cost of revoking 1,000,000 certificates on AWS at the default quota (cdk.json), projected from one
``ca-revoke bench`` run's measured figures: the emulator records each task invocation's duration and AWS
calls (emulator.lambda_runtime.InvocationStats), the parent history gives the state transitions.

Projection: a run with no certificate gives the fixed part of a run (counted once); paced work takes as
long as the quota makes it, so a function's measured GB-seconds per certificate beyond the fixed part
scale with bench quota / default quota; RevokeCertificates' also with the children the
fan-out runs at each quota (revocation_common.pacing.fan_out). State transitions: the parent's measured
ones plus, per Map item at 1,000,000 (revocation_common.batches.plan_batches), the measured transitions of
a child. Requests and S3 calls scale with the certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from revocation_common.batches import plan_batches
from revocation_common.pacing import expected_revocation_seconds, fan_out
from revocation_common.vocabulary import REVOCATION_PAGE_SIZE

from contract.cdk_json import cdk_json_context
from contract.functions import FUNCTION_SPECS

# AWS list prices, US East (N. Virginia), as published on the pricing pages below (read 2026-12-02).
USD_PER_1000_STATE_TRANSITIONS = 0.025
USD_PER_LAMBDA_GB_SECOND = 0.0000166667
USD_PER_MILLION_LAMBDA_REQUESTS = 0.20
USD_PER_1000_S3_PUT_LIST = 0.005
USD_PER_1000_S3_GET = 0.0004
PRICES = {
    "stateTransitionUsdPer1000": USD_PER_1000_STATE_TRANSITIONS,
    "lambdaUsdPerGbSecond": USD_PER_LAMBDA_GB_SECOND,
    "lambdaUsdPerMillionRequests": USD_PER_MILLION_LAMBDA_REQUESTS,
    "s3UsdPer1000PutCopyPostList": USD_PER_1000_S3_PUT_LIST,
    "s3UsdPer1000Get": USD_PER_1000_S3_GET,
    "sources": [
        "https://aws.amazon.com/step-functions/pricing/ (Standard Workflows, per 1,000 state transitions)",
        "https://aws.amazon.com/lambda/pricing/ (x86, per GB-second and per 1M requests)",
        "https://aws.amazon.com/s3/pricing/ (S3 Standard, PUT/COPY/POST/LIST and GET requests)",
    ],
    "date": "2026-12-02",
    "region": "us-east-1",
}
MEMORY_GB = {spec.logical_name: spec.memory_mb / 1024 for spec in FUNCTION_SPECS}
REVOKE_FUNCTION = "RevokeCertificates"
MILLION = 1_000_000
_S3_WRITES = ("s3:PutObject", "s3:ListBucket", "s3:ListObjectsV2", "s3:DeleteObject")


@dataclass(frozen=True)
class MeasuredUse:
    """What one bench run used. seconds_by_function: logical name -> seconds its invocations ran;
    call_counts: IAM action -> calls made by the tasks; batches: the Map's items; children: the Map
    children the run ran at once (its fan-out, at the latency it was deployed with)."""

    certificates: int
    quota_tps: float
    children: int
    seconds_by_function: dict[str, float]
    invocations: int
    parent_transitions: int
    child_transitions: int
    batches: int
    call_counts: dict[str, int]

    def gb_seconds(self) -> dict[str, float]:
        return {name: seconds * MEMORY_GB[name] for name, seconds in self.seconds_by_function.items()}


def _per_certificate(measured: float, fixed: float, certificates: int) -> float:
    return max(0.0, measured - fixed) / max(1, certificates)


# What the projection does not price, named in its output so that usdTotal is never read as the whole
# bill: none of them is measured by the emulator. Each is billed per its own AWS pricing page.
NOT_INCLUDED: Final = (
    "AWS X-Ray traces (the tasks and the state machine are traced: X-Ray pricing)",
    "CloudWatch Logs ingestion and storage (the state machine logs at level ALL with execution data, and "
    "every task's log group: CloudWatch pricing)",
    "AWS KMS requests (the notification topic's customer managed key: AWS KMS pricing)",
    "Amazon SNS publishes (the start, end and failure notices: Amazon SNS pricing)",
    "the Distributed Map's own S3 requests (ItemReader reads the batches object and ResultWriter writes "
    "the Map Run's manifest and results, per Map Run: Amazon S3 pricing), which the emulator's task call "
    "counts do not see",
    "DynamoDB requests of the lock (a few per run, on-demand: Amazon DynamoDB pricing)",
)


def cost_projection(used: MeasuredUse, fixed: MeasuredUse | None = None) -> dict[str, Any]:
    """Figures and USD of 1,000,000 certificates at cdk.json's updateCertificateTps, from ``used``.

    ``fixed``: what a run of the same deployment with no certificate used (bench measures one): its
    Lambda GB-seconds and S3 requests are counted once, and only the rest of ``used`` scales with the
    certificates. None: everything scales (an upper bound: a small run's fixed costs count many times).
    Where a run measured less than the fixed run (noise on a small fleet), its variable part is 0.
    Errors: ValueError for a run of no certificate or no child, or a fixed run at another quota.
    Output: {"certificates", "updateCertificateTps", "revocationHours", "children", "batches",
    "stateTransitions", "lambdaGbSeconds", "lambdaGbSecondsPer1000Certificates",
    "lambdaGbSecondsByFunction" (logical name -> projected GB-seconds), "fixedPerRun" (the fixed part:
    lambdaGbSeconds, s3Requests), "lambdaRequests", "s3Requests", "usdStateTransitions", "usdLambda",
    "usdS3", "usdTotal", "measuredAtTps", "prices", "notIncluded" (NOT_INCLUDED: what usdTotal leaves
    out)}.
    """
    if used.certificates < 1 or used.children < 1:
        raise ValueError(
            f"cost_projection: expected a run of 1 or more certificates and children, got "
            f"{used.certificates} and {used.children}"
        )
    if fixed is not None and fixed.quota_tps != used.quota_tps:
        raise ValueError(
            f"cost_projection: expected the fixed run at the run's quota {used.quota_tps} TPS, "
            f"got {fixed.quota_tps}"
        )
    context = cdk_json_context()
    quota = float(context["updateCertificateTps"])
    concurrency = int(context["revokeMaxConcurrency"])
    latency = float(context["updateCertificateLatencyMs"]) / 1000
    children = fan_out(quota, concurrency, latency).children
    time_scale = used.quota_tps / quota
    fixed_gb = fixed.gb_seconds() if fixed is not None else {}
    fixed_calls = fixed.call_counts if fixed is not None else {}
    by_function = {}
    for name, gb_seconds in sorted(used.gb_seconds().items()):
        scale = time_scale * (children / used.children if name == REVOKE_FUNCTION else 1.0)
        once = fixed_gb.get(name, 0.0)
        # The fixed part too takes longer at a lower quota (its listings are paced): time_scale.
        variable = _per_certificate(gb_seconds, once, used.certificates) * scale * MILLION
        by_function[name] = once * time_scale + variable
    gb_seconds_1m = sum(by_function.values())
    batches = len(plan_batches(range(MILLION // REVOCATION_PAGE_SIZE), quota_tps=quota, children=children))
    per_child = used.child_transitions / max(1, used.batches)
    transitions = used.parent_transitions + batches * per_child
    requests = (used.invocations - used.batches) + batches

    def projected_calls(actions: tuple[str, ...]) -> float:
        measured = sum(used.call_counts.get(action, 0) for action in actions)
        once = sum(fixed_calls.get(action, 0) for action in actions)
        return once + _per_certificate(measured, once, used.certificates) * MILLION

    writes, reads = projected_calls(_S3_WRITES), projected_calls(("s3:GetObject",))
    usd_transitions = transitions / 1000 * USD_PER_1000_STATE_TRANSITIONS
    usd_lambda = gb_seconds_1m * USD_PER_LAMBDA_GB_SECOND + requests / 1e6 * USD_PER_MILLION_LAMBDA_REQUESTS
    usd_s3 = writes / 1000 * USD_PER_1000_S3_PUT_LIST + reads / 1000 * USD_PER_1000_S3_GET
    return {
        "certificates": MILLION,
        "updateCertificateTps": quota,
        "measuredAtTps": used.quota_tps,
        "revocationHours": round(expected_revocation_seconds(MILLION, quota) / 3600, 2),
        "children": children,
        "batches": batches,
        "stateTransitions": round(transitions),
        "lambdaGbSeconds": round(gb_seconds_1m),
        "lambdaGbSecondsPer1000Certificates": round(gb_seconds_1m / 1000, 2),
        "lambdaGbSecondsByFunction": {name: round(value) for name, value in by_function.items()},
        "fixedPerRun": {
            "lambdaGbSeconds": round(sum(fixed_gb.values()) * time_scale, 1),
            "s3Requests": sum(fixed_calls.get(action, 0) for action in (*_S3_WRITES, "s3:GetObject")),
        },
        "lambdaRequests": round(requests),
        "s3Requests": {"putCopyPostList": round(writes), "get": round(reads)},
        "usdStateTransitions": round(usd_transitions, 3),
        "usdLambda": round(usd_lambda, 3),
        "usdS3": round(usd_s3, 3),
        "usdTotal": round(usd_transitions + usd_lambda + usd_s3, 2),
        "prices": PRICES,
        "notIncluded": list(NOT_INCLUDED),
    }
