"""IotPort over boto3's AWS IoT client, with botocore errors mapped to the workflow's named errors.

Source: AWS IoT API reference, DescribeCACertificate, UpdateCACertificate, ListCertificatesByCA,
UpdateCertificate, DescribeCertificate and ListPrincipalThings (each action's "Errors" section).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from revocation_common.aws.errors import error_code, raise_if_transient
from revocation_common.errors import CaNotFound
from revocation_common.models import PageEntry
from revocation_common.ports import CertificatePage, ThingsPage, UpdateRefused

PAGE_SIZE = 250  # ListCertificatesByCA's maximum pageSize: fewest calls against the quota
# ListPrincipalThings' maximum maxResults (AWS IoT API reference, ListPrincipalThings, "maxResults":
# valid range 1-250): fewest calls against its quota.
THINGS_PAGE_SIZE = 250


class IotApi:
    """The tasks' AWS IoT calls (implements revocation_common.ports.IotPort) over a boto3 ``iot`` client.

    Every method raises TransientAwsError for throttling/5xx that botocore's retries did not clear; other
    errors not named below propagate as botocore's ClientError.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def describe_ca(self, ca_certificate_id: str) -> tuple[str, str]:
        """DescribeCACertificate -> (status, autoRegistrationStatus).

        Errors: CaNotFound (ResourceNotFoundException), TransientAwsError.
        """
        try:
            description = self.client.describe_ca_certificate(certificateId=ca_certificate_id)[
                "certificateDescription"
            ]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                raise CaNotFound(
                    f"caCertificateId {ca_certificate_id} is not registered in AWS IoT"
                ) from error
            raise_if_transient(error, "DescribeCACertificate")
            raise
        return str(description.get("status", "")), str(description.get("autoRegistrationStatus", ""))

    def deactivate_ca(self, ca_certificate_id: str) -> None:
        """UpdateCACertificate newStatus=INACTIVE, newAutoRegistrationStatus=DISABLE."""
        try:
            self.client.update_ca_certificate(
                certificateId=ca_certificate_id, newStatus="INACTIVE", newAutoRegistrationStatus="DISABLE"
            )
        except ClientError as error:
            raise_if_transient(error, "UpdateCACertificate")
            raise

    def restore_ca(self, ca_certificate_id: str, status: str, auto_registration_status: str) -> None:
        """UpdateCACertificate newStatus=status, newAutoRegistrationStatus=auto_registration_status (AWS IoT
        API reference, UpdateCACertificate: newStatus ACTIVE | INACTIVE, newAutoRegistrationStatus ENABLE |
        DISABLE)."""
        try:
            self.client.update_ca_certificate(
                certificateId=ca_certificate_id,
                newStatus=status,
                newAutoRegistrationStatus=auto_registration_status,
            )
        except ClientError as error:
            raise_if_transient(error, "UpdateCACertificate")
            raise

    def list_certificate_page(self, ca_certificate_id: str, marker: str | None) -> CertificatePage:
        """One ListCertificatesByCA call of PAGE_SIZE from ``marker`` (None for the first page).

        Errors: CaNotFound (ResourceNotFoundException), TransientAwsError.
        """
        kwargs: dict[str, Any] = {"caCertificateId": ca_certificate_id, "pageSize": PAGE_SIZE}
        if marker:
            kwargs["marker"] = marker
        try:
            response = self.client.list_certificates_by_ca(**kwargs)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                raise CaNotFound(
                    f"caCertificateId {ca_certificate_id} is not registered in AWS IoT"
                ) from error
            raise_if_transient(error, "ListCertificatesByCA")
            raise
        return CertificatePage(
            certificates=[
                PageEntry(certificateId=c["certificateId"], status=c["status"])
                for c in response.get("certificates", [])
            ],
            next_marker=response.get("nextMarker") or None,
        )

    def update_certificate(self, certificate_id: str, new_status: str) -> None:
        """UpdateCertificate. Errors: UpdateRefused (any non-transient error, with its code and message)."""
        try:
            self.client.update_certificate(certificateId=certificate_id, newStatus=new_status)
        except ClientError as error:
            raise_if_transient(error, "UpdateCertificate")
            raise UpdateRefused(
                error_code(error), str(error.response.get("Error", {}).get("Message", ""))
            ) from error

    def certificate_status(self, certificate_id: str) -> str | None:
        """DescribeCertificate's status; None for ResourceNotFoundException (deleted)."""
        try:
            description = self.client.describe_certificate(certificateId=certificate_id)[
                "certificateDescription"
            ]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise_if_transient(error, "DescribeCertificate")
            raise
        return str(description["status"])

    def principal_things_page(self, certificate_arn: str, next_token: str | None) -> ThingsPage:
        """One ListPrincipalThings call (principal = the certificate's ARN, maxResults THINGS_PAGE_SIZE)
        from ``next_token`` (None for the first page).

        Errors: none for ResourceNotFoundException (the certificate was deleted: it has no Thing, an empty
        last page); TransientAwsError (throttling/5xx after botocore's standard retries); others as
        botocore's ClientError. Source: AWS IoT API reference, ListPrincipalThings.
        """
        kwargs: dict[str, Any] = {"principal": certificate_arn, "maxResults": THINGS_PAGE_SIZE}
        if next_token:
            kwargs["nextToken"] = next_token
        try:
            response = self.client.list_principal_things(**kwargs)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return ThingsPage()
            raise_if_transient(error, "ListPrincipalThings")
            raise
        return ThingsPage(
            things=[str(name) for name in response.get("things", [])],
            next_token=response.get("nextToken") or None,
        )
