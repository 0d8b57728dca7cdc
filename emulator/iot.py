"""The emulator's AWS IoT layer: moto's IoT backend patched to behave like the AWS IoT control plane.

moto 5.2's IoT backend is not faithful enough for the revocation workflow (see DESIGN.md, "The embedded
default"). ``install_iot_layer()`` patches moto process-wide, once, so that every caller of the emulator's
IoT API gets the documented AWS behaviour: boto3 under ``mock_aws()`` in-process and HTTP clients (the AWS
CLI, boto3 with ``endpoint_url``) talking to moto's ``ThreadedMotoServer`` in the same process.

How the patch hooks into moto (all in ``moto.iot``):

* ``IoTResponse.call_action`` is wrapped: every IoT request is counted, checked against its per-API quota
  (``ThrottlingException``) and against fault injection (``ServiceUnavailableException`` /
  ``InternalFailureException``) before moto runs the operation, so refusals never change state.
* ``IoTResponse`` gains ``transfer_certificate``, ``cancel_certificate_transfer`` and
  ``reject_certificate_transfer``. moto routes REST requests by matching method + path against botocore's
  IoT service model and then calls the ``IoTResponse`` method named after the operation, so adding the
  method is all the routing needs. ``list_certificates_by_ca``, ``update_ca_certificate``,
  ``describe_ca_certificate``, ``describe_certificate`` and ``register_ca_certificate`` are replaced.
* ``IoTBackend.__init__`` is wrapped so ``backend.certificates`` is an :class:`IndexedCertificates`
  (an ``OrderedDict`` that also keeps a per-CA index in creation order). ``describe_certificate`` and
  ``_get_principal`` become dict lookups, ``update_certificate``/``update_ca_certificate`` validate like
  AWS, and the backend gains ``list_certificates_by_ca_page``, ``transfer_certificate``,
  ``cancel_certificate_transfer`` and ``reject_certificate_transfer``.

Other IoT operations keep moto's behaviour.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import threading
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.iot.exceptions import (
    CertificateStateException,
    InvalidRequestException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
)
from moto.iot.models import FakeCertificate, IoTBackend, iot_backends
from moto.iot.responses import IoTResponse

from emulator.faults import AttemptCounter, draw

__all__ = [
    "CERTIFICATE_STATUSES",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "IndexedCertificates",
    "InternalFailureException",
    "IotLayer",
    "IotStats",
    "ServiceUnavailableException",
    "ThrottlingException",
    "TransferAlreadyCompletedException",
    "TransferConflictException",
    "add_certificates",
    "auto_register_certificate",
    "certificate_store",
    "get_iot_backend",
    "install_iot_layer",
]

# CertificateStatus enum of the AWS IoT API (API_Certificate / API_UpdateCertificate).
CERTIFICATE_STATUSES = frozenset(
    {"ACTIVE", "INACTIVE", "REVOKED", "PENDING_TRANSFER", "REGISTER_INACTIVE", "PENDING_ACTIVATION"}
)
# UpdateCertificate: "Setting the status to PENDING_TRANSFER or PENDING_ACTIVATION will result in an
# exception being thrown" (they are set by IoT itself: transfers and just-in-time registration).
SETTABLE_CERTIFICATE_STATUSES = CERTIFICATE_STATUSES - {"PENDING_TRANSFER", "PENDING_ACTIVATION"}
CA_CERTIFICATE_STATUSES = frozenset({"ACTIVE", "INACTIVE"})  # CACertificateStatus enum
AUTO_REGISTRATION_STATUSES = frozenset({"ENABLE", "DISABLE"})  # AutoRegistrationStatus enum
CERTIFICATE_MODES = frozenset({"DEFAULT", "SNI_ONLY"})
# ListCertificatesByCA pageSize range (API_ListCertificatesByCA); the IoT list APIs document a default
# page size of 25 (API_ListCACertificates, API_ListCertificates), ListCertificatesByCA follows them.
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 250

_MARKER_VERSION = "v1"
_PATCH_MARK = "_emulator_iot_layer"  # attribute on IoTResponse holding the installed IotLayer
_INSTALL_LOCK = threading.Lock()
# Serialises read-check-write transitions on certificates: Step Functions Map children call
# UpdateCertificate concurrently from threads, and two transitions of one certificate must not interleave.
_STATE_LOCK = threading.RLock()


# --------------------------------------------------------------------------------------------------
# Errors AWS IoT returns that moto.iot.exceptions lacks (codes from botocore's IoT service model).
# --------------------------------------------------------------------------------------------------
class ThrottlingException(JsonRESTError):
    """HTTP 400 ThrottlingException, "The rate exceeds the limit"; botocore retries it as a throttle."""

    code = 400

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__("ThrottlingException", message)


class ServiceUnavailableException(JsonRESTError):
    """HTTP 503 ServiceUnavailableException (an injected fault)."""

    code = 503

    def __init__(self, message: str = "The service is temporarily unavailable.") -> None:
        super().__init__("ServiceUnavailableException", message)


class InternalFailureException(JsonRESTError):
    """HTTP 500 InternalFailureException (an injected fault)."""

    code = 500

    def __init__(self, message: str = "An unexpected error has occurred.") -> None:
        super().__init__("InternalFailureException", message)


class TransferConflictException(JsonRESTError):
    """HTTP 409: "You can't transfer the certificate because authorization policies are still attached."""

    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("TransferConflictException", message)


