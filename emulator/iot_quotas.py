"""Which AWS IoT control-plane APIs a single ``--iot-tps`` quota applies to."""

from __future__ import annotations

# The certificate APIs of the AWS IoT control plane, each with its own quota (transactions per second per
# account and Region) in AWS IoT Core's service quotas; --iot-tps sets the same value for each.
CONTROL_PLANE_APIS = (
    "UpdateCertificate",
    "UpdateCACertificate",
    "ListCertificatesByCA",
    "ListCertificates",
    "ListCACertificates",
    "DescribeCACertificate",
    "DescribeCertificate",
    "RegisterCertificate",
    "RegisterCertificateWithoutCA",
    "RegisterCACertificate",
    "TransferCertificate",
)


def all_api_quotas(tps: float | None) -> dict[str, float | None] | None:
    """The same quota (transactions per second) for each API of CONTROL_PLANE_APIS; None for no quota."""
    if tps is None:
        return None
    return dict.fromkeys(CONTROL_PLANE_APIS, tps)
