"""Client-side pacing of AWS IoT control-plane calls.

botocore's "adaptive" retry mode only slows down after it has been throttled; here the quota is known in
advance (Service Quotas, AWS IoT Core "UpdateCertificate" etc., 10 transactions per second by default), so
each task spends exactly its share of it instead of bouncing off it. Nothing in botocore or Powertools
paces at a fixed rate, hence this small class.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RatePacer:
    """Spaces calls evenly at ``rate_per_second`` transactions per second (no burst).

    ``wait()`` blocks until the next call may start. Thread-safe. ``clock`` and ``sleep`` are injectable
    for tests. A rate of 0 or less is refused with ValueError.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate_per_second: expected a positive number, got {rate_per_second!r}")
        self.interval = 1.0 / rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._next = clock()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call is due, then reserve the following slot."""
        with self._lock:
            now = self._clock()
            # A pacer that fell behind (slow calls) does not save up a burst: it restarts from now.
            start = max(self._next, now)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
