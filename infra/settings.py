"""Deployment settings read once from the CDK context (cdk.json, overridable with ``cdk -c key=value``).

The keys, their meaning and the Lambda environment variables they feed are listed in
docs/data-contract.md. The defaults live in cdk.json only, so there is one source of truth.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import aws_logs as logs
from constructs import Node
from revocation_common.batches import REVOKE_BATCH_SECONDS as REVOKE_PAGE_BUDGET_SECONDS
from revocation_common.pacing import QUOTA_HEADROOM
from revocation_common.vocabulary import (
    AUTOMATIC_RESPONSE_MODES,
    CA_AUDIT_CHECKS,
    RESTORE_STATE_MACHINE_SUFFIX,
    TARGET_STATUSES,
)
from revocation_common.vocabulary import REVOCATION_PAGE_SIZE as PAGE_SIZE

from contract.functions import LIST_FUNCTION_TIMEOUT_SECONDS
from contract.task_environment import task_environment

# Context keys, as written in cdk.json.
UPDATE_CERTIFICATE_TPS: Final = "updateCertificateTps"
LIST_CERTIFICATES_BY_CA_TPS: Final = "listCertificatesByCaTps"
REVOKE_MAX_CONCURRENCY: Final = "revokeMaxConcurrency"
UPDATE_CERTIFICATE_LATENCY_MS: Final = "updateCertificateLatencyMs"
DEFAULT_TARGET_STATUS: Final = "defaultTargetStatus"
AUTOMATIC_RESPONSE_MODE: Final = "automaticResponseMode"
SECURITY_HUB_CHECK_NAMES: Final = "securityHubCheckNames"
SECURITY_HUB_CUSTOM_ACTIONS: Final = "securityHubCustomActions"
CI_ACCESS_POLICY: Final = "ciAccessPolicy"
LIST_TIME_BUDGET_SECONDS: Final = "listTimeBudgetSeconds"
LIST_CA_CERTIFICATES_TPS: Final = "listCaCertificatesTps"
DESCRIBE_CA_CERTIFICATE_TPS: Final = "describeCaCertificateTps"
LIST_CERTIFICATES_TPS: Final = "listCertificatesTps"
DESCRIBE_CERTIFICATE_TPS: Final = "describeCertificateTps"
SCAN_UNLINKED_CERTIFICATES: Final = "scanUnlinkedCertificates"
LIST_AFFECTED_THINGS: Final = "listAffectedThings"
LIST_PRINCIPAL_THINGS_TPS: Final = "listPrincipalThingsTps"
LOG_RETENTION_DAYS: Final = "logRetentionDays"
POWERTOOLS_LAYER_PARAMETER: Final = "powertoolsLayerParameter"
REPORT_RETENTION_DAYS: Final = "reportRetentionDays"
STATE_MACHINE_NAME: Final = "stateMachineName"
REGIONS: Final = "regions"

CONTEXT_KEYS: Final = (
    UPDATE_CERTIFICATE_TPS,
    LIST_CERTIFICATES_BY_CA_TPS,
    REVOKE_MAX_CONCURRENCY,
    UPDATE_CERTIFICATE_LATENCY_MS,
    DEFAULT_TARGET_STATUS,
    AUTOMATIC_RESPONSE_MODE,
    SECURITY_HUB_CHECK_NAMES,
    SECURITY_HUB_CUSTOM_ACTIONS,
    CI_ACCESS_POLICY,
    LIST_TIME_BUDGET_SECONDS,
    LIST_CA_CERTIFICATES_TPS,
    DESCRIBE_CA_CERTIFICATE_TPS,
    LIST_CERTIFICATES_TPS,
    DESCRIBE_CERTIFICATE_TPS,
    SCAN_UNLINKED_CERTIFICATES,
    LIST_AFFECTED_THINGS,
    LIST_PRINCIPAL_THINGS_TPS,
    LOG_RETENTION_DAYS,
    POWERTOOLS_LAYER_PARAMETER,
    REPORT_RETENTION_DAYS,
    STATE_MACHINE_NAME,
    REGIONS,
)

# The allowed values of defaultTargetStatus, automaticResponseMode and securityHubCheckNames are the
# tasks' own vocabulary (revocation_common.vocabulary): TARGET_STATUSES, AUTOMATIC_RESPONSE_MODES,
# CA_AUDIT_CHECKS.

# DiscoverScope runs for at most its timeout (the function table, contract/functions.py); the budget
# leaves 30 s to write the last page and the manifest before Lambda kills the invocation.
MAX_LIST_TIME_BUDGET_SECONDS: Final = LIST_FUNCTION_TIMEOUT_SECONDS - 30

# Step Functions Distributed Map runs at most 10,000 child executions at once (Step Functions quotas).
MAX_MAP_CONCURRENCY: Final = 10_000

# The only retention periods CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays).
LOG_RETENTION: Final[dict[int, logs.RetentionDays]] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}

# State machine names: 1-80 characters of letters, digits, '-' and '_' (Step Functions API Reference,
# CreateStateMachine, name; the ASCII subset that CloudWatch Logs and IAM ARNs also take as is).
# 1-80 characters (CreateStateMachine, name), less the restore state machine's suffix, which its name adds.
_STATE_MACHINE_NAME = re.compile(rf"^[A-Za-z0-9_-]{{1,{80 - len(RESTORE_STATE_MACHINE_SUFFIX)}}}$")

# Region names as the AWS General Reference lists them ("AWS Regions": us-east-1, eu-west-1, ap-southeast-2,
# us-gov-west-1, cn-north-1, ...): a country/area code, an optional partition word, a direction, a number.
_REGION_NAME = re.compile(r"^[a-z]{2}(-(gov|iso[a-z]?))?-[a-z]+-[0-9]{1,2}$")

# SSM parameter names: a leading slash, then path segments of letters, digits and . _ - (SSM PutParameter).
_SSM_PARAMETER_NAME = re.compile(r"^(/[A-Za-z0-9_.\-]+)+$")


class SettingsError(ValueError):
    """A context value is missing or malformed; the message names the key and the expected form."""


@dataclass(frozen=True)
class Settings:
    """The validated deployment settings.

    Attributes (units in the names or below):
        update_certificate_tps: UpdateCertificate quota shared by all Map children, transactions/second.
        list_certificates_by_ca_tps: ListCertificatesByCA quota, transactions/second.
        revoke_max_concurrency: the upper bound of the Distributed Map's MaxConcurrency, child executions
            at once; the run uses the fewest children that carry the UpdateCertificate quota
            (revocation_common.pacing.fan_out). Validated so that a page of 250 always finishes within
            the RevokeCertificates timeout at a child's share of the quota.
        update_certificate_latency_ms: the UpdateCertificate round trip a child is sized for,
            milliseconds (an estimate to replace with the p99 Duration of the AWS SDK calls in X-Ray);
            it sets how many calls a child keeps in flight.
        default_target_status: REVOKED or INACTIVE, used when a request names none.
        automatic_response_mode: off, dry-run or enforce, for runs started by security findings.
        security_hub_check_names: the Device Defender audit checks (a non-empty subset of CA_AUDIT_CHECKS)
            whose Security Hub findings start a run.
        security_hub_custom_actions: create the Security Hub custom actions (needs Security Hub enabled).
        ci_access_policy: create the managed policy a CI role needs to start and follow executions.
        list_time_budget_seconds: a discovery invocation hands back its position after this long.
        list_ca_certificates_tps, describe_ca_certificate_tps, list_certificates_tps,
            describe_certificate_tps: the ListCACertificates, DescribeCACertificate, ListCertificates and
            DescribeCertificate quotas DiscoverScope paces each API at, transactions/second (AWS IoT Core
            endpoints and quotas: 10 by default).
        scan_unlinked_certificates: the default of the request's scanUnlinked: scan the certificates
            linked to no registered CA for those a CA in scope signed.
        list_affected_things: list the Things attached to each certificate in scope (ListPrincipalThings)
            into its outcome and the report's affected-Things CSV.
        list_principal_things_tps: the ListPrincipalThings quota the RevokeCertificates children share,
            transactions/second (AWS General Reference, "AWS IoT Core endpoints and quotas"; cdk.json 10).
        log_retention_days: CloudWatch Logs retention of every log group of the stack, days.
        powertools_layer_parameter: public SSM parameter holding the Powertools layer version ARN.
        report_retention_days: S3 lifecycle expiry of pages, outcomes and reports, days.
        state_machine_name: the state machine's name, unique in the account and Region (default
            iot-ca-revocation, contract.names.STATE_MACHINE_NAME); a second deployment in the same
            account and Region takes another name. Every other name of the stack is generated by
            CloudFormation, or derived from this one (the log group, the IAM execution ARNs).
        regions: the Regions the app deploys one stack to each (context ``regions``; empty: the one stack of
            the environment's Region, CDK_DEFAULT_REGION, as before). A stack forwards Device Defender
            findings about another of these Regions to that Region's default event bus (infra/triggers.py).

    Follows the AWS IoT Core service quotas page (control-plane TPS), the Step Functions quotas page
    (Distributed Map concurrency) and the CloudWatch Logs PutRetentionPolicy reference (retention values).
    """

    update_certificate_tps: int
    list_certificates_by_ca_tps: int
    revoke_max_concurrency: int
    default_target_status: str
    automatic_response_mode: str
    security_hub_check_names: tuple[str, ...]
    security_hub_custom_actions: bool
    ci_access_policy: bool
    list_time_budget_seconds: int
    list_ca_certificates_tps: int
    describe_ca_certificate_tps: int
    list_certificates_tps: int
    describe_certificate_tps: int
    scan_unlinked_certificates: bool
    log_retention_days: int
    powertools_layer_parameter: str
    report_retention_days: int
    state_machine_name: str
    regions: tuple[str, ...] = ()
    list_affected_things: bool = True
    list_principal_things_tps: int = 10
    update_certificate_latency_ms: int = 100

    @property
    def restore_state_machine_name(self) -> str:
        """The restore state machine's name: the revocation's with RESTORE_STATE_MACHINE_SUFFIX."""
        return f"{self.state_machine_name}{RESTORE_STATE_MACHINE_SUFFIX}"

    @classmethod
    def from_context(cls, node: Node) -> Settings:
        """Read and validate every setting from the construct tree's context.

        Args:
            node: any construct's ``node``; context set on the App (cdk.json, ``-c``) is visible from all.

        Returns:
            The frozen settings.

        Raises:
            SettingsError: a key is missing or its value is not of the documented form; the message
                names the context key, the expected form and the value found.
        """
        return cls(
            update_certificate_tps=_int(node, UPDATE_CERTIFICATE_TPS, 1, 10_000, "transactions per second"),
            list_certificates_by_ca_tps=_int(
                node, LIST_CERTIFICATES_BY_CA_TPS, 1, 10_000, "transactions per second"
            ),
            revoke_max_concurrency=_int(
                node, REVOKE_MAX_CONCURRENCY, 1, MAX_MAP_CONCURRENCY, "Distributed Map child executions"
            ),
            default_target_status=_choice(node, DEFAULT_TARGET_STATUS, TARGET_STATUSES),
            automatic_response_mode=_choice(node, AUTOMATIC_RESPONSE_MODE, AUTOMATIC_RESPONSE_MODES),
            security_hub_check_names=_check_names(node),
            security_hub_custom_actions=_bool(node, SECURITY_HUB_CUSTOM_ACTIONS),
            ci_access_policy=_bool(node, CI_ACCESS_POLICY),
            list_time_budget_seconds=_int(
                node,
                LIST_TIME_BUDGET_SECONDS,
                1,
                MAX_LIST_TIME_BUDGET_SECONDS,
                f"seconds, below the {LIST_FUNCTION_TIMEOUT_SECONDS} s DiscoverScope timeout",
            ),
            list_ca_certificates_tps=_int(
                node, LIST_CA_CERTIFICATES_TPS, 1, 10_000, "transactions per second"
            ),
            describe_ca_certificate_tps=_int(
                node, DESCRIBE_CA_CERTIFICATE_TPS, 1, 10_000, "transactions per second"
            ),
            list_certificates_tps=_int(node, LIST_CERTIFICATES_TPS, 1, 10_000, "transactions per second"),
            describe_certificate_tps=_int(
                node, DESCRIBE_CERTIFICATE_TPS, 1, 10_000, "transactions per second"
            ),
            scan_unlinked_certificates=_bool(node, SCAN_UNLINKED_CERTIFICATES),
            log_retention_days=_log_retention(node),
            powertools_layer_parameter=_ssm_parameter_name(node, POWERTOOLS_LAYER_PARAMETER),
            report_retention_days=_int(node, REPORT_RETENTION_DAYS, 1, 36_500, "days"),
            state_machine_name=_state_machine_name(node),
            regions=regions_from_context(node),
            list_affected_things=_bool(node, LIST_AFFECTED_THINGS),
            list_principal_things_tps=_int(
                node, LIST_PRINCIPAL_THINGS_TPS, 1, 10_000, "transactions per second"
            ),
            update_certificate_latency_ms=_int(
                node, UPDATE_CERTIFICATE_LATENCY_MS, 1, 10_000, "milliseconds"
            ),
        )._validated_fan_out()

    def _validated_fan_out(self) -> Settings:
        """Refuse a revokeMaxConcurrency at which a full page would outlast the RevokeCertificates timeout.

        A child's share of the quota is quota * QUOTA_HEADROOM / children (revocation_common.pacing); at
        the upper bound of children, a page of PAGE_SIZE certificates must finish within
        REVOKE_PAGE_BUDGET_SECONDS (Lambda developer guide, "Lambda quotas": 900 s at most).
        """
        slowest = self.update_certificate_tps * QUOTA_HEADROOM / self.revoke_max_concurrency
        if PAGE_SIZE / slowest > REVOKE_PAGE_BUDGET_SECONDS:
            limit = int(self.update_certificate_tps * QUOTA_HEADROOM * REVOKE_PAGE_BUDGET_SECONDS / PAGE_SIZE)
            raise SettingsError(
                f"CDK context key {REVOKE_MAX_CONCURRENCY!r}: expected at most {limit} at "
                f"{UPDATE_CERTIFICATE_TPS}={self.update_certificate_tps} (a page of {PAGE_SIZE} "
                f"certificates at 1/{self.revoke_max_concurrency} of the quota takes "
                f"{PAGE_SIZE / slowest:.0f} s, past the {REVOKE_PAGE_BUDGET_SECONDS} s a page may take), "
                f"got {self.revoke_max_concurrency}"
            )
        return self._validated_restore_page()

    def _validated_restore_page(self) -> Settings:
        """Refuse a revokeMaxConcurrency at which a full restore page would outlast RestoreCertificates.

        The restore makes two calls per certificate (DescribeCertificate, UpdateCertificate) on one pacer at
        min(updateCertificateTps, describeCertificateTps) * QUOTA_HEADROOM / children
        (restore_quarantine.handlers.page_handler), with the same MaxConcurrency as the revocation: a page of
        PAGE_SIZE certificates must finish within REVOKE_PAGE_BUDGET_SECONDS, as a revocation page must, well
        inside the 900 s Lambda timeout (Lambda developer guide, "Lambda quotas").
        """
        calls = 2 * PAGE_SIZE
        shared = min(self.update_certificate_tps, self.describe_certificate_tps) * QUOTA_HEADROOM
        seconds = calls / (shared / self.revoke_max_concurrency)
        if seconds > REVOKE_PAGE_BUDGET_SECONDS:
            limit = max(1, int(shared * REVOKE_PAGE_BUDGET_SECONDS / calls))
            raise SettingsError(
                f"CDK context key {REVOKE_MAX_CONCURRENCY!r}: expected at most {limit} at "
                f"{UPDATE_CERTIFICATE_TPS}={self.update_certificate_tps} and "
                f"{DESCRIBE_CERTIFICATE_TPS}={self.describe_certificate_tps} (a restore page of {PAGE_SIZE} "
                f"certificates, two calls each, at 1/{self.revoke_max_concurrency} of the lower quota takes "
                f"{seconds:.0f} s, past the {REVOKE_PAGE_BUDGET_SECONDS} s a page may take), "
                f"got {self.revoke_max_concurrency}"
            )
        return self

    @property
    def log_retention(self) -> logs.RetentionDays:
        """The CloudWatch Logs retention enum for ``log_retention_days``."""
        return LOG_RETENTION[self.log_retention_days]

    def lambda_environment(self, report_bucket_name: str, lock_table_name: str) -> dict[str, str]:
        """The environment set on every function (docs/data-contract.md, "Environment variables").

        Args:
            report_bucket_name: the report bucket's name (a CloudFormation token at synth time).
            lock_table_name: the lock table's name (a token).

        Returns:
            Variable name -> string value.
        """
        context = {
            UPDATE_CERTIFICATE_TPS: self.update_certificate_tps,
            LIST_CERTIFICATES_BY_CA_TPS: self.list_certificates_by_ca_tps,
            REVOKE_MAX_CONCURRENCY: self.revoke_max_concurrency,
            UPDATE_CERTIFICATE_LATENCY_MS: self.update_certificate_latency_ms,
            DEFAULT_TARGET_STATUS: self.default_target_status,
            AUTOMATIC_RESPONSE_MODE: self.automatic_response_mode,
            LIST_TIME_BUDGET_SECONDS: self.list_time_budget_seconds,
            SECURITY_HUB_CHECK_NAMES: self.security_hub_check_names,
            LIST_CA_CERTIFICATES_TPS: self.list_ca_certificates_tps,
            DESCRIBE_CA_CERTIFICATE_TPS: self.describe_ca_certificate_tps,
            LIST_CERTIFICATES_TPS: self.list_certificates_tps,
            DESCRIBE_CERTIFICATE_TPS: self.describe_certificate_tps,
            SCAN_UNLINKED_CERTIFICATES: self.scan_unlinked_certificates,
            LIST_AFFECTED_THINGS: self.list_affected_things,
            LIST_PRINCIPAL_THINGS_TPS: self.list_principal_things_tps,
            REGIONS: self.regions,
        }
        return task_environment(context, report_bucket=report_bucket_name, lock_table=lock_table_name)


def _raw(node: Node, key: str) -> Any:
    value = node.try_get_context(key)
    if value is None:
        raise SettingsError(
            f'CDK context key {key!r} is missing: set it in cdk.json under "context" or pass -c {key}=VALUE'
        )
    return value


def _int(node: Node, key: str, low: int, high: int, unit: str) -> int:
    raw = _raw(node, key)
    # -c on the command line gives strings; cdk.json gives numbers. bool is an int subclass: reject it.
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        value = None
    elif isinstance(raw, int):
        value = raw
    else:
        value = int(raw.strip()) if raw.strip().isdigit() else None
    if value is None or not low <= value <= high:
        raise SettingsError(
            f"CDK context key {key!r}: expected an integer from {low} to {high} ({unit}), got {raw!r}"
        )
    return value


def _choice(node: Node, key: str, allowed: tuple[str, ...]) -> str:
    raw = _raw(node, key)
    if raw not in allowed:
        raise SettingsError(f"CDK context key {key!r}: expected one of {', '.join(allowed)}, got {raw!r}")
    return str(raw)


def _bool(node: Node, key: str) -> bool:
    raw = _raw(node, key)
    # cdk.json gives booleans; -c on the command line gives the strings "true"/"false".
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise SettingsError(f"CDK context key {key!r}: expected true or false, got {raw!r}")


def _check_names(node: Node) -> tuple[str, ...]:
    raw = _raw(node, SECURITY_HUB_CHECK_NAMES)
    # -c gives a string: accept a JSON array or a comma-separated list.
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                raw = json.loads(text)
            except ValueError:
                raw = None
        else:
            raw = [name.strip() for name in text.split(",") if name.strip()]
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(name, str) and name in CA_AUDIT_CHECKS for name in raw)
        or len(set(raw)) != len(raw)
    ):
        raise SettingsError(
            f"CDK context key {SECURITY_HUB_CHECK_NAMES!r}: expected a non-empty list of distinct audit "
            f"checks among {', '.join(CA_AUDIT_CHECKS)}, got {_raw(node, SECURITY_HUB_CHECK_NAMES)!r}"
        )
    return tuple(raw)


def _log_retention(node: Node) -> int:
    days = _int(node, LOG_RETENTION_DAYS, 1, max(LOG_RETENTION), "days")
    if days not in LOG_RETENTION:
        allowed = ", ".join(str(d) for d in LOG_RETENTION)
        raise SettingsError(
            f"CDK context key {LOG_RETENTION_DAYS!r}: expected a CloudWatch Logs retention in days, "
            f"one of {allowed}; got {days!r}"
        )
    return days


def _state_machine_name(node: Node) -> str:
    raw = _raw(node, STATE_MACHINE_NAME)
    if not isinstance(raw, str) or not _STATE_MACHINE_NAME.match(raw):
        raise SettingsError(
            f"CDK context key {STATE_MACHINE_NAME!r}: expected a state machine name of 1-72 letters, digits, "
            f"'-' or '_' (the restore state machine adds {RESTORE_STATE_MACHINE_SUFFIX!r}), unique in the "
            f"account and Region, got {raw!r}"
        )
    return raw


def _ssm_parameter_name(node: Node, key: str) -> str:
    raw = _raw(node, key)
    if not isinstance(raw, str) or not _SSM_PARAMETER_NAME.match(raw):
        raise SettingsError(
            f"CDK context key {key!r}: expected an SSM parameter name such as "
            f"/aws/service/powertools/python/x86_64/python3.13/3.37.0, got {raw!r}"
        )
    return raw


def parse_regions(raw: Any) -> tuple[str, ...]:
    """The ``regions`` context value as a tuple of distinct Region names, in the order given.

    Accepts a JSON list of Region names (cdk.json), or a string from ``-c regions=...``: a JSON array or a
    comma-separated list ("us-east-1,eu-west-1"). None, an empty list or an empty string: ``()``, i.e. the
    one stack of the environment's Region. Raises SettingsError naming the key and the expected form.
    """
    value = raw
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                value = None
        else:
            value = [name.strip() for name in text.split(",") if name.strip()]
    if value is None and raw is None:
        return ()
    if (
        not isinstance(value, list)
        or not all(isinstance(name, str) and _REGION_NAME.match(name) for name in value)
        or len(set(value)) != len(value)
    ):
        raise SettingsError(
            f"CDK context key {REGIONS!r}: expected a list of distinct AWS Region names such as "
            f'["us-east-1", "eu-west-1"] (or -c {REGIONS}=us-east-1,eu-west-1), got {raw!r}'
        )
    return tuple(value)


def regions_from_context(node: Node) -> tuple[str, ...]:
    """``parse_regions`` of the ``regions`` context key (absent: ``()``)."""
    return parse_regions(node.try_get_context(REGIONS))
