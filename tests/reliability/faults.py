"""The faults of the reliability tests, switched per test: the emulator's AWS IoT quota, injected 5xx and
task crashes, with the pacing the emulator is deployed with."""

from __future__ import annotations

from typing import Final

from emulator.lambda_runtime import CrashPlan, InvocationFaults
from emulator.session import EmulatorSession

__all__ = ["PACE_TPS", "RETRY_DELAY_SCALE", "inject"]

PACE_TPS: Final = 200
"""The workflow paces UpdateCertificate and ListCertificatesByCA at this many transactions per second
(cdk.json context); a test that wants throttling sets the emulator's quota below it."""
RETRY_DELAY_SCALE: Final = 0.05
"""ASL Retry waits at 1/20 of real time: a test that exhausts a retry policy takes seconds, not minutes."""


def inject(
    emulator: EmulatorSession,
    *,
    quota_tps: float | None = None,
    fault_rate: float = 0.0,
    crash_rate: float = 0.0,
    crash_plan: CrashPlan | None = None,
    seed: int = 0,
) -> None:
    """Set the faults (all off by default) and zero the statistics of the IoT layer and the tasks.

    quota_tps: the emulator's quota on every IoT API the workflow calls (None: none).
    fault_rate: the fraction of IoT calls answered with an injected 5xx.
    crash_rate / crash_plan: task invocations that crash (emulator.lambda_runtime.InvocationFaults).
    seed: replays the same faults.
    """
    quotas = None
    if quota_tps is not None:
        quotas = dict.fromkeys(
            ("UpdateCertificate", "UpdateCACertificate", "ListCertificatesByCA", "DescribeCACertificate"),
            quota_tps,
        )
        quotas["DescribeCertificate"] = quota_tps
    emulator.iot_layer.configure(quotas=quotas, fault_rate=fault_rate, seed=seed)
    emulator.iot_layer.reset_stats()
    runtime = emulator.lambda_runtime
    assert runtime is not None
    runtime.configure_faults(InvocationFaults(crash_rate=crash_rate, seed=seed, crash_plan=crash_plan))
    runtime.reset_stats()
    runtime.crash_hook = None
