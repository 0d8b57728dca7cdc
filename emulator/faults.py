"""Replayable fault decisions: a pure function of (seed, what is attempted, which attempt it is).

The emulator's IoT faults and task crashes are decided here. A shared ``random.Random`` would make a
decision depend on the order in which concurrent Distributed Map children reach the generator, which
changes from run to run; a failing run could then not be replayed. Instead each decision hashes the seed,
a stream name, the identity of the request (an API call and its parameters, or a task and its input) and
the attempt number of that request. The same seed then injects the same faults into the same requests,
whatever the thread interleaving, the wall clock or the throttling (throttled calls are not attempts).
"""

from __future__ import annotations

import hashlib
import threading

_SCALE = float(1 << 64)


def draw(seed: int, stream: str, key: str, attempt: int) -> float:
    """A uniform number in [0, 1) fixed by its arguments.

    seed: the run's seed (``--seed``). stream: what the number decides (e.g. "iot-fault").
    key: the identity of the request. attempt: 1 for the first attempt of ``key``, 2 for the next, ...
    BLAKE2b is used as a keyed mixing function, not for security.
    """
    digest = hashlib.blake2b(f"{seed}\x1f{stream}\x1f{key}\x1f{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


class AttemptCounter:
    """Counts attempts per request key (thread-safe); ``next(key)`` returns 1, 2, 3, ... for each key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def next(self, key: str) -> int:
        with self._lock:
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
            return count

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
