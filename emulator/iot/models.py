"""The emulator's AWS IoT backend: moto's ``IoTBackend`` with the AWS rules it lacks.

Every rule cites the page of the AWS IoT API reference it follows (API_<Operation>). moto finds the
routes of a backend in the ``urls`` module beside its ``models`` module, so instances of
:class:`EmulatorIoTBackend` are served by ``emulator.iot.urls`` (our thin responses); operations not
overridden here keep moto's behaviour.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from typing import Any

from moto.core.utils import utcnow
from moto.iot.exceptions import (
    CertificateStateException,
    InvalidRequestException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
)
from moto.iot.models import FakeCaCertificate, FakeCertificate, FakeThing, IoTBackend

from emulator.iot.exceptions import TransferConflictException
from emulator.iot.store import (
    ALL_CA_CERTIFICATES,
    ALL_CERTIFICATES,
    IndexedCertificates,
    certificate_store,
    decode_marker,
    encode_marker,
    parse_page_size,
)

__all__ = ["CERTIFICATE_STATUSES", "EmulatorIoTBackend", "certificate_mode"]

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
# RegisterCertificate / RegisterCertificateWithoutCA document no default for the optional status; the
# emulator registers such a certificate INACTIVE (moto would store a null status), so nothing becomes
# usable that the caller did not activate.
DEFAULT_REGISTRATION_STATUS = "INACTIVE"

# Serialises read-check-write transitions on certificates: Step Functions Map children call
# UpdateCertificate concurrently from threads, and two transitions of one certificate must not interleave.
STATE_LOCK = threading.RLock()


def certificate_mode(cert: Any) -> str:
    """certificateMode (API_Certificate): DEFAULT, or SNI_ONLY for a certificate registered without a CA."""
    return str(getattr(cert, "certificate_mode", "DEFAULT"))


def _registration_status(status: str | None) -> str:
    if status is None:
        return DEFAULT_REGISTRATION_STATUS
    if status not in CERTIFICATE_STATUSES:
        raise InvalidRequestException(
            f"Invalid status: {status!r}; expected one of {sorted(CERTIFICATE_STATUSES)}"
        )
    return status


class EmulatorIoTBackend(IoTBackend):
    """moto's IoT backend with indexed certificate stores and the AWS status rules."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.certificates = IndexedCertificates()
        self.ca_certificates = IndexedCertificates()
        # principal ARN -> the Things attached to it, in attachment order (moto scans every attachment).
        self.things_of_principal: dict[str, list[str]] = {}

    @property
    def store(self) -> IndexedCertificates:
        """The certificates (certificateId -> FakeCertificate), indexed (see emulator.iot.store)."""
        return certificate_store(self, "certificates")

    @property
    def ca_store(self) -> IndexedCertificates:
        """The CA certificates (certificateId -> FakeCaCertificate), indexed."""
        return certificate_store(self, "ca_certificates")

    # ------------------------------------------------------------------------------------- lookups
    def describe_certificate(self, certificate_id: str) -> FakeCertificate:
        """DescribeCertificate (API_DescribeCertificate): ResourceNotFoundException for an unknown id.

        moto scans every certificate; AWS's key is the id, so this is a dict lookup.
        """
        cert = self.store.get(certificate_id)
        if cert is None:
            raise ResourceNotFoundException(f"The certificate {certificate_id} does not exist")
        return cert

    def describe_ca_certificate(self, certificate_id: str) -> FakeCaCertificate:
        """DescribeCACertificate (API_DescribeCACertificate): ResourceNotFoundException for an unknown id."""
        cert = self.ca_store.get(certificate_id)
        if cert is None:
            raise ResourceNotFoundException(f"The CA certificate {certificate_id} does not exist")
        return cert

    def _get_principal(self, principal_arn: str) -> Any:
        # moto scans every certificate for a cert ARN; the id is the ARN's last segment.
        if ":cert/" in principal_arn:
            cert = self.store.get(principal_arn.rsplit("/", 1)[-1])
            if cert is None or cert.arn != principal_arn:
                raise ResourceNotFoundException()
            return cert
        return super()._get_principal(principal_arn)

    # ----------------------------------------------------------------------------------- things
    def attach_thing_principal(self, thing_name: str, principal_arn: str) -> None:
        """AttachThingPrincipal (API_AttachThingPrincipal): moto's rules, and the per-principal index."""
        known = (principal_arn, thing_name) in self.principal_things
        super().attach_thing_principal(thing_name, principal_arn)
        if not known:
            self.things_of_principal.setdefault(principal_arn, []).append(thing_name)

    def detach_thing_principal(self, thing_name: str, principal_arn: str) -> None:
        """DetachThingPrincipal (API_DetachThingPrincipal): moto's rules, and the per-principal index."""
        super().detach_thing_principal(thing_name, principal_arn)
        names = self.things_of_principal.get(principal_arn, [])
        if thing_name in names:
            names.remove(thing_name)

    def add_things(self, attachments: Iterable[tuple[str, Iterable[str]]]) -> int:
        """Seed Things attached to certificates without a request each (the fleet's fast path): for each
        (certificateId, thing names), CreateThing of every name not created yet, then AttachThingPrincipal
        to the certificate. Returns the Things created. KeyError for an unknown certificate id."""
        created: dict[str, Any] = {thing.thing_name: thing for thing in self.things.values()}
        before = len(created)
        for certificate_id, names in attachments:
            cert = self.store[certificate_id]
            for name in names:
                thing = created.get(name)
                if thing is None:
                    thing = FakeThing(name, None, {}, self.account_id, self.region_name)  # type: ignore[abstract]
                    self.things[thing.arn] = thing
                    created[name] = thing
                if (cert.arn, name) not in self.principal_things:
                    self.principal_things[(cert.arn, name)] = (cert, thing)
                    self.things_of_principal.setdefault(cert.arn, []).append(name)
        return len(created) - before

    def list_principal_things(self, principal_arn: str) -> list[str]:
        """Every Thing attached to the principal (moto's signature) through the per-principal index."""
        return list(self.things_of_principal.get(principal_arn, []))

    def list_principal_things_page(
        self, principal_arn: str, max_results: Any = None, next_token: str | None = None
    ) -> tuple[list[str], str | None]:
        """ListPrincipalThings (API_ListPrincipalThings): one page of the Things attached to the principal
        and the nextToken (None when done). maxResults 1..250 (default 25: as the other listings, the API
        documents no default); InvalidRequestException outside it or for a token this listing did not
        issue; ResourceNotFoundException for a certificate ARN that names no certificate (its "Errors")."""
        size = parse_page_size(max_results)
        self._get_principal(principal_arn)
        names = self.things_of_principal.get(principal_arn, [])
        scope = hashlib.sha256(principal_arn.encode("utf-8")).hexdigest()[:32]  # an ARN holds ":"
        start = 0 if next_token is None else decode_marker(next_token, scope, True)
        end = start + size
        more = end < len(names)
        return list(names[start:end]), encode_marker(scope, True, end) if more else None

    # ------------------------------------------------------------------------------------- listings
    def list_certificates_by_ca(self, ca_certificate_id: str) -> list[FakeCertificate]:
        """The whole listing (moto's own signature, kept for other callers) through the per-CA index."""
        store = self.store
        return [store[cid] for cid in store.ids_by_ca(ca_certificate_id)]

    def list_certificates_by_ca_page(
        self, ca_certificate_id: str, page_size: Any = None, marker: str | None = None, ascending: bool = True
    ) -> tuple[list[Any], str | None]:
        """ListCertificatesByCA (API_ListCertificatesByCA): one page and the next marker (None when done).

        page_size: 1..250, default 25; InvalidRequestException outside the range or for a marker this
        listing did not issue. An unknown CA lists nothing (the API documents no ResourceNotFoundException).
        """
        size = parse_page_size(page_size)
        after = None if marker is None else decode_marker(marker, ca_certificate_id, ascending)
        certs, next_seq = self.store.page_by_ca(ca_certificate_id, after, size, ascending)
        return certs, None if next_seq is None else encode_marker(ca_certificate_id, ascending, next_seq)

    def list_certificates_page(
        self, page_size: Any = None, marker: str | None = None, ascending: bool = True
    ) -> tuple[list[Any], str | None]:
        """ListCertificates (API_ListCertificates): one page of every certificate of the account and
        Region in creation order ("ascending order, based on the creation date"), and the next marker.

        Same page size and marker rules as list_certificates_by_ca_page; O(log n + pageSize) per page.
        """
        size = parse_page_size(page_size)
        after = None if marker is None else decode_marker(marker, ALL_CERTIFICATES, ascending)
        certs, next_seq = self.store.page_all(after, size, ascending)
        return certs, None if next_seq is None else encode_marker(ALL_CERTIFICATES, ascending, next_seq)

    def list_ca_certificates_page(
        self, page_size: Any = None, marker: str | None = None, ascending: bool = True
    ) -> tuple[list[Any], str | None]:
        """ListCACertificates (API_ListCACertificates): one page of the registered CA certificates in
        registration order, and the next marker; same page size and marker rules as ListCertificates."""
        size = parse_page_size(page_size)
        after = None if marker is None else decode_marker(marker, ALL_CA_CERTIFICATES, ascending)
        cas, next_seq = self.ca_store.page_all(after, size, ascending)
        return cas, None if next_seq is None else encode_marker(ALL_CA_CERTIFICATES, ascending, next_seq)

    # -------------------------------------------------------------------------------- registration
    def register_ca_certificate(
        self,
        ca_certificate: str,
        set_as_active: bool,
        registration_config: dict[str, str] | None,
        allow_auto_registration: bool = False,
        certificate_mode: str | None = None,
    ) -> FakeCaCertificate:
        """RegisterCACertificate (API_RegisterCACertificate).

        allowAutoRegistration sets the initial autoRegistrationStatus (ENABLE/DISABLE); certificateMode is
        DEFAULT or SNI_ONLY (else InvalidRequestException). A CA already registered in this account and
        Region is ResourceAlreadyExistsException (HTTP 409, "The resource already exists"), nothing changed.
        AWS names CA certificates arn:...:cacert/ID (IAM scopes CA actions to cacert/*); moto uses cert/.
        """
        mode = certificate_mode or "DEFAULT"
        if mode not in CERTIFICATE_MODES:
            raise InvalidRequestException(f"Invalid certificateMode: {mode!r}")
        cert: Any = FakeCaCertificate(
            ca_certificate,
            "ACTIVE" if set_as_active else "INACTIVE",
            self.account_id,
            self.region_name,
            registration_config or {},
        )
        cert.arn = cert.arn.replace(f":cert/{cert.certificate_id}", f":cacert/{cert.certificate_id}")
        cert.auto_registration_status = "ENABLE" if allow_auto_registration else "DISABLE"
        cert.certificate_mode = mode
        with STATE_LOCK:
            store = self.ca_store
            if cert.certificate_id in store:
                raise ResourceAlreadyExistsException(
                    "The CA certificate is already registered",
                    cert.certificate_id,
                    store[cert.certificate_id].arn,
                )
            store[cert.certificate_id] = cert
        return cert

    def register_certificate(
        self, certificate_pem: str, ca_certificate_pem: str | None, set_as_active: bool, status: str | None
    ) -> FakeCertificate:
        """RegisterCertificate (API_RegisterCertificate): status from the CertificateStatus enum (else
        InvalidRequestException); setAsActive (deprecated) makes it ACTIVE; absent: INACTIVE."""
        initial = "ACTIVE" if set_as_active else _registration_status(status)
        with STATE_LOCK:
            return super().register_certificate(certificate_pem, ca_certificate_pem, False, initial)

    def register_certificate_without_ca(self, certificate_pem: str, status: str | None) -> FakeCertificate:
        """RegisterCertificateWithoutCA (API_RegisterCertificateWithoutCA).

        status from the CertificateStatus enum (else InvalidRequestException), absent: INACTIVE. The
        certificate is linked to no CA (no caCertificateId) and is in SNI_ONLY mode (API_Certificate,
        certificateMode). An id already registered is ResourceAlreadyExistsException.
        """
        initial = _registration_status(status)
        with STATE_LOCK:
            cert: Any = super().register_certificate_without_ca(certificate_pem, initial)
            cert.certificate_mode = "SNI_ONLY"
        return cert

    def add_certificates(self, certificates: Iterable[Any]) -> None:
        """Insert already-built ``FakeCertificate`` objects in order (the seeding fast path).

        The result is what RegisterCertificate would have produced, without an HTTP round trip per
        certificate. Raises ResourceAlreadyExistsException, as RegisterCertificate does, when a certificate
        id is already registered (nothing is inserted then).
        """
        batch = list(certificates)
        with STATE_LOCK:
            store = self.store
            seen: set[str] = set()
            for cert in batch:
                if cert.certificate_id in store or cert.certificate_id in seen:
                    raise ResourceAlreadyExistsException(
                        "The certificate is already provisioned or registered", cert.certificate_id, cert.arn
                    )
                seen.add(cert.certificate_id)
            for cert in batch:
                store[cert.certificate_id] = cert

    def auto_register_certificate(self, certificate_pem: str, ca_certificate_id: str) -> FakeCertificate:
        """Just-in-time registration as AWS IoT does it when a device first connects with a certificate
        signed by ``ca_certificate_id``: the certificate is registered in PENDING_ACTIVATION.

        Raises CertificateStateException when the CA is not ACTIVE or its autoRegistrationStatus is not
        ENABLE (AWS IoT Developer Guide, "Just-in-time registration"), ResourceNotFoundException for an
        unknown CA, ResourceAlreadyExistsException if the certificate is registered already.
        """
        with STATE_LOCK:
            ca = self.describe_ca_certificate(ca_certificate_id)
            if ca.status != "ACTIVE" or getattr(ca, "auto_registration_status", "DISABLE") != "ENABLE":
                raise CertificateStateException(
                    "The CA certificate does not allow auto-registration.", ca_certificate_id
                )
            cert = FakeCertificate(
                certificate_pem, "PENDING_ACTIVATION", self.account_id, self.region_name, ca_certificate_id
            )
            self.add_certificates([cert])
            return cert

    # ---------------------------------------------------------------------------------- status rules
    def update_certificate(self, certificate_id: str, new_status: str | None) -> None:
        """UpdateCertificate (API_UpdateCertificate) with the AWS state rules.

        - newStatus outside CertificateStatus, or PENDING_TRANSFER / PENDING_ACTIVATION (set only by IoT):
          InvalidRequestException.
        - unknown id: ResourceNotFoundException.
        - a certificate in PENDING_TRANSFER: CertificateStateException (cancel or reject the transfer first).
        - REVOKED is final (Developer Guide, "Revoke a client certificate": once revoked, the status can't
          be changed): any other status is CertificateStateException. REVOKED -> REVOKED succeeds as a
          no-op, because the API reference states "This operation is idempotent".
        """
        if new_status not in SETTABLE_CERTIFICATE_STATUSES:
            raise InvalidRequestException(f"Invalid newStatus for UpdateCertificate: {new_status!r}")
        with STATE_LOCK:
            cert = self.describe_certificate(certificate_id)
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

    def update_ca_certificate(
        self,
        certificate_id: str,
        new_status: str | None,
        config: dict[str, str] | None,
        new_auto_registration_status: str | None = None,
        remove_auto_registration: bool = False,
    ) -> None:
        """UpdateCACertificate (API_UpdateCACertificate).

        newStatus: ACTIVE | INACTIVE; newAutoRegistrationStatus: ENABLE | DISABLE; anything else is
        InvalidRequestException (checked before the lookup, so nothing changes). removeAutoRegistration=true
        sets DISABLE (and contradicts newAutoRegistrationStatus=ENABLE). Unknown CA:
        ResourceNotFoundException.
        """
        if new_status is not None and new_status not in CA_CERTIFICATE_STATUSES:
            raise InvalidRequestException(f"Invalid newStatus for UpdateCACertificate: {new_status!r}")
        auto = new_auto_registration_status
        if auto is not None and auto not in AUTO_REGISTRATION_STATUSES:
            raise InvalidRequestException(f"Invalid newAutoRegistrationStatus: {auto!r}")
        if remove_auto_registration and auto == "ENABLE":
            raise InvalidRequestException(
                "removeAutoRegistration contradicts newAutoRegistrationStatus=ENABLE"
            )
        with STATE_LOCK:
            cert: Any = self.describe_ca_certificate(certificate_id)
            if new_status is not None:
                cert.status = new_status
            if auto is not None:
                cert.auto_registration_status = auto
            if remove_auto_registration:
                cert.auto_registration_status = "DISABLE"
            if config is not None:
                cert.registration_config = config
            cert.last_modified_date = utcnow()
            cert.customer_version = getattr(cert, "customer_version", 1) + 1

    def transfer_certificate(
        self, certificate_id: str, target_aws_account: str | None, transfer_message: str | None = None
    ) -> FakeCertificate:
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
        with STATE_LOCK:
            cert: Any = self.describe_certificate(certificate_id)
            if cert.status in ("ACTIVE", "PENDING_TRANSFER", "REVOKED"):
                raise CertificateStateException(
                    f"Cannot transfer a certificate in status {cert.status}.", certificate_id
                )
            policies = [name for (target, name) in list(self.principal_policies) if target == cert.arn]
            if policies:
                raise TransferConflictException(
                    f"Cannot transfer certificate {certificate_id}: "
                    f"policies are still attached ({policies[0]})."
                )
            cert.status = "PENDING_TRANSFER"
            cert.transfer_data = {"transferMessage": transfer_message or "", "transferDate": utcnow()}
            cert.transfer_target_account = target_aws_account
            cert.last_modified_date = utcnow()
            return cert

    def cancel_certificate_transfer(self, certificate_id: str) -> None:
        """CancelCertificateTransfer (API_CancelCertificateTransfer): PENDING_TRANSFER -> INACTIVE."""
        self._end_transfer(certificate_id, {})

    def reject_certificate_transfer(self, certificate_id: str, reject_reason: str | None = None) -> None:
        """RejectCertificateTransfer (API_RejectCertificateTransfer): PENDING_TRANSFER -> INACTIVE.

        AWS accepts it only from the destination account; the single-account emulator does not check that.
        """
        self._end_transfer(certificate_id, {"rejectReason": reject_reason or "", "rejectDate": utcnow()})

    def _end_transfer(self, certificate_id: str, data: dict[str, Any]) -> None:
        with STATE_LOCK:
            cert: Any = self.describe_certificate(certificate_id)
            if cert.status != "PENDING_TRANSFER":
                # The API reserves TransferAlreadyCompletedException for a transfer that completed.
                raise InvalidRequestException(f"Certificate {certificate_id} has no pending transfer.")
            cert.status = "INACTIVE"  # Cancel/RejectCertificateTransfer: back to INACTIVE
            cert.transfer_data = {**cert.transfer_data, **data}
            cert.transfer_target_account = None
            cert.last_modified_date = utcnow()
