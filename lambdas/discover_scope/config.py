"""DiscoverScope's settings, read once from the environment the CDK functions construct sets.

Defaults: 10 transactions per second for each API, AWS IoT Core's default quota for these control-plane
APIs (AWS General Reference, "AWS IoT Core endpoints and quotas",
https://docs.aws.amazon.com/general/latest/gr/iot-core.html); scanUnlinkedCertificates true.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from discover_scope.ports import IOT_READ_APIS

# Environment variable of each API's quota (cdk.json context key in docs/data-contract.md).
TPS_VARIABLES = {
    "ListCACertificates": "LIST_CA_CERTIFICATES_TPS",
    "DescribeCACertificate": "DESCRIBE_CA_CERTIFICATE_TPS",
    "ListCertificatesByCA": "LIST_CERTIFICATES_BY_CA_TPS",
    "ListCertificates": "LIST_CERTIFICATES_TPS",
    "DescribeCertificate": "DESCRIBE_CERTIFICATE_TPS",
}
DEFAULT_TPS = "10"
SCAN_VARIABLE = "SCAN_UNLINKED_CERTIFICATES"
BUDGET_VARIABLE = "LIST_TIME_BUDGET_SECONDS"


@dataclass(frozen=True)
class DiscoverySettings:
    """quotas: API name -> transactions per second; scan_unlinked: the default of the request's
    scanUnlinked; time_budget_seconds: an invocation hands back its position after this long."""

    quotas: dict[str, float]
    scan_unlinked: bool
    time_budget_seconds: float


def _positive(name: str, default: str) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a positive number, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {raw!r}")
    return value


def _boolean(name: str, default: str) -> bool:
    raw = os.environ.get(name, default).strip().lower()
    if raw not in ("true", "false"):
        raise ValueError(f"{name}: expected true or false, got {raw!r}")
    return raw == "true"


@lru_cache(maxsize=1)
def discovery_settings() -> DiscoverySettings:
    """Read the settings once per process; ValueError naming the variable when one is malformed."""
    return DiscoverySettings(
        quotas={api: _positive(TPS_VARIABLES[api], DEFAULT_TPS) for api in IOT_READ_APIS},
        scan_unlinked=_boolean(SCAN_VARIABLE, "true"),
        time_budget_seconds=_positive(BUDGET_VARIABLE, "780"),
    )
