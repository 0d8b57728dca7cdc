"""The ports the tasks' logic takes instead of boto3 clients: small typing.Protocol classes with the few
calls it makes, in the workflow's terms.

``revocation_common.aws`` implements them over boto3 (AWS IoT, S3, DynamoDB, Step Functions) and maps
botocore errors to the workflow's named errors; tests/support/fakes.py implements them in memory. The
logic never sees a botocore exception: what it must react to arrives as one of the exceptions below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from revocation_common.models import PageEntry


@dataclass(frozen=True)
class CertificatePage:
    """One ListCertificatesByCA page: its certificates and nextMarker (None on the last page)."""

    certificates: list[PageEntry] = field(default_factory=list)
    next_marker: str | None = None


@dataclass(frozen=True)
class ThingsPage:
    """One ListPrincipalThings page: the Thing names and nextToken (None on the last page)."""

    things: list[str] = field(default_factory=list)
    next_token: str | None = None


class UpdateRefused(Exception):
    """UpdateCertificate answered a non-transient error (e.g. CertificateStateException).

    ``code`` is the AWS error code, ``message`` AWS's message (AWS IoT API reference, UpdateCertificate,
    "Errors").
    """

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


class ObjectMissing(LookupError):
    """GetObject found no object under the key (S3 NoSuchKey / 404)."""


class IotPort(Protocol):
    """The AWS IoT control-plane calls of the tasks (AWS IoT API reference).

    Errors of every method: TransientAwsError (throttling/5xx after botocore's retries).
    """

    def describe_ca(self, ca_certificate_id: str) -> tuple[str, str]:
        """DescribeCACertificate -> (status, autoRegistrationStatus). Raises CaNotFound."""
        ...

    def deactivate_ca(self, ca_certificate_id: str) -> None:
        """UpdateCACertificate newStatus=INACTIVE, newAutoRegistrationStatus=DISABLE."""
        ...

    def restore_ca(self, ca_certificate_id: str, status: str, auto_registration_status: str) -> None:
        """UpdateCACertificate newStatus=status, newAutoRegistrationStatus=auto_registration_status (a
        restore of a quarantine sets back what the revocation found)."""
        ...

    def list_certificate_page(self, ca_certificate_id: str, marker: str | None) -> CertificatePage:
        """ListCertificatesByCA of at most 250 from ``marker`` (None: the first page). Raises CaNotFound."""
        ...

    def update_certificate(self, certificate_id: str, new_status: str) -> None:
        """UpdateCertificate. Raises UpdateRefused for a non-transient refusal."""
        ...

    def certificate_status(self, certificate_id: str) -> str | None:
        """DescribeCertificate's status; None when the certificate no longer exists."""
        ...

    def principal_things_page(self, certificate_arn: str, next_token: str | None) -> ThingsPage:
        """ListPrincipalThings of the certificate ``certificate_arn`` (principal), at most 250 Things from
        ``next_token`` (None: the first page). A certificate that no longer exists lists no Thing."""
        ...


class ObjectStore(Protocol):
    """JSON objects in the report bucket (one bucket; keys from revocation_common.store)."""

    def put_json(self, key: str, document: Any, *, only_if_absent: bool = False) -> bool:
        """Write ``document`` as JSON; with ``only_if_absent`` a conditional write that returns False,
        writing nothing, when the key exists (S3 If-None-Match: *). True when written."""
        ...

    def get_json(self, key: str) -> Any:
        """Read a JSON object. Raises ObjectMissing when there is none."""
        ...


class TextStore(Protocol):
    """Text objects in the report bucket (the affected-Things CSV)."""

    def put_text(self, key: str, text: str, *, content_type: str) -> None:
        """Write ``text`` (UTF-8) under ``key`` with the Content-Type ``content_type``."""
        ...


class LockTablePort(Protocol):
    """The per-CA lock items (DynamoDB, docs/data-contract.md "Lock table"), as plain attribute dicts
    ({"caCertificateId", "executionArn", "executionName", "acquiredAt", "expiresAt" (int), "dryRun",
    "source"})."""

    def put_if_free_or_mine(self, item: dict[str, Any]) -> bool:
        """PutItem if no item of the CA exists or this execution holds it; False when held by another."""
        ...

    def put_if_held_by(self, item: dict[str, Any], holder: str) -> bool:
        """PutItem if ``holder`` (an executionArn) still holds the CA's item; False otherwise."""
        ...

    def get(self, ca_certificate_id: str) -> dict[str, Any] | None:
        """The CA's item (consistent read), None when there is none."""
        ...


class ExecutionsPort(Protocol):
    """Step Functions' view of an execution (DescribeExecution)."""

    def status(self, execution_arn: str) -> str:
        """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE; DOES_NOT_EXIST if unknown."""
        ...
