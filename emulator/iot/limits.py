"""Quotas, fault injection and statistics of the emulator's AWS IoT API (the layer every request passes).

``EmulatorIoTResponse.call_action`` asks :meth:`IotLayer.admit` before moto runs an operation: a call over
its API's quota is answered with ThrottlingException, an injected fault with ServiceUnavailableException or
InternalFailureException, so refusals never change state. Which APIs ``--iot-tps`` covers is in
``emulator.iot_quotas``; the replayable fault draw in ``emulator.faults``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from moto.core.exceptions import JsonRESTError

from emulator.faults import AttemptCounter, draw
from emulator.iot.exceptions import InternalFailureException, ServiceUnavailableException, ThrottlingException
from emulator.iot_quotas import SlidingWindow

__all__ = ["PROCESS_LAYER", "IotLayer", "IotStats", "request_key", "resource_id"]


@dataclass(frozen=True)
class IotStats:
    """A snapshot of the IoT layer's counters (per API operation name, e.g. "UpdateCertificate").

    calls: every request that reached the layer, including throttled and faulted ones.
    throttled: requests answered with ThrottlingException.
    faults: requests answered with an injected ServiceUnavailableException / InternalFailureException.
    update_certificate_times: ``time.monotonic()`` (seconds) at which each successful UpdateCertificate
    was admitted by the quota, in admission order; for measuring the achieved transactions per second.
    writes: (operation, resource id) of every successful call that can change state (any operation but
    Describe*, List* and Get*), in order; the resource id is the last segment of the request path, e.g.
    ("UpdateCertificate", <certificateId>), ("UpdateCACertificate", <CA certificateId>). Tests use it to
    prove which certificates a run touched.
    """

    calls: dict[str, int]
    throttled: dict[str, int]
    faults: dict[str, int]
    update_certificate_times: list[float]
    writes: list[tuple[str, str]] = field(default_factory=list)


class IotLayer:
    """Process-wide quotas, fault injection and statistics for the emulator's AWS IoT API.

    Thread-safe: one lock guards the counters, the quota windows and the attempt counts, because
    Step Functions Map children call IoT concurrently from threads (and the threaded server serves
    each HTTP request on its own thread).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._quotas: dict[str, float] = {}
        self._windows: dict[str, SlidingWindow] = {}
        self._fault_rate = 0.0
        self._fault_apis: frozenset[str] | None = None
        self._seed = 0
        self._attempts = AttemptCounter()
        self._calls: dict[str, int] = {}
        self._throttled: dict[str, int] = {}
        self._faults: dict[str, int] = {}
        self._update_times: list[float] = []
        self._writes: list[tuple[str, str]] = []

    def configure(
        self,
        *,
        quotas: Mapping[str, float | None] | None = None,
        fault_rate: float = 0.0,
        seed: int = 0,
        fault_apis: Iterable[str] | None = None,
    ) -> None:
        """Replace the quotas and fault settings (statistics are kept; see ``reset_stats``).

        quotas: API operation name (as in the AWS IoT API reference, e.g. "UpdateCertificate",
            "ListCertificatesByCA", "UpdateCACertificate", "DescribeCACertificate") -> quota in
            transactions per second, or None for unlimited; APIs not named are unlimited. The quota is a
            sliding one-second window, not a token bucket: a quota Q >= 1 admits at most floor(Q) calls in
            any one-second interval of wall-clock time (so no burst above Q, ever); Q < 1 admits one call
            per 1/Q seconds. A refused call is answered with ThrottlingException (HTTP 400), which botocore
            retries as a throttling error; it does not count against the quota. AWS default for these
            APIs: 10 TPS (Service Quotas, AWS IoT Core control plane).
        fault_rate: fraction 0..1 of admitted calls answered with ServiceUnavailableException (HTTP 503)
            or InternalFailureException (HTTP 500), half each, before the operation runs (no state change).
        seed: the n-th admitted attempt of a request (operation, path, query and body) faults when
            ``emulator.faults.draw(seed, ...)`` falls under fault_rate, so the same seed replays the same
            faults on the same requests whatever the order concurrent callers reach the layer in.
            Reconfiguring restarts the attempt counts.
        fault_apis: restrict faults to these operation names (None: every IoT API).
        Raises ValueError for a quota <= 0 or a fault_rate outside 0..1.
        """
        clean: dict[str, float] = {}
        for api, tps in (quotas or {}).items():
            if tps is None:
                continue
            if not tps > 0:
                raise ValueError(f"quota for {api} must be > 0 transactions per second or None, got {tps}")
            clean[api] = float(tps)
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be within 0..1, got {fault_rate}")
        with self._lock:
            self._quotas = clean
            self._windows = {api: SlidingWindow(tps) for api, tps in clean.items()}
            self._fault_rate = float(fault_rate)
            self._fault_apis = None if fault_apis is None else frozenset(fault_apis)
            self._seed = seed
            self._attempts.reset()

    @property
    def quotas(self) -> dict[str, float]:
        """The configured quotas in transactions per second (unlimited APIs are absent)."""
        with self._lock:
            return dict(self._quotas)

    @property
    def fault_rate(self) -> float:
        """The configured fraction of faulted calls."""
        return self._fault_rate

    @property
    def stats(self) -> IotStats:
        """A consistent snapshot of the counters (copies; later calls do not change it)."""
        with self._lock:
            return IotStats(
                calls=dict(self._calls),
                throttled=dict(self._throttled),
                faults=dict(self._faults),
                update_certificate_times=list(self._update_times),
                writes=list(self._writes),
            )

    def reset_stats(self) -> None:
        """Zero every counter and forget the UpdateCertificate timestamps (quotas and faults unchanged)."""
        with self._lock:
            self._calls = {}
            self._throttled = {}
            self._faults = {}
            self._update_times = []
            self._writes = []

    def admit(self, api: str, request_key: str = "") -> tuple[JsonRESTError | None, float]:
        """Count one call of ``api`` and decide whether it may run.

        ``request_key`` identifies the request (see ``request_key``); its admitted attempts are numbered
        1, 2, ... and the fault decision of each is ``draw(seed, "iot-fault", key, attempt)``.
        Returns (error to answer with, or None; ``time.monotonic()`` of the decision). Called by
        ``EmulatorIoTResponse.call_action`` for every IoT request.
        """
        with self._lock:
            now = time.monotonic()
            self._calls[api] = self._calls.get(api, 0) + 1
            window = self._windows.get(api)
            if window is not None and not window.admit(now):
                self._throttled[api] = self._throttled.get(api, 0) + 1
                return ThrottlingException(), now
            if self._fault_rate <= 0 or (self._fault_apis is not None and api not in self._fault_apis):
                return None, now
            key = f"{api} {request_key}"
            attempt = self._attempts.next(key)
            if draw(self._seed, "iot-fault", key, attempt) >= self._fault_rate:
                return None, now
            self._faults[api] = self._faults.get(api, 0) + 1
            error: JsonRESTError
            if draw(self._seed, "iot-fault-kind", key, attempt) < 0.5:
                error = ServiceUnavailableException()
            else:
                error = InternalFailureException()
            return error, now

    def record_success(self, api: str, admitted_at: float, resource_id: str = "") -> None:
        """Note that an admitted call succeeded: UpdateCertificate admission times, and the writes log."""
        if api.startswith(_READ_PREFIXES):
            return
        with self._lock:
            if api == "UpdateCertificate":
                self._update_times.append(admitted_at)
            self._writes.append((api, resource_id))


_READ_PREFIXES = ("Describe", "List", "Get")


def request_key(response: Any) -> str:
    """What identifies a request for fault replay: method, path, sorted query parameters and the body."""
    # From the URL itself: moto's ``querystring`` also carries the headers (signature, invocation id).
    parsed = getattr(response, "parsed_url", None)
    query = sorted(parse_qsl(parsed.query, keep_blank_values=True)) if parsed is not None else []
    body = getattr(response, "body", b"") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    digest = hashlib.blake2b(body, digest_size=8).hexdigest() if body else "-"
    return f"{getattr(response, 'method', '')} {getattr(response, 'path', '')} {query} {digest}"


def resource_id(response: Any) -> str:
    # The IoT REST paths end with the resource id: /certificates/{id}, /cacertificate/{id}, ...
    return unquote(str(getattr(response, "path", "") or "").rstrip("/").rsplit("/", 1)[-1])


# The one layer of the process: moto's backends are process-wide, and so are the quotas on them.
PROCESS_LAYER = IotLayer()
