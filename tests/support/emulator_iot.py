"""Helpers of the emulator's IoT layer tests: a client without retries, fake registrations, listings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# One attempt per call: the tests see every ThrottlingException and injected fault themselves.
NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def error_code(error: ClientError) -> str:
    """The AWS error code of a botocore ClientError, e.g. "InvalidRequestException"."""
    return str(error.response["Error"]["Code"])


def http_status(error: ClientError) -> int:
    """The HTTP status code of a botocore ClientError."""
    return int(error.response["ResponseMetadata"]["HTTPStatusCode"])


def register_ca(iot: Any, name: str, *, auto: bool = False) -> tuple[str, str]:
    """Register an ACTIVE CA with a placeholder PEM (moto hashes the PEM text); returns (id, PEM)."""
    pem = f"-----CA {name}-----"
    ca = iot.register_ca_certificate(caCertificate=pem, setAsActive=True, allowAutoRegistration=auto)
    return str(ca["certificateId"]), pem


def register_certs(
    iot: Any, ca_pem: str | None, count: int, prefix: str, status: str = "ACTIVE"
) -> list[str]:
    """Register ``count`` certificates under ``ca_pem`` (None: RegisterCertificateWithoutCA); their ids."""
    ids = []
    for i in range(count):
        pem = f"-----CERT {prefix}-{i}-----"
        if ca_pem is None:
            resp = iot.register_certificate_without_ca(certificatePem=pem, status=status)
        else:
            resp = iot.register_certificate(certificatePem=pem, caCertificatePem=ca_pem, status=status)
        ids.append(resp["certificateId"])
    return ids


def list_pages(call: Callable[..., Any], **kwargs: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a marker-paginated IoT listing (ListCertificates, ListCACertificates,
    ListCertificatesByCA), and the size of each page."""
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    while True:
        page = call(**kwargs)
        items.extend(page["certificates"])
        sizes.append(len(page["certificates"]))
        marker = page.get("nextMarker")
        if marker is None:
            return items, sizes
        kwargs = {**kwargs, "marker": marker}


def list_all(iot: Any, ca_id: str, **kwargs: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every certificate ListCertificatesByCA returns for ``ca_id``, and the page sizes."""
    return list_pages(iot.list_certificates_by_ca, caCertificateId=ca_id, **kwargs)


def status_of(iot: Any, cert_id: str) -> str:
    """The status DescribeCertificate returns."""
    return str(iot.describe_certificate(certificateId=cert_id)["certificateDescription"]["status"])


def accepted_per_window(times: list[float], window: float = 1.0) -> int:
    """The most admissions in any ``window`` seconds of ``times`` (time.monotonic() values)."""
    ordered = sorted(times)
    j = 0
    best = 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best
