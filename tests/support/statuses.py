"""Reading back what AWS IoT holds: certificateId -> status, and a CA's status.

One helper for every tier, reading through either of two readers with the API's response shape:
- an IoT client (``emulator.client("iot")``): DescribeCertificate / DescribeCACertificate requests, as an
  operator would read the end state;
- :class:`IotStateReader`: the in-process emulator's state, answered in the same shape without an API
  call, so the reads are neither counted in the IoT layer's statistics, nor throttled, nor given injected
  faults (for the tests that inject faults, and for reads from inside a task's invocation).
Response shapes: AWS IoT API Reference, DescribeCertificate and DescribeCACertificate
(certificateDescription.status, certificateDescription.autoRegistrationStatus).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from emulator.session import ACCOUNT_ID, REGION

__all__ = ["CaStatus", "IotReads", "IotStateReader", "ca_status", "statuses"]


class IotReads(Protocol):
    """The two AWS IoT reads the helpers make (a boto3 IoT client has them)."""

    def describe_certificate(self, *, certificateId: str) -> Any: ...

    def describe_ca_certificate(self, *, certificateId: str) -> Any: ...


class CaStatus(NamedTuple):
    """A CA certificate's status and autoRegistrationStatus (DescribeCACertificate); equal to the tuple
    ``(status, autoRegistrationStatus)``, e.g. ``("INACTIVE", "DISABLE")``."""

    status: str
    autoRegistrationStatus: str


def statuses(iot: IotReads, certificate_ids: Iterable[str]) -> dict[str, str]:
    """certificateId -> status of every id in ``certificate_ids``, read from ``iot``.

    Raises what the reader raises for an unknown id (ResourceNotFoundException from the API).
    """
    return {
        cid: str(iot.describe_certificate(certificateId=cid)["certificateDescription"]["status"])
        for cid in certificate_ids
    }


def ca_status(iot: IotReads, ca_certificate_id: str) -> CaStatus:
    """(status, autoRegistrationStatus) of the CA certificate ``ca_certificate_id``, read from ``iot``."""
    description = iot.describe_ca_certificate(certificateId=ca_certificate_id)["certificateDescription"]
    return CaStatus(str(description["status"]), str(description["autoRegistrationStatus"]))


class IotStateReader:
    """DescribeCertificate / DescribeCACertificate answered from moto's in-process IoT backend.

    The backend is looked up on every read (each emulator session starts a fresh one). Only the fields the
    helpers read, plus lastModifiedDate; an unknown id raises LookupError naming it.
    """

    def __init__(self, account_id: str = ACCOUNT_ID, region: str = REGION) -> None:
        self.account_id = account_id
        self.region = region

    def _backend(self) -> Any:
        from moto.iot.models import iot_backends

        return iot_backends[self.account_id][self.region]

    def describe_certificate(self, *, certificateId: str) -> dict[str, Any]:
        cert = self._backend().certificates.get(certificateId)
        if cert is None:
            raise LookupError(f"certificateId {certificateId} is not registered")
        description = {
            "certificateId": certificateId,
            "status": cert.status,
            "lastModifiedDate": cert.last_modified_date,
        }
        return {"certificateDescription": description}

    def describe_ca_certificate(self, *, certificateId: str) -> dict[str, Any]:
        ca = self._backend().ca_certificates.get(certificateId)
        if ca is None:
            raise LookupError(f"CA certificateId {certificateId} is not registered")
        description = {
            "certificateId": certificateId,
            "status": ca.status,
            "autoRegistrationStatus": ca.auto_registration_status,
            "lastModifiedDate": ca.last_modified_date,
        }
        return {"certificateDescription": description}