class TransferAlreadyCompletedException(JsonRESTError):
    """HTTP 410: "You can't revert the certificate transfer because the transfer is already complete."""

    code = 410

    def __init__(self, message: str) -> None:
        super().__init__("TransferAlreadyCompletedException", message)


# --------------------------------------------------------------------------------------------------
# Certificate store with a per-CA index.
# --------------------------------------------------------------------------------------------------
class _CaIndex:
    """Certificate ids of one CA in creation order, with their (increasing) sequence numbers."""

    __slots__ = ("ids", "seqs")

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.ids: list[str] = []


class IndexedCertificates(OrderedDict[str, Any]):
    """Drop-in replacement for ``IoTBackend.certificates`` (certificateId -> FakeCertificate).

    Every insert gets a monotonically increasing sequence number, and the certificate id is appended to
    the index of its ``ca_certificate_id``. A ListCertificatesByCA page is then a bisect plus a slice:
    O(log n + pageSize), never a scan of every certificate. Markers carry sequence numbers, so a listing
    stays consistent when certificates are added or deleted between pages. Deletes cost O(k) for the
    CA's k certificates (moto deletes one certificate per call; rare).
    """

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        super().__init__()
        self._reset_index()
        for key, value in items:
            self[key] = value

    def _reset_index(self) -> None:
        self._next_seq = 0
        self._seq_of: dict[str, int] = {}
        self._by_ca: dict[str | None, _CaIndex] = {}

    def _index(self, key: str, cert: Any) -> None:
        seq = self._next_seq
        self._next_seq += 1
        self._seq_of[key] = seq
        index = self._by_ca.get(cert.ca_certificate_id)
        if index is None:
            index = self._by_ca[cert.ca_certificate_id] = _CaIndex()
        index.seqs.append(seq)
        index.ids.append(key)

    def _unindex(self, key: str, cert: Any) -> None:
        seq = self._seq_of.pop(key, None)
        index = self._by_ca.get(cert.ca_certificate_id)
        if seq is None or index is None:
            return
        i = bisect_left(index.seqs, seq)
        if i < len(index.seqs) and index.seqs[i] == seq:
            del index.seqs[i]
            del index.ids[i]

    def __setitem__(self, key: str, value: Any) -> None:
        old = super().get(key)
        if old is not None and old.ca_certificate_id == value.ca_certificate_id:
            super().__setitem__(key, value)  # same CA: keep its place in the listing
            return
        if old is not None:
            self._unindex(key, old)
        super().__setitem__(key, value)
        self._index(key, value)

    def __delitem__(self, key: str) -> None:
        cert = self[key]
        super().__delitem__(key)
        self._unindex(key, cert)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self, last: bool = True) -> tuple[str, Any]:
        key, value = super().popitem(last)
        self._unindex(key, value)
        return key, value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self._reset_index()

    def _ensure_consistent(self) -> None:
        # Guards against writes that bypassed the overrides (none known in moto 5.2): rebuild once.
        if len(self._seq_of) != len(self):
            items = list(self.items())
            super().clear()
            self._reset_index()
            for key, value in items:
                self[key] = value

    def ids_by_ca(self, ca_certificate_id: str) -> list[str]:
        """All certificate ids registered with ``ca_certificate_id``, in creation order (a copy)."""
        self._ensure_consistent()
        index = self._by_ca.get(ca_certificate_id)
        return list(index.ids) if index is not None else []

    def page_by_ca(
        self, ca_certificate_id: str, after_seq: int | None, page_size: int, ascending: bool
    ) -> tuple[list[Any], int | None]:
        """One page of the CA's certificates after position ``after_seq``.

        Returns (certificates, sequence number to continue after, or None on the last page).
        """
        self._ensure_consistent()
        index = self._by_ca.get(ca_certificate_id)
        if index is None:
            return [], None
        seqs, ids = index.seqs, index.ids
        if ascending:
            start = 0 if after_seq is None else bisect_right(seqs, after_seq)
            end = min(start + page_size, len(ids))
            page_ids = ids[start:end]
            next_seq = seqs[end - 1] if end < len(ids) and end > start else None
        else:
            end = len(ids) if after_seq is None else bisect_left(seqs, after_seq)
            start = max(0, end - page_size)
            page_ids = ids[start:end][::-1]
            next_seq = seqs[start] if start > 0 and end > start else None
        return [self[cid] for cid in page_ids], next_seq


