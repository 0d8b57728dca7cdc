"""The quotas of the emulator's AWS IoT API: which APIs a single ``--iot-tps`` applies to, and how a quota
admits calls. Free of moto, so the session and the CLI read it without loading the emulator.
"""

from __future__ import annotations

import math
from collections import deque

# The certificate APIs of the AWS IoT control plane and ListPrincipalThings, each with its own quota (TPS per
# account and Region) in AWS IoT Core's service quotas (AWS General Reference, "AWS IoT Core endpoints and
# quotas"); --iot-tps sets the same value for each.
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
    "ListPrincipalThings",  # the Things attached to a certificate (issue 13)
)


def all_api_quotas(tps: float | None) -> dict[str, float | None] | None:
    """The same quota (transactions per second) for each API of CONTROL_PLANE_APIS; None for no quota."""
    if tps is None:
        return None
    return dict.fromkeys(CONTROL_PLANE_APIS, tps)


class SlidingWindow:
    """Sliding-window log: at most ``capacity`` admissions in any ``window`` seconds (wall clock)."""

    __slots__ = ("capacity", "times", "window")

    def __init__(self, tps: float) -> None:
        if tps >= 1:
            self.capacity, self.window = math.floor(tps), 1.0
        else:
            self.capacity, self.window = 1, 1.0 / tps
        self.times: deque[float] = deque()

    def admit(self, now: float) -> bool:
        horizon = now - self.window
        times = self.times
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) >= self.capacity:
            return False
        times.append(now)
        return True
