"""The ports DiscoverScope needs: AWS IoT reads, JSON objects in the report bucket, call pacing.

Small typing.Protocol classes, so the discovery runs against in-memory fakes in the unit tests and
against boto3 (discover_scope.aws) in Lambda and on the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from revocation_common.scope_models import RegisteredCa

# The AWS IoT read APIs discovery calls, each under its own quota (AWS General Reference, "AWS IoT Core
# endpoints and quotas": a per-API transactions-per-second limit per account and Region).
IotReadApi = Literal[
    "ListCACertificates",
    "DescribeCACertificate",
    "ListCertificatesByCA",
    "ListCertificates",
    "DescribeCertificate",
]
IOT_READ_APIS: tuple[IotReadApi, ...] = (
    "ListCACertificates",
    "DescribeCACertificate",
    "ListCertificatesByCA",
    "ListCertificates",
    "DescribeCertificate",
)


@dataclass(frozen=True)
class ListedCertificate:
    """One entry of a listing: certificateId, status and creationDate (an instant of
    revocation_common.registration_order, "" when absent) (ListCertificates, ListCertificatesByCA,
    ListCACertificates)."""

    certificateId: str
    status: str
    creationDate: str = ""


@dataclass(frozen=True)
class ListedPage:
    """One page of a listing; next_marker None on the last page."""

    entries: tuple[ListedCertificate, ...]
    next_marker: str | None


@dataclass(frozen=True)
class DescribedCertificate:
    """DescribeCertificate's fields the scan reads (CertificateDescription)."""

    certificateId: str
    status: str
    certificatePem: str
    caCertificateId: str | None = None


class IotReads(Protocol):
    """AWS IoT reads, one API call per method (pageSize 250 for the listings, their maximum).

    Errors: TransientAwsError (throttling/5xx after retries); a resource that no longer exists is
    None (describe) or an empty last page (a CA's listing), never an error: discovery keeps going.
    """

    def list_ca_certificates(self, marker: str | None) -> ListedPage:
        """ListCACertificates from ``marker``."""
        ...

    def describe_ca_certificate(self, ca_certificate_id: str) -> RegisteredCa | None:
        """DescribeCACertificate: status, autoRegistrationStatus, certificatePem; None if not found."""
        ...

    def list_certificates_by_ca(self, ca_certificate_id: str, marker: str | None) -> ListedPage:
        """ListCertificatesByCA of one CA from ``marker``, newest first (ascendingOrder false)."""
        ...

    def list_certificates(self, marker: str | None) -> ListedPage:
        """ListCertificates (every certificate of the account and Region) from ``marker``, oldest first
        (ascendingOrder true)."""
        ...

    def describe_certificate(self, certificate_id: str) -> DescribedCertificate | None:
        """DescribeCertificate: status, certificatePem, caCertificateId; None if not found."""
        ...


class Pacers(Protocol):
    """Blocks until the next call of ``api`` is within its quota."""

    def wait(self, api: IotReadApi) -> None: ...
