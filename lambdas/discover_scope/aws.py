"""The ports over boto3: AWS IoT reads with their errors mapped, S3 JSON objects, per-API pacing.

Sources: AWS IoT API reference, ListCACertificates, DescribeCACertificate, ListCertificatesByCA,
ListCertificates, DescribeCertificate (pageSize 1..250, marker/nextMarker; ResourceNotFoundException).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from revocation_common.aws.errors import error_code, raise_if_transient
from revocation_common.pacing import RatePacer
from revocation_common.registration_order import instant
from revocation_common.scope_models import RegisteredCa

from discover_scope.ports import (
    IOT_READ_APIS,
    DescribedCertificate,
    IotReadApi,
    ListedCertificate,
    ListedPage,
)

PAGE_SIZE = 250  # the maximum pageSize of the three listings: fewest calls against their quotas
# The certificate listings newest first: "ascendingOrder ... If True, the results are returned in
# ascending order, based on the creation date" (API_ListCertificatesByCA, API_ListCertificates; the
# default is not documented, so it is always sent). revocation_common.registration_order says why.
NEWEST_FIRST = {"ascendingOrder": False}
# The account-wide scan (ListCertificates) lists oldest first: other CAs and CA-less registrations go on
# during the scan, and oldest first they join the end of the listing instead of moving the pages already
# begun (a scan resumes within a page listed again). Its pages are still revoked newest first: the
# page index orders every page by its newest creationDate (revocation_common.registration_order).
OLDEST_FIRST = {"ascendingOrder": True}


def _creation_date(value: Any) -> str:
    # botocore parses the timestamp into an aware datetime.
    return instant(value) if isinstance(value, datetime) else ""


def _page(response: Mapping[str, Any], key: str = "certificates") -> ListedPage:
    entries = tuple(
        ListedCertificate(
            certificateId=str(c["certificateId"]),
            status=str(c.get("status", "")),
            creationDate=_creation_date(c.get("creationDate")),
        )
        for c in response.get(key, [])
    )
    return ListedPage(entries=entries, next_marker=response.get("nextMarker") or None)


def _not_found(error: ClientError, action: str) -> bool:
    if error_code(error) == "ResourceNotFoundException":
        return True
    raise_if_transient(error, action)
    return False


class BotoIotReads:
    """IotReads over a boto3 "iot" client (errors: TransientAwsError, other ClientErrors propagate)."""

    def __init__(self, iot: Any) -> None:
        self._iot = iot

    def _paged(self, **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in kwargs.items() if value is not None}

    def list_ca_certificates(self, marker: str | None) -> ListedPage:
        try:
            return _page(self._iot.list_ca_certificates(**self._paged(pageSize=PAGE_SIZE, marker=marker)))
        except ClientError as error:
            raise_if_transient(error, "ListCACertificates")
            raise

    def describe_ca_certificate(self, ca_certificate_id: str) -> RegisteredCa | None:
        try:
            description = self._iot.describe_ca_certificate(certificateId=ca_certificate_id)
        except ClientError as error:
            if _not_found(error, "DescribeCACertificate"):
                return None
            raise
        found = description.get("certificateDescription", {})
        return RegisteredCa(
            caCertificateId=str(found.get("certificateId", ca_certificate_id)),
            status=str(found.get("status", "")),
            autoRegistrationStatus=str(found.get("autoRegistrationStatus", "")),
            certificatePem=str(found.get("certificatePem", "")),
        )

    def list_certificates_by_ca(self, ca_certificate_id: str, marker: str | None) -> ListedPage:
        try:
            return _page(
                self._iot.list_certificates_by_ca(
                    **self._paged(caCertificateId=ca_certificate_id, pageSize=PAGE_SIZE, marker=marker),
                    **NEWEST_FIRST,
                )
            )
        except ClientError as error:
            if _not_found(error, "ListCertificatesByCA"):
                return ListedPage(entries=(), next_marker=None)  # deleted since it was listed
            raise

    def list_certificates(self, marker: str | None) -> ListedPage:
        try:
            return _page(
                self._iot.list_certificates(**self._paged(pageSize=PAGE_SIZE, marker=marker), **OLDEST_FIRST)
            )
        except ClientError as error:
            raise_if_transient(error, "ListCertificates")
            raise

    def describe_certificate(self, certificate_id: str) -> DescribedCertificate | None:
        try:
            description = self._iot.describe_certificate(certificateId=certificate_id)
        except ClientError as error:
            if _not_found(error, "DescribeCertificate"):
                return None  # deleted since it was listed
            raise
        found = description.get("certificateDescription", {})
        return DescribedCertificate(
            certificateId=str(found.get("certificateId", certificate_id)),
            status=str(found.get("status", "")),
            certificatePem=str(found.get("certificatePem", "")),
            caCertificateId=found.get("caCertificateId") or None,
        )


class ApiPacers:
    """One RatePacer per AWS IoT read API, each at its own quota (transactions per second).

    ``quotas`` must name every API of IOT_READ_APIS; a quota <= 0 is refused with ValueError.
    """

    def __init__(
        self, quotas: Mapping[str, float], *, pacer_factory: Callable[[float], RatePacer] = RatePacer
    ) -> None:
        missing = [api for api in IOT_READ_APIS if api not in quotas]
        if missing:
            raise ValueError(f"quotas: missing {', '.join(missing)}")
        self._pacers = {api: pacer_factory(float(quotas[api])) for api in IOT_READ_APIS}

    def wait(self, api: IotReadApi) -> None:
        self._pacers[api].wait()