def certificate_store(backend: Any) -> IndexedCertificates:
    """The backend's ``certificates`` dict as an :class:`IndexedCertificates` (converted on first use).

    Backends created before ``install_iot_layer()`` hold a plain dict; it is converted in place, keeping
    creation order.
    """
    certs = backend.certificates
    if isinstance(certs, IndexedCertificates):
        return certs
    with _STATE_LOCK:
        certs = backend.certificates
        if not isinstance(certs, IndexedCertificates):
            certs = IndexedCertificates(list(certs.items()))
            backend.certificates = certs
        return certs


def get_iot_backend(account_id: str, region: str) -> Any:
    """moto's IoT backend object for one account and Region (the emulator's in-process state)."""
    return iot_backends[account_id][region]


def add_certificates(backend: Any, certificates: Iterable[Any]) -> None:
    """Insert already-built ``FakeCertificate`` objects into ``backend`` in order (seeding fast path).

    The result is what RegisterCertificate would have produced, without an HTTP round trip per
    certificate. Raises ResourceAlreadyExistsException, as RegisterCertificate does, when a certificate id
    is already registered (nothing is inserted then).
    """
    certs = certificate_store(backend)
    batch = list(certificates)
    with _STATE_LOCK:
        seen: set[str] = set()
        for cert in batch:
            if cert.certificate_id in certs or cert.certificate_id in seen:
                raise ResourceAlreadyExistsException(
                    "The certificate is already provisioned or registered", cert.certificate_id, cert.arn
                )
            seen.add(cert.certificate_id)
        for cert in batch:
            certs[cert.certificate_id] = cert


# --------------------------------------------------------------------------------------------------
# Markers (ListCertificatesByCA): opaque base64, matching the API's Marker pattern [A-Za-z0-9+/]+={0,2}.
# --------------------------------------------------------------------------------------------------
def _encode_marker(ca_certificate_id: str, ascending: bool, seq: int) -> str:
    raw = f"{_MARKER_VERSION}:{ca_certificate_id}:{'a' if ascending else 'd'}:{seq}"
    return base64.b64encode(raw.encode("ascii")).decode("ascii")


