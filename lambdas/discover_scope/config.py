"""DiscoverScope's settings: the read quotas, the scan default and the time budget, taken from the one
reader of the tasks' environment (revocation_common.settings.task_settings), so that every task and every
emulator session sees the same values (a cache of its own kept a previous session's time budget).

Defaults: 10 transactions per second for each API, AWS IoT Core's default quota for these control-plane
APIs (AWS General Reference, "AWS IoT Core endpoints and quotas",
https://docs.aws.amazon.com/general/latest/gr/iot-core.html); scanUnlinkedCertificates true.
"""

from __future__ import annotations

from dataclasses import dataclass

from revocation_common.settings import task_settings


@dataclass(frozen=True)
class DiscoverySettings:
    """quotas: API name -> transactions per second; scan_unlinked: the default of the request's
    scanUnlinked; time_budget_seconds: an invocation hands back its position after this long."""

    quotas: dict[str, float]
    scan_unlinked: bool
    time_budget_seconds: float


def discovery_settings() -> DiscoverySettings:
    """DiscoverScope's view of task_settings(); ValueError naming the variable when one is malformed."""
    settings = task_settings()
    return DiscoverySettings(
        quotas={
            "ListCACertificates": settings.list_ca_certificates_tps,
            "DescribeCACertificate": settings.describe_ca_certificate_tps,
            "ListCertificatesByCA": settings.list_certificates_tps,
            "ListCertificates": settings.list_all_certificates_tps,
            "DescribeCertificate": settings.describe_certificate_tps,
        },
        scan_unlinked=settings.scan_unlinked_certificates,
        time_budget_seconds=settings.list_time_budget_seconds,
    )
