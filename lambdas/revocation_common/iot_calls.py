"""AWS IoT calls used by more than one task, with their errors mapped to the workflow's named errors.

Source: AWS IoT API reference, DescribeCACertificate and ListCertificatesByCA.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from revocation_common.aws_errors import error_code, raise_if_transient
from revocation_common.errors import CaNotFound

PAGE_SIZE = 250  # ListCertificatesByCA's maximum pageSize: fewest calls against the quota


def describe_ca(iot: Any, ca_certificate_id: str) -> tuple[str, str]:
    """DescribeCACertificate -> (status, autoRegistrationStatus).

    Errors: CaNotFound (ResourceNotFoundException), TransientAwsError (throttling/5xx after retries).
    """
    try:
        description = iot.describe_ca_certificate(certificateId=ca_certificate_id)["certificateDescription"]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            raise CaNotFound(f"caCertificateId {ca_certificate_id} is not registered in AWS IoT") from error
        raise_if_transient(error, "DescribeCACertificate")
        raise
    return str(description.get("status", "")), str(description.get("autoRegistrationStatus", ""))


def list_certificate_page(iot: Any, ca_certificate_id: str, marker: str | None) -> dict[str, Any]:
    """One ListCertificatesByCA call of PAGE_SIZE from ``marker`` (None for the first page).

    Output: the API response ({certificates: [...], nextMarker?}).
    Errors: CaNotFound (ResourceNotFoundException), TransientAwsError (throttling/5xx after retries).
    """
    kwargs: dict[str, Any] = {"caCertificateId": ca_certificate_id, "pageSize": PAGE_SIZE}
    if marker:
        kwargs["marker"] = marker
    try:
        return dict(iot.list_certificates_by_ca(**kwargs))
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            raise CaNotFound(f"caCertificateId {ca_certificate_id} is not registered in AWS IoT") from error
        raise_if_transient(error, "ListCertificatesByCA")
        raise
