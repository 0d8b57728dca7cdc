"""The environment every Lambda task gets, built from the deployment's context settings.

Shared by the CDK stack (infra/settings.py, from the validated Settings) and the embedded emulator
(emulator/deploy.py, from cdk.json and its overrides), so that both deploy the tasks with the same
variables. Kept free of aws_cdk imports: the emulator loads it without starting jsii. The variables
are listed in docs/data-contract.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from revocation_common.vocabulary import METRICS_NAMESPACE, SERVICE_NAME

# cdk.json context key -> environment variable.
VARIABLE_OF_CONTEXT_KEY: Final = {
    "updateCertificateTps": "UPDATE_CERTIFICATE_TPS",
    "listCertificatesByCaTps": "LIST_CERTIFICATES_BY_CA_TPS",
    "revokeMaxConcurrency": "REVOKE_MAX_CONCURRENCY",
    # The per-call latency the fan-out sizes each child's calls in flight by (revocation_common.pacing).
    "updateCertificateLatencyMs": "UPDATE_CERTIFICATE_LATENCY_MS",
    "defaultTargetStatus": "DEFAULT_TARGET_STATUS",
    "automaticResponseMode": "AUTOMATIC_RESPONSE_MODE",
    "listTimeBudgetSeconds": "LIST_TIME_BUDGET_SECONDS",
    "securityHubCheckNames": "SECURITY_HUB_CHECK_NAMES",
    # DiscoverScope (lambdas/discover_scope/config.py): each AWS IoT read API at its own quota.
    "scanUnlinkedCertificates": "SCAN_UNLINKED_CERTIFICATES",
    "listCaCertificatesTps": "LIST_CA_CERTIFICATES_TPS",
    "describeCaCertificateTps": "DESCRIBE_CA_CERTIFICATE_TPS",
    "listCertificatesTps": "LIST_CERTIFICATES_TPS",
    "describeCertificateTps": "DESCRIBE_CERTIFICATE_TPS",
    # RevokeCertificates and VerifyRevocation: the affected Things (ListPrincipalThings) of each certificate.
    "listAffectedThings": "LIST_AFFECTED_THINGS",
    "listPrincipalThingsTps": "LIST_PRINCIPAL_THINGS_TPS",
    # NormalizeInput: the app's Regions, whose stacks forward each other the findings of a Region to it
    # (infra/triggers.py), so a finding forwarded from one of them is accepted where its CA is.
    "regions": "DEPLOYMENT_REGIONS",
}
POWERTOOLS_ENVIRONMENT: Final = {
    "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
    "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
}


def task_environment(context: Mapping[str, Any], *, report_bucket: str, lock_table: str) -> dict[str, str]:
    """Variable name -> string value for every task.

    Input: the context values by cdk.json key (each key of VARIABLE_OF_CONTEXT_KEY is required; a list
    becomes comma-separated), the report bucket and lock table names (tokens at synth time).
    Errors: KeyError naming a missing context key.
    """
    environment = {"REPORT_BUCKET": report_bucket, "LOCK_TABLE": lock_table}
    for key, variable in VARIABLE_OF_CONTEXT_KEY.items():
        value = context[key]
        if isinstance(
            value, bool
        ):  # cdk.json true/false -> "true"/"false", as discover_scope.config reads it
            environment[variable] = "true" if value else "false"
        else:
            environment[variable] = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
    return {**environment, **POWERTOOLS_ENVIRONMENT}
