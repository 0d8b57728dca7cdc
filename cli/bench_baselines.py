"""The baselines ``ca-revoke bench`` measures the workflow against, each on a fresh copy of the same fleet
at the same enforced quota:

- awsCliLoop: the documented procedure ("Deactivate a CA certificate", AWS IoT Developer Guide) with the
  AWS CLI: update-ca-certificate, list-certificates-by-ca, then one update-certificate process per
  certificate, against the emulator served on loopback. Each call is a new CLI process, so only a sample
  of --cli-sample certificates is revoked this way and the rate is measured on it.
- boto3Loop: the same in one Python process with boto3's default client (a sequential script).
- boto3RateLimited: what a capable engineer writes in an hour: a thread pool, botocore's standard retry
  mode, and a client-side limiter at the quota.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.fleet import seed_fleet
from emulator.iot import MAX_PAGE_SIZE as PAGE_SIZE
from emulator.session import REGION, EmulatorOptions, EmulatorSession

# The strong baseline's threads and retries: enough calls in flight for any quota the bench runs at, and
# botocore's standard retry mode with more attempts than its default 3 (AWS SDKs and Tools reference
# guide, "Retry behavior": standard mode retries throttling errors with exponential backoff and jitter).
RATE_LIMITED_THREADS = 16
RATE_LIMITED_MAX_ATTEMPTS = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _options(quota: float, seed: int) -> EmulatorOptions:
    return EmulatorOptions.at_quota(quota, seed=seed)


def _utilization(times: list[float], quota: float) -> tuple[float, float]:
    """(achieved transactions per second from the first to the last accepted call, over ``quota``)."""
    achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return achieved, achieved / quota


class QuotaLimiter:
    """Spaces calls ``1 / rate`` seconds apart across threads (a leaky bucket at the quota, no burst)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            time.sleep(start - now)


def measure_boto3_rate_limited(certificates: int, quota: float, seed: int) -> dict[str, Any]:
    """The procedure with threads, standard retries and a limiter at ``quota`` (transactions per second).

    Output: certificatesPerSecond, achievedTps and quotaUtilization (first to last accepted
    UpdateCertificate), throttledRequests, certificatesRevoked, certificatesLeftUnrevoked (the fleet
    re-read after the run: not REVOKED), wallSeconds, errors (certificates whose call failed after retries).
    """
    with EmulatorSession(_options(quota, seed)) as emulator:
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        config = Config(
            retries={"mode": "standard", "max_attempts": RATE_LIMITED_MAX_ATTEMPTS},
            max_pool_connections=RATE_LIMITED_THREADS,
        )
        iot = boto3.client("iot", region_name=REGION, config=config)
        limiter = QuotaLimiter(quota)
        errors: list[str] = []

        def revoke(certificate_id: str) -> bool:
            limiter.acquire()
            try:
                iot.update_certificate(certificateId=certificate_id, newStatus="REVOKED")
            except ClientError as failure:
                errors.append(str(failure.response.get("Error", {}).get("Code", "ClientError")))
                return False
            return True

        started = time.monotonic()
        limiter.acquire()
        iot.update_ca_certificate(certificateId=fleet.ca_certificate_id, newStatus="INACTIVE")
        ids: list[str] = []
        for page in iot.get_paginator("list_certificates_by_ca").paginate(
            caCertificateId=fleet.ca_certificate_id, PaginationConfig={"PageSize": PAGE_SIZE}
        ):
            ids.extend(certificate["certificateId"] for certificate in page["certificates"])
        with ThreadPoolExecutor(max_workers=RATE_LIMITED_THREADS) as pool:
            done = sum(pool.map(revoke, ids))
        elapsed = time.monotonic() - started
        stats = emulator.iot_layer.stats
        achieved, utilization = _utilization(list(stats.update_certificate_times), quota)
        throttled = sum(stats.throttled.values())
        emulator.iot_layer.configure(quotas=None, fault_rate=0.0, seed=seed)  # the re-read is not measured
        left = sum(
            1
            for cid in ids
            if iot.describe_certificate(certificateId=cid)["certificateDescription"]["status"] != "REVOKED"
        )
        return {
            "certificatesPerSecond": round(done / elapsed, 2) if elapsed > 0 else 0.0,
            "achievedTps": round(achieved, 2),
            "quotaUtilization": round(utilization, 3),
            "throttledRequests": throttled,
            "certificatesRevoked": done,
            "certificatesLeftUnrevoked": left,
            "wallSeconds": round(elapsed, 2),
            "errors": len(errors),
            "threads": RATE_LIMITED_THREADS,
            "maxAttempts": RATE_LIMITED_MAX_ATTEMPTS,
        }


