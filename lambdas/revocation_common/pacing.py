"""Client-side pacing of AWS IoT control-plane calls.

botocore's "adaptive" retry mode only slows down after it has been throttled; here the quota is known in
advance (Service Quotas, AWS IoT Core "UpdateCertificate" etc., 10 transactions per second by default), so
each task spends exactly its share of it instead of bouncing off it. Nothing in botocore or Powertools
paces at a fixed rate, hence this small class.

Calls are placed on a grid of the wall clock: call slots at ``phase + k / rate`` seconds since the epoch.
Distributed Map children that share a quota take interleaved phases (child i of C at i / quota), so their
calls never bunch up even though they run in separate Lambda invocations with no shared state; Lambda
hosts keep their clocks synchronized (Amazon Time Sync Service).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# A slot up to this fraction of an interval past is still the slot (see RatePacer._slot_at_or_after).
SLOT_TOLERANCE = 1e-3


class RatePacer:
    """Spaces calls at ``rate_per_second`` transactions per second on the wall-clock grid
    ``phase + k / rate_per_second`` (seconds); no burst, no catching up after a stall.

    ``wait()`` blocks until the next free slot. Thread-safe. ``clock`` and ``sleep`` are injectable for
    tests. A rate of 0 or less is refused with ValueError.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        phase: float = 0.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate_per_second: expected a positive number, got {rate_per_second!r}")
        self.interval = 1.0 / rate_per_second
        self.phase = phase % self.interval
        self._clock = clock
        self._sleep = sleep
        self._next = -math.inf
        self._lock = threading.Lock()

    def _slot_at_or_after(self, moment: float) -> float:
        # The slot index of a wall-clock moment is about 1e10 to 1e11, where a float division is off by
        # some 1e-5 of a step: a tolerance smaller than that rounded an exact slot up to the next one and
        # lost a third of the slots (measured: 34 of 49.25 calls a second).
        steps = math.ceil((moment - self.phase) / self.interval - SLOT_TOLERANCE)
        return self.phase + steps * self.interval

    def wait(self) -> None:
        """Block until the next slot is due, then reserve the one after it."""
        with self._lock:
            now = self._clock()
            # The slot reserved by the previous call, when it is not past; else the first slot from now.
            start = self._next if self._next >= now else self._slot_at_or_after(now)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)


# The children aim a little under the quota: a call admitted a few milliseconds late must not make one
# second hold more than the quota (AWS and the emulator count requests as they arrive). At 0.985 a call may
# arrive up to 15 ms later than the call one quota's worth after it before a second holds one too many.
QUOTA_HEADROOM = 0.985

# The UpdateCertificate rate one RevokeCertificates child is sized for, transactions per second: with as
# many ListPrincipalThings calls beside them, a botocore call costing a few milliseconds of CPU on a whole
# vCPU, this keeps a 256 MB function (about 0.15 vCPU: Lambda allocates CPU in proportion to memory,
# Lambda developer guide, "Configure Lambda function memory") under two thirds of its CPU.
CHILD_MAX_TPS = 50.0
# Calls in flight per child at most: the threads of one child (each waits on the child's pacer).
MAX_THREADS_PER_CHILD = 8


@dataclass(frozen=True)
class FanOut:
    """How the revocation spreads one quota over the Distributed Map.

    children: child executions at once (the Map's MaxConcurrency); child_tps: each child's share of the
    quota, transactions per second; threads: calls in flight per child, so that a per-call latency of
    ``latency_seconds`` never holds a child under its share (twice the calls due in one latency).
    """

    children: int
    child_tps: float
    threads: int


def threads_for(rate_tps: float, latency_seconds: float) -> int:
    """Calls in flight that keep ``rate_tps`` up when each call takes ``latency_seconds`` (twice the calls
    due in one latency, at least 1, at most MAX_THREADS_PER_CHILD)."""
    return max(1, min(MAX_THREADS_PER_CHILD, math.ceil(2 * rate_tps * latency_seconds)))


def fan_out(quota_tps: float, max_concurrency: int, latency_seconds: float) -> FanOut:
    """The fewest children that reach ``quota_tps`` (the UpdateCertificate quota, transactions per second).

    Lambda bills duration times memory, and a paced child waits most of its time, so the fewest children
    cost the least: one child calls at up to min(CHILD_MAX_TPS, MAX_THREADS_PER_CHILD / (2 *
    latency_seconds)) transactions per second; children = that many of them to carry the quota (with
    QUOTA_HEADROOM), at most ``max_concurrency`` (cdk.json revokeMaxConcurrency, an upper bound).
    Errors: ValueError for a quota, concurrency or latency that is not positive.
    """
    if quota_tps <= 0 or max_concurrency < 1 or latency_seconds <= 0:
        raise ValueError(
            f"fan_out: expected a positive quota_tps, max_concurrency >= 1 and a positive latency_seconds, "
            f"got {quota_tps!r}, {max_concurrency!r}, {latency_seconds!r}"
        )
    aggregate = quota_tps * QUOTA_HEADROOM
    per_child = min(CHILD_MAX_TPS, MAX_THREADS_PER_CHILD / (2 * latency_seconds))
    children = max(1, min(max_concurrency, math.ceil(aggregate / per_child - 1e-9)))
    child_tps = aggregate / children
    return FanOut(children=children, child_tps=child_tps, threads=threads_for(child_tps, latency_seconds))


def child_pacer(quota_tps: float, max_concurrency: int, page_count: int, page_number: int) -> RatePacer:
    """This Distributed Map child's share of a quota (UpdateCertificate for RevokeCertificates and
    RestoreCertificates), interleaved with the other children's.

    The Distributed Map runs at most C = min(MaxConcurrency, pageCount) children at once (MaxConcurrency:
    the fan-out's children, ``fan_out``); each paces at quota * QUOTA_HEADROOM / C transactions per second,
    on the slots of phase (pageNumber mod C) / quota, so that together they stay at the quota instead of
    bouncing off it.
    """
    children = max(1, min(max_concurrency, page_count))
    aggregate = quota_tps * QUOTA_HEADROOM
    return RatePacer(aggregate / children, phase=(page_number % children) / aggregate)


def expected_revocation_seconds(certificates: int, quota_tps: float) -> float:
    """How long revoking ``certificates`` takes at the UpdateCertificate quota ``quota_tps`` (transactions per
    second), seconds: one call each at quota * QUOTA_HEADROOM (the fan-out carries the whole quota)."""
    return certificates / (quota_tps * QUOTA_HEADROOM)