def _decode_marker(marker: str, ca_certificate_id: str, ascending: bool) -> int:
    invalid = InvalidRequestException(f"Invalid marker: {marker[:64]!r}")
    try:
        raw = base64.b64decode(marker.encode("ascii"), validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    parts = raw.split(":")
    # A marker is only valid for the listing that issued it (same CA, same order).
    if (
        len(parts) != 4
        or parts[0] != _MARKER_VERSION
        or parts[1] != ca_certificate_id
        or parts[2] != ("a" if ascending else "d")
        or not parts[3].isdigit()
    ):
        raise invalid
    return int(parts[3])


def _parse_page_size(value: Any) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    try:
        page_size = int(value)
    except (TypeError, ValueError):
        raise InvalidRequestException(f"pageSize must be an integer, got {value!r}") from None
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidRequestException(
            f"Value '{page_size}' at 'pageSize' failed to satisfy constraint: "
            f"Member must have value between 1 and {MAX_PAGE_SIZE}"
        )
    return page_size


def _parse_bool(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("true", "false"):
        return text == "true"
    raise InvalidRequestException(f"{name} must be true or false, got {value!r}")


# --------------------------------------------------------------------------------------------------
# Backend behaviour (functions installed as IoTBackend methods; ``self`` is an IoTBackend).
# --------------------------------------------------------------------------------------------------
def _backend_describe_certificate(self: Any, certificate_id: str) -> Any:
    # moto scans every certificate; AWS's key is the id, so this is a dict lookup.
    cert = certificate_store(self).get(certificate_id)
    if cert is None:
        raise ResourceNotFoundException(f"The certificate {certificate_id} does not exist")
    return cert


def _backend_list_certificates_by_ca(self: Any, ca_certificate_id: str) -> list[Any]:
    # Whole listing (moto's own signature, kept for other callers) through the per-CA index.
    certs = certificate_store(self)
    return [certs[cid] for cid in certs.ids_by_ca(ca_certificate_id)]


def _backend_list_certificates_by_ca_page(
    self: Any,
    ca_certificate_id: str,
    page_size: Any = None,
    marker: str | None = None,
    ascending: bool = True,
) -> tuple[list[Any], str | None]:
    """ListCertificatesByCA (API_ListCertificatesByCA): one page and the next marker (None when done).

    page_size: 1..250, default 25; InvalidRequestException outside the range or for a marker this
    listing did not issue. An unknown CA lists nothing (the API documents no ResourceNotFoundException).
    """
    size = _parse_page_size(page_size)
    after_seq = None if marker is None else _decode_marker(marker, ca_certificate_id, ascending)
    certs, next_seq = certificate_store(self).page_by_ca(ca_certificate_id, after_seq, size, ascending)
    next_marker = None if next_seq is None else _encode_marker(ca_certificate_id, ascending, next_seq)
    return certs, next_marker


def _backend_update_certificate(self: Any, certificate_id: str, new_status: str | None) -> None:
    """UpdateCertificate (API_UpdateCertificate) with the AWS state rules.

    - newStatus outside CertificateStatus, or PENDING_TRANSFER / PENDING_ACTIVATION (set only by IoT):
      InvalidRequestException.
    - unknown id: ResourceNotFoundException.
    - a certificate in PENDING_TRANSFER: CertificateStateException (cancel or reject the transfer first).
    - REVOKED is final: any other status is CertificateStateException. REVOKED -> REVOKED succeeds as a
      no-op, because the API reference states "This operation is idempotent".
    """
    if new_status not in SETTABLE_CERTIFICATE_STATUSES:
        raise InvalidRequestException(f"Invalid newStatus for UpdateCertificate: {new_status!r}")
    with _STATE_LOCK:
        cert = _backend_describe_certificate(self, certificate_id)
        if cert.status == "PENDING_TRANSFER":
            raise CertificateStateException(
                "Cannot update a certificate while its transfer is pending.", certificate_id
            )
        if cert.status == "REVOKED":
            if new_status == "REVOKED":
                return
            raise CertificateStateException("Certificate is revoked; REVOKED is final.", certificate_id)
        if cert.status != new_status:
            cert.status = new_status
            cert.last_modified_date = utcnow()


def _backend_register_ca_certificate(
    self: Any,
    ca_certificate: str,
    set_as_active: bool,
    registration_config: dict[str, str] | None,
    allow_auto_registration: bool = False,
    certificate_mode: str | None = None,
) -> Any:
    """RegisterCACertificate (API_RegisterCACertificate); allowAutoRegistration sets the initial
    autoRegistrationStatus (ENABLE/DISABLE), certificateMode is DEFAULT or SNI_ONLY."""
    mode = certificate_mode or "DEFAULT"
    if mode not in CERTIFICATE_MODES:
        raise InvalidRequestException(f"Invalid certificateMode: {mode!r}")
    cert = _ORIGINALS["IoTBackend.register_ca_certificate"](
        self, ca_certificate, set_as_active, registration_config
    )
    cert.auto_registration_status = "ENABLE" if allow_auto_registration else "DISABLE"
    cert.certificate_mode = mode
    # AWS names CA certificates arn:...:cacert/ID (IAM scopes CA actions to cacert/*); moto uses cert/.
    cert.arn = cert.arn.replace(f":cert/{cert.certificate_id}", f":cacert/{cert.certificate_id}")
    return cert


def _backend_register_certificate_without_ca(self: Any, certificate_pem: str, status: str) -> Any:
    # Certificates registered without a CA are in SNI_ONLY mode (API_Certificate, certificateMode).
    cert = _ORIGINALS["IoTBackend.register_certificate_without_ca"](self, certificate_pem, status)
    cert.certificate_mode = "SNI_ONLY"
    return cert


def _backend_update_ca_certificate(
    self: Any,
    certificate_id: str,
    new_status: str | None,
    config: dict[str, str] | None,
    new_auto_registration_status: str | None = None,
    remove_auto_registration: bool = False,
) -> None:
    """UpdateCACertificate (API_UpdateCACertificate).

    newStatus: ACTIVE | INACTIVE; newAutoRegistrationStatus: ENABLE | DISABLE; anything else is
    InvalidRequestException (checked before the lookup, so nothing changes). removeAutoRegistration=true
    sets DISABLE (and contradicts newAutoRegistrationStatus=ENABLE). Unknown CA: ResourceNotFoundException.
    """
    if new_status is not None and new_status not in CA_CERTIFICATE_STATUSES:
        raise InvalidRequestException(f"Invalid newStatus for UpdateCACertificate: {new_status!r}")
    if new_auto_registration_status is not None and (
        new_auto_registration_status not in AUTO_REGISTRATION_STATUSES
    ):
        raise InvalidRequestException(f"Invalid newAutoRegistrationStatus: {new_auto_registration_status!r}")
    if remove_auto_registration and new_auto_registration_status == "ENABLE":
        raise InvalidRequestException("removeAutoRegistration contradicts newAutoRegistrationStatus=ENABLE")
    with _STATE_LOCK:
        if certificate_id not in self.ca_certificates:
            raise ResourceNotFoundException(f"The CA certificate {certificate_id} does not exist")
        cert = self.ca_certificates[certificate_id]
        if new_status is not None:
            cert.status = new_status
        if new_auto_registration_status is not None:
            cert.auto_registration_status = new_auto_registration_status
        if remove_auto_registration:
            cert.auto_registration_status = "DISABLE"
        if config is not None:
            cert.registration_config = config
        cert.last_modified_date = utcnow()
        cert.customer_version = getattr(cert, "customer_version", 1) + 1


def _attached_policy_names(self: Any, certificate_arn: str) -> list[str]:
    return [name for (target, name) in list(self.principal_policies) if target == certificate_arn]


def _backend_transfer_certificate(
    self: Any, certificate_id: str, target_aws_account: str | None, transfer_message: str | None = None
) -> Any:
    """TransferCertificate (API_TransferCertificate): the certificate goes to PENDING_TRANSFER.

    - targetAwsAccount must be a 12-digit account other than the owner: else InvalidRequestException.
    - unknown id: ResourceNotFoundException.
    - "The certificate being transferred must not be in the ACTIVE state": ACTIVE is
      CertificateStateException; so are PENDING_TRANSFER (already pending) and REVOKED (REVOKED is final).
    - "The certificate must not have any policies attached to it": TransferConflictException.
    Returns the certificate (its ARN is the transferredCertificateArn).
    """
    if not target_aws_account or len(target_aws_account) != 12 or not target_aws_account.isdigit():
        raise InvalidRequestException(f"Invalid targetAwsAccount: {target_aws_account!r}")
    if target_aws_account == self.account_id:
        raise InvalidRequestException("Cannot transfer a certificate to its own account.")
    with _STATE_LOCK:
        cert = _backend_describe_certificate(self, certificate_id)
        if cert.status in ("ACTIVE", "PENDING_TRANSFER", "REVOKED"):
            raise CertificateStateException(
                f"Cannot transfer a certificate in status {cert.status}.", certificate_id
            )
        policies = _attached_policy_names(self, cert.arn)
        if policies:
            raise TransferConflictException(
                f"Cannot transfer certificate {certificate_id}: policies are still attached ({policies[0]})."
            )
        cert.status = "PENDING_TRANSFER"
        cert.transfer_data = {"transferMessage": transfer_message or "", "transferDate": utcnow()}
        cert.transfer_target_account = target_aws_account
        cert.last_modified_date = utcnow()
        return cert


def _end_transfer(self: Any, certificate_id: str, data: dict[str, Any]) -> None:
    with _STATE_LOCK:
        cert = _backend_describe_certificate(self, certificate_id)
        if cert.status != "PENDING_TRANSFER":
            # The API reserves TransferAlreadyCompletedException for a transfer that completed.
            raise InvalidRequestException(f"Certificate {certificate_id} has no pending transfer.")
        cert.status = "INACTIVE"  # CancelCertificateTransfer / RejectCertificateTransfer: back to INACTIVE
        cert.transfer_data = {**cert.transfer_data, **data}
        cert.transfer_target_account = None
        cert.last_modified_date = utcnow()


def _backend_cancel_certificate_transfer(self: Any, certificate_id: str) -> None:
    """CancelCertificateTransfer (API_CancelCertificateTransfer): PENDING_TRANSFER -> INACTIVE."""
    _end_transfer(self, certificate_id, {})


def _backend_reject_certificate_transfer(
    self: Any, certificate_id: str, reject_reason: str | None = None
) -> None:
    """RejectCertificateTransfer (API_RejectCertificateTransfer): PENDING_TRANSFER -> INACTIVE.

    AWS accepts it only from the destination account; the single-account emulator does not check that.
    """
    _end_transfer(self, certificate_id, {"rejectReason": reject_reason or "", "rejectDate": utcnow()})


def _backend_get_principal(self: Any, principal_arn: str) -> Any:
    # moto scans every certificate for a cert ARN; the id is the ARN's last segment.
    if ":cert/" in principal_arn:
        cert = certificate_store(self).get(principal_arn.rsplit("/", 1)[-1])
        if cert is None or cert.arn != principal_arn:
            raise ResourceNotFoundException()
        return cert
    return _ORIGINALS["IoTBackend._get_principal"](self, principal_arn)


# --------------------------------------------------------------------------------------------------
# Response methods (installed on IoTResponse; ``self`` is an IoTResponse).
# --------------------------------------------------------------------------------------------------
def _certificate_summary(cert: Any) -> dict[str, Any]:
    # Shape "Certificate" of ListCertificatesByCA.
    return {
        "certificateArn": cert.arn,
        "certificateId": cert.certificate_id,
        "status": cert.status,
        "certificateMode": getattr(cert, "certificate_mode", "DEFAULT"),
        "creationDate": cert.creation_date,
    }


def _response_list_certificates_by_ca(self: Any) -> ActionResult:
    ca_certificate_id = self._get_param("caCertificateId")
    ascending = _parse_bool(self._get_param("isAscendingOrder"), "isAscendingOrder", default=True)
    certs, next_marker = self.iot_backend.list_certificates_by_ca_page(
        ca_certificate_id,
        page_size=self._get_param("pageSize"),
        marker=self._get_param("marker"),
        ascending=ascending,
    )
    result: dict[str, Any] = {"certificates": [_certificate_summary(c) for c in certs]}
    if next_marker is not None:
        result["nextMarker"] = next_marker
    return ActionResult(result)


def _response_update_ca_certificate(self: Any) -> ActionResult:
    self.iot_backend.update_ca_certificate(
        certificate_id=self.path.split("/")[-1],
        new_status=self._get_param("newStatus"),
        config=self._get_param("registrationConfig"),
        new_auto_registration_status=self._get_param("newAutoRegistrationStatus"),
        remove_auto_registration=_parse_bool(
            self._get_param("removeAutoRegistration"), "removeAutoRegistration", default=False
        ),
    )
    return EmptyResult()


def _response_describe_ca_certificate(self: Any) -> ActionResult:
    cert = self.iot_backend.describe_ca_certificate(certificate_id=self.path.split("/")[-1])
    description = {
        "certificateArn": cert.arn,
        "certificateId": cert.certificate_id,
        "status": cert.status,
        "certificatePem": cert.certificate_pem,
        "ownedBy": cert.owner,
        "creationDate": cert.creation_date,
        "autoRegistrationStatus": getattr(cert, "auto_registration_status", "DISABLE"),
        "lastModifiedDate": cert.last_modified_date,
        "customerVersion": getattr(cert, "customer_version", 1),
        "validity": {"notBefore": cert.validity_not_before, "notAfter": cert.validity_not_after},
        "certificateMode": getattr(cert, "certificate_mode", "DEFAULT"),
    }
    result: dict[str, Any] = {"certificateDescription": description}
    if cert.registration_config:
        result["registrationConfig"] = cert.registration_config
    return ActionResult(result)


def _response_describe_certificate(self: Any) -> ActionResult:
    cert = self.iot_backend.describe_certificate(certificate_id=self._get_param("certificateId"))
    description = cert.to_description_dict()
    if cert.ca_certificate_id:
        description["caCertificateId"] = cert.ca_certificate_id
    description["certificateMode"] = getattr(cert, "certificate_mode", "DEFAULT")
    return ActionResult({"certificateDescription": description})


def _response_register_ca_certificate(self: Any) -> ActionResult:
    cert = self.iot_backend.register_ca_certificate(
        ca_certificate=self._get_param("caCertificate"),
        set_as_active=self._get_bool_param("setAsActive"),
        registration_config=self._get_param("registrationConfig"),
        allow_auto_registration=bool(self._get_bool_param("allowAutoRegistration", False)),
        certificate_mode=self._get_param("certificateMode"),
    )
    return ActionResult({"certificateId": cert.certificate_id, "certificateArn": cert.arn})


def _response_transfer_certificate(self: Any) -> ActionResult:
    cert = self.iot_backend.transfer_certificate(
        self._get_param("certificateId"),
        self._get_param("targetAwsAccount"),
        self._get_param("transferMessage"),
    )
    return ActionResult({"transferredCertificateArn": cert.arn})


def _response_cancel_certificate_transfer(self: Any) -> ActionResult:
    self.iot_backend.cancel_certificate_transfer(self._get_param("certificateId"))
    return EmptyResult()


def _response_reject_certificate_transfer(self: Any) -> ActionResult:
    self.iot_backend.reject_certificate_transfer(
        self._get_param("certificateId"), self._get_param("rejectReason")
    )
    return EmptyResult()


def _error_response(response: Any, error: JsonRESTError) -> tuple[int, dict[str, str], str]:
    # Same rendering as BaseResponse.call_action gives an HTTPException raised by an operation.
    headers: dict[str, Any] = dict(error.get_headers())
    headers["status"] = error.code
    status, out_headers, body = response._transform_response(
        response.response_headers, (error.get_body(), headers)
    )
    out_headers, body = response._enrich_response(out_headers, body)
    return status, out_headers, body


# --------------------------------------------------------------------------------------------------
# Quotas, faults, stats.
# --------------------------------------------------------------------------------------------------
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


class _SlidingWindow:
    """Sliding-window log: at most ``capacity`` admissions in any ``window`` seconds (wall clock)."""

    __slots__ = ("capacity", "times", "window")

    def __init__(self, tps: float) -> None:
        if tps >= 1:
            self.capacity, self.window = math.floor(tps), 1.0
        else:
            self.capacity, self.window = 1, 1.0 / tps
        self.times: deque[float] = deque()

    def admit(self, now: float) -> bool:
        horizon = now - self.window
        times = self.times
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) >= self.capacity:
            return False
        times.append(now)
        return True


class IotLayer:
    """Process-wide quotas, fault injection and statistics for the emulator's AWS IoT API.

    Thread-safe: one lock guards the counters, the quota windows and the attempt counts, because
    Step Functions Map children call IoT concurrently from threads (and the threaded server serves
    each HTTP request on its own thread).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._quotas: dict[str, float] = {}
        self._windows: dict[str, _SlidingWindow] = {}
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
            self._windows = {api: _SlidingWindow(tps) for api, tps in clean.items()}
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

        ``request_key`` identifies the request (see ``_request_key``); its admitted attempts are numbered
        1, 2, ... and the fault decision of each is ``draw(seed, "iot-fault", key, attempt)``.
        Returns (error to answer with, or None; ``time.monotonic()`` of the decision). Called by the
        patched ``IoTResponse.call_action`` for every IoT request.
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


def _request_key(response: Any) -> str:
    """What identifies a request for fault replay: method, path, sorted query parameters and the body."""
    # From the URL itself: moto's ``querystring`` also carries the headers (signature, invocation id).
    parsed = getattr(response, "parsed_url", None)
    query = sorted(parse_qsl(parsed.query, keep_blank_values=True)) if parsed is not None else []
    body = getattr(response, "body", b"") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    digest = hashlib.blake2b(body, digest_size=8).hexdigest() if body else "-"
    return f"{getattr(response, 'method', '')} {getattr(response, 'path', '')} {query} {digest}"


def _resource_id(response: Any) -> str:
    # The IoT REST paths end with the resource id: /certificates/{id}, /cacertificate/{id}, ...
    return unquote(str(getattr(response, "path", "") or "").rstrip("/").rsplit("/", 1)[-1])


# --------------------------------------------------------------------------------------------------
# Installation.
# --------------------------------------------------------------------------------------------------
_ORIGINALS: dict[str, Callable[..., Any]] = {}


def _make_call_action(layer: IotLayer, original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: Any) -> Any:
        action = self._get_action()
        if not action:
            return original(self)
        error, admitted_at = layer.admit(action, _request_key(self))
        if error is not None:
            return _error_response(self, error)
        status, headers, body = original(self)
        if int(status) < 300:
            layer.record_success(action, admitted_at, _resource_id(self))
        return status, headers, body

    return call_action


def _make_backend_init(original: Callable[..., Any]) -> Callable[..., Any]:
    def __init__(self: Any, region_name: str, account_id: str) -> None:
        original(self, region_name, account_id)
        self.certificates = IndexedCertificates(list(self.certificates.items()))

    return __init__


def install_iot_layer() -> IotLayer:
    """Patch moto's IoT backend and responses (idempotent) and return the process-wide :class:`IotLayer`.

    Safe to call many times and from several threads; only the first call patches. Existing backends
    are upgraded lazily (their certificate dict is indexed on first use). The behaviour follows the AWS IoT
    API reference pages ListCertificatesByCA, UpdateCertificate, UpdateCACertificate,
    DescribeCACertificate, RegisterCACertificate, TransferCertificate, CancelCertificateTransfer and
    RejectCertificateTransfer.
    """
    with _INSTALL_LOCK:
        existing = IoTResponse.__dict__.get(_PATCH_MARK)
        if isinstance(existing, IotLayer):
            return existing
        layer = IotLayer()

        def keep(owner: type, name: str) -> Callable[..., Any]:
            original: Callable[..., Any] = getattr(owner, name)
            _ORIGINALS[f"{owner.__name__}.{name}"] = original
            return original

        backend_methods: dict[str, Callable[..., Any]] = {
            "describe_certificate": _backend_describe_certificate,
            "list_certificates_by_ca": _backend_list_certificates_by_ca,
            "list_certificates_by_ca_page": _backend_list_certificates_by_ca_page,
            "update_certificate": _backend_update_certificate,
            "register_ca_certificate": _backend_register_ca_certificate,
            "register_certificate_without_ca": _backend_register_certificate_without_ca,
            "update_ca_certificate": _backend_update_ca_certificate,
            "transfer_certificate": _backend_transfer_certificate,
            "cancel_certificate_transfer": _backend_cancel_certificate_transfer,
            "reject_certificate_transfer": _backend_reject_certificate_transfer,
            "_get_principal": _backend_get_principal,
        }
        response_methods: dict[str, Callable[..., Any]] = {
            "list_certificates_by_ca": _response_list_certificates_by_ca,
            "update_ca_certificate": _response_update_ca_certificate,
            "describe_ca_certificate": _response_describe_ca_certificate,
            "describe_certificate": _response_describe_certificate,
            "register_ca_certificate": _response_register_ca_certificate,
            "transfer_certificate": _response_transfer_certificate,
            "cancel_certificate_transfer": _response_cancel_certificate_transfer,
            "reject_certificate_transfer": _response_reject_certificate_transfer,
        }
        for name in ("register_ca_certificate", "register_certificate_without_ca", "_get_principal"):
            keep(IoTBackend, name)
        backend_init = _make_backend_init(keep(IoTBackend, "__init__"))
        call_action = _make_call_action(layer, keep(IoTResponse, "call_action"))

        setattr(IoTBackend, "__init__", backend_init)  # noqa: B010 - mypy forbids assigning methods
        for name, func in backend_methods.items():
            setattr(IoTBackend, name, func)
        for name, func in response_methods.items():
            setattr(IoTResponse, name, func)
        setattr(IoTResponse, "call_action", call_action)  # noqa: B010 - mypy forbids assigning methods
        setattr(IoTResponse, _PATCH_MARK, layer)
        return layer


def auto_register_certificate(backend: Any, certificate_pem: str, ca_certificate_id: str) -> Any:
    """Just-in-time registration as AWS IoT does it when a device first connects with a certificate
    signed by ``ca_certificate_id``: the certificate is registered in PENDING_ACTIVATION.

    Raises CertificateStateException when the CA is not ACTIVE or its autoRegistrationStatus is not
    ENABLE (AWS IoT Developer Guide, "Just-in-time registration"), ResourceNotFoundException for an
    unknown CA, ResourceAlreadyExistsException if the certificate is registered already.
    """
    install_iot_layer()
    with _STATE_LOCK:
        ca = backend.ca_certificates.get(ca_certificate_id)
        if ca is None:
            raise ResourceNotFoundException(f"The CA certificate {ca_certificate_id} does not exist")
        if ca.status != "ACTIVE" or getattr(ca, "auto_registration_status", "DISABLE") != "ENABLE":
            raise CertificateStateException(
                "The CA certificate does not allow auto-registration.", ca_certificate_id
            )
        cert = FakeCertificate(
            certificate_pem, "PENDING_ACTIVATION", backend.account_id, backend.region_name, ca_certificate_id
        )
        add_certificates(backend, [cert])
        return cert
