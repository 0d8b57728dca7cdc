"""Run-time settings of the tasks, read from the environment the CDK functions construct sets.

The variables and their cdk.json context keys are listed in docs/data-contract.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from revocation_common.pacing import FanOut, fan_out


@dataclass(frozen=True)
class TaskSettings:
    """Settings of one Lambda task.

    report_bucket: S3 bucket for pages, manifests, outcomes and reports.
    update_certificate_tps: UpdateCertificate quota shared by all Map children (transactions per second).
    list_certificates_tps: ListCertificatesByCA quota (transactions per second).
    describe_certificate_tps: DescribeCertificate quota (transactions per second; the restore reads each
        certificate's status before it reactivates it).
    revoke_max_concurrency: Distributed Map MaxConcurrency (child executions at once).
    default_target_status: REVOKED or INACTIVE, used when the request names none.
    automatic_response_mode: off, dry-run or enforce; applies to runs started by security findings.
    list_time_budget_seconds: a listing invocation returns a continuation marker after this many seconds.
    lock_table: DynamoDB table of the per-CA locks (one item per CA being worked on).
    security_hub_check_names: AWS IoT Device Defender audit checks whose Security Hub findings may start a
        run (the EventBridge rule matches the same set).
    list_affected_things: list each certificate's Things (ListPrincipalThings) into its outcome and the
        report's affected-Things CSV (LIST_AFFECTED_THINGS "true"/"false").
    list_ca_certificates_tps, describe_ca_certificate_tps, list_all_certificates_tps (ListCertificates):
        DiscoverScope's other read quotas (transactions per second; discover_scope.config).
    scan_unlinked_certificates: the default of the request's scanUnlinked.
    update_certificate_latency_seconds: the per-call latency each child is sized for (seconds; the
        variable UPDATE_CERTIFICATE_LATENCY_MS is in milliseconds).
    deployment_regions: the app's Regions (cdk.json ``regions``; empty: one Region), whose stacks forward
        each other's findings: NormalizeInput accepts a finding whose envelope comes from one of them.
    list_principal_things_tps: ListPrincipalThings quota shared by all Map children (transactions per
        second).
    """

    report_bucket: str
    update_certificate_tps: float
    list_certificates_tps: float
    revoke_max_concurrency: int
    default_target_status: str
    automatic_response_mode: str
    list_time_budget_seconds: float
    lock_table: str = ""
    describe_certificate_tps: float = 10.0
    security_hub_check_names: tuple[str, ...] = ()
    list_affected_things: bool = True
    list_principal_things_tps: float = 10.0
    list_ca_certificates_tps: float = 10.0
    describe_ca_certificate_tps: float = 10.0
    list_all_certificates_tps: float = 10.0
    scan_unlinked_certificates: bool = True
    update_certificate_latency_seconds: float = 0.1
    deployment_regions: tuple[str, ...] = ()

    def revocation_fan_out(self) -> FanOut:
        """The fan-out of the UpdateCertificate quota (revocation_common.pacing.fan_out): the children the
        Distributed Map runs at once, each child's share and its calls in flight."""
        return fan_out(
            self.update_certificate_tps, self.revoke_max_concurrency, self.update_certificate_latency_seconds
        )


def _positive_float(name: str, default: str) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a positive number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name}: expected a positive number, got {raw!r}")
    return value


def _flag(name: str, default: str) -> bool:
    raw = os.environ.get(name, default)
    if raw.strip().lower() not in ("true", "false"):
        raise ValueError(f"{name}: expected true or false, got {raw!r}")
    return raw.strip().lower() == "true"


# The default of LIST_PRINCIPAL_THINGS_TPS: AWS IoT Core's ListPrincipalThings quota, transactions per
# second per account and Region (AWS General Reference, "AWS IoT Core endpoints and quotas",
# https://docs.aws.amazon.com/general/latest/gr/iot-core.html); the deployed value is cdk.json's
# listPrincipalThingsTps, set from Service Quotas.
DEFAULT_LIST_PRINCIPAL_THINGS_TPS = "10"


@lru_cache(maxsize=1)
def task_settings() -> TaskSettings:
    """Read the task settings once per process.

    Raises ValueError naming the variable when one is malformed (a deployment error, not an input error).
    """
    return TaskSettings(
        report_bucket=os.environ.get("REPORT_BUCKET", ""),
        update_certificate_tps=_positive_float("UPDATE_CERTIFICATE_TPS", "10"),
        list_certificates_tps=_positive_float("LIST_CERTIFICATES_BY_CA_TPS", "10"),
        revoke_max_concurrency=int(_positive_float("REVOKE_MAX_CONCURRENCY", "10")),
        default_target_status=os.environ.get("DEFAULT_TARGET_STATUS", "REVOKED"),
        automatic_response_mode=os.environ.get("AUTOMATIC_RESPONSE_MODE", "dry-run"),
        list_time_budget_seconds=_positive_float("LIST_TIME_BUDGET_SECONDS", "780"),
        lock_table=os.environ.get("LOCK_TABLE", ""),
        describe_certificate_tps=_positive_float("DESCRIBE_CERTIFICATE_TPS", "10"),
        security_hub_check_names=tuple(
            name.strip() for name in os.environ.get("SECURITY_HUB_CHECK_NAMES", "").split(",") if name.strip()
        ),
        list_affected_things=_flag("LIST_AFFECTED_THINGS", "true"),
        list_principal_things_tps=_positive_float(
            "LIST_PRINCIPAL_THINGS_TPS", DEFAULT_LIST_PRINCIPAL_THINGS_TPS
        ),
        list_ca_certificates_tps=_positive_float("LIST_CA_CERTIFICATES_TPS", "10"),
        describe_ca_certificate_tps=_positive_float("DESCRIBE_CA_CERTIFICATE_TPS", "10"),
        list_all_certificates_tps=_positive_float("LIST_CERTIFICATES_TPS", "10"),
        scan_unlinked_certificates=_flag("SCAN_UNLINKED_CERTIFICATES", "true"),
        update_certificate_latency_seconds=_positive_float("UPDATE_CERTIFICATE_LATENCY_MS", "100") / 1000,
        deployment_regions=tuple(
            region.strip() for region in os.environ.get("DEPLOYMENT_REGIONS", "").split(",") if region.strip()
        ),
    )
