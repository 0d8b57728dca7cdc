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
        steps = math.ceil((moment - self.phase) / self.interval - 1e-9)
        return self.phase + steps * self.interval

    def wait(self) -> None:
        """Block until the next slot is due, then reserve the one after it."""
        with self._lock:
            now = self._clock()
            start = self._slot_at_or_after(max(now, self._next))
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)


# The children aim a little under the quota: a call admitted a few milliseconds late must not make one
# second hold more than the quota (AWS and the emulator count requests as they arrive).
QUOTA_HEADROOM = 0.97


def child_pacer(quota_tps: float, max_concurrency: int, page_count: int, page_number: int) -> RatePacer:
    """This Distributed Map child's share of a quota (UpdateCertificate for RevokeCertificates and
    RestoreCertificates), interleaved with the other children's.

    The Distributed Map runs at most C = min(MaxConcurrency, pageCount) children at once; each paces at
    quota * QUOTA_HEADROOM / C transactions per second, on the slots of phase (pageNumber mod C) / quota,
    so that together they stay at the quota instead of bouncing off it.
    """
    children = max(1, min(max_concurrency, page_count))
    aggregate = quota_tps * QUOTA_HEADROOM
    return RatePacer(aggregate / children, phase=(page_number % children) / aggregate)
