"""Which AWS IoT control-plane APIs a single ``--iot-tps`` quota applies to."""

from __future__ import annotations

# The APIs the workflow and the baselines call, each with its own default quota of 10 transactions per
# second per account and Region in AWS IoT Core's service quotas.
CONTROL_PLANE_APIS = (
    "UpdateCertificate",
    "UpdateCACertificate",
    "ListCertificatesByCA",
    "DescribeCACertificate",
    "DescribeCertificate",
)


def all_api_quotas(tps: float | None) -> dict[str, float | None] | None:
    """The same quota (transactions per second) for each API of CONTROL_PLANE_APIS; None for no quota."""
    if tps is None:
        return None
    return dict.fromkeys(CONTROL_PLANE_APIS, tps)