def measure_boto3_loop(certificates: int, quota: float, seed: int) -> dict[str, Any]:
    """The documented procedure as a sequential boto3 script (default client configuration)."""
    with EmulatorSession(_options(quota, seed)) as emulator:
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        iot = boto3.client("iot", region_name=REGION)
        done, error = 0, ""
        started = time.monotonic()
        try:
            iot.update_ca_certificate(certificateId=fleet.ca_certificate_id, newStatus="INACTIVE")
            pages = iot.get_paginator("list_certificates_by_ca").paginate(
                caCertificateId=fleet.ca_certificate_id, PaginationConfig={"PageSize": PAGE_SIZE}
            )
            for page in pages:
                for certificate in page["certificates"]:
                    iot.update_certificate(certificateId=certificate["certificateId"], newStatus="REVOKED")
                    done += 1
        except ClientError as failure:
            error = str(failure.response.get("Error", {}).get("Code", "ClientError"))
        elapsed = time.monotonic() - started
        stats = emulator.iot_layer.stats
        return {
            "certificatesPerSecond": round(done / elapsed, 2) if elapsed > 0 else 0.0,
            "throttledRequests": sum(stats.throttled.values()),
            "certificatesRevoked": done,
            "wallSeconds": round(elapsed, 2),
            "stoppedBy": error or None,
        }


def measure_aws_cli_loop(certificates: int, quota: float, seed: int, sample: int) -> dict[str, Any]:
    """The documented AWS CLI procedure against the emulator on loopback, on ``sample`` certificates."""
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if aws is None:
        return {"certificatesPerSecond": None, "throttledRequests": None, "skipped": "aws CLI not found"}
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": REGION}
    env.pop("AWS_ENDPOINT_URL", None)
    with EmulatorSession(_options(quota, seed), port=port) as emulator:
        fleet = seed_fleet(emulator.client("iot"), certificates=certificates, seed=seed)
        emulator.apply_iot_limits()
        base = [aws, "--endpoint-url", f"http://127.0.0.1:{port}", "--output", "json", "iot"]
        started = time.monotonic()
        subprocess.run(  # noqa: S603 - our own AWS CLI against our own loopback emulator
            [
                *base,
                "update-ca-certificate",
                "--certificate-id",
                fleet.ca_certificate_id,
                "--new-status",
                "INACTIVE",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        # As documented, without --page-size: the AWS CLI only follows nextMarker itself when the
        # service's own page-size parameter is not given.
        listed = subprocess.run(  # noqa: S603
            [*base, "list-certificates-by-ca", "--ca-certificate-id", fleet.ca_certificate_id],
            check=True,
            capture_output=True,
            env=env,
            text=True,
        )
        ids = [c["certificateId"] for c in json.loads(listed.stdout)["certificates"]]
        listing_seconds = time.monotonic() - started
        done, error = 0, ""
        sample_started = time.monotonic()
        for certificate_id in ids[:sample]:
            completed = subprocess.run(  # noqa: S603
                [*base, "update-certificate", "--certificate-id", certificate_id, "--new-status", "REVOKED"],
                capture_output=True,
                env=env,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                error = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed"
                break
            done += 1
        sample_seconds = time.monotonic() - sample_started
        stats = emulator.iot_layer.stats
        rate = done / sample_seconds if sample_seconds > 0 else 0.0
        return {
            "certificatesPerSecond": round(rate, 2),
            "throttledRequests": sum(stats.throttled.values()),
            "certificatesRevoked": done,
            "certificatesListed": len(ids),
            "sampleSize": min(sample, len(ids)),
            "listingSeconds": round(listing_seconds, 2),
            "projectedWallSeconds": round(listing_seconds + len(ids) / rate, 1) if rate else None,
            "stoppedBy": error or None,
        }
