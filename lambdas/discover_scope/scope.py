"""Which CAs and which certificates a compromised CA reaches: pure functions, no AWS call.

"Issued by" is always decided by signature (revocation_common.certificates.issued_by), never by names.
Sources: AWS IoT Developer Guide, "Manage your CA certificates" (client certificates may be registered
without their CA; a CA may be registered or not); RFC 5280 section 6 (a chain is a sequence of
certificates each signed by the key of the next).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from revocation_common.certificates import (
    issued_by,
    load_certificate_pem,
    same_certificate,
    sha256_fingerprint,
)
from revocation_common.errors import CaNotFound, InvalidInput
from revocation_common.scope_models import RegisteredCa, ScopeCa

CA_ID_WITH_PEM_EXPECTED = (
    "expected the certificateId of the CA whose certificate caCertificatePem holds: that certificate is "
    "registered here under another id"
)
PEM_WITH_ID_EXPECTED = "expected the certificate of the CA that caCertificateId names (the same DER)"


@dataclass(frozen=True)
class NamedCa:
    """The CA the request names: its certificate and the ids it is registered with here (none: not
    registered, and then ``primary_id`` is the SHA-256 of its DER)."""

    certificate: x509.Certificate
    registered_ids: tuple[str, ...]

    @property
    def primary_id(self) -> str:
        return self.registered_ids[0] if self.registered_ids else sha256_fingerprint(self.certificate)


def unique_registered(registered: Iterable[RegisteredCa]) -> list[RegisteredCa]:
    """One entry per caCertificateId (the first seen), ordered by id: a listing that returned a CA twice
    (pages shifting under a marker) counts it once, and every later decision is deterministic."""
    by_id: dict[str, RegisteredCa] = {}
    for ca in registered:
        by_id.setdefault(ca.caCertificateId, ca)
    return [by_id[key] for key in sorted(by_id)]


def registrations_of(certificate: x509.Certificate, registered: Sequence[RegisteredCa]) -> tuple[str, ...]:
    """The ids of every registered CA whose certificatePem is this certificate (DER equality), by id."""
    found = []
    for ca in unique_registered(registered):
        candidate = load_certificate_pem(ca.certificatePem)
        if candidate is not None and same_certificate(candidate, certificate):
            found.append(ca.caCertificateId)
    return tuple(found)


def resolve_named(
    *,
    ca_certificate_id: str | None,
    pem_certificate: x509.Certificate | None,
    registered: Sequence[RegisteredCa],
) -> NamedCa:
    """The named CA from the request and the registered CAs (each with its certificatePem).

    By id only: the registered CA of that id (it must be in ``registered``; the caller describes it
    directly when ListCACertificates did not return it), plus any other registration of the same DER.
    By PEM: every registration of that DER here, or none. Both: the id must be a registration of the PEM;
    when the PEM is registered nowhere here, any id that is not a registration of another CA here (the
    CA's id in another Region, or the PEM's SHA-256).
    Errors: CaNotFound (the id is not registered here or its certificatePem is unreadable); InvalidInput
    (caCertificatePem or caCertificateId, when both are given and name different certificates); ValueError
    when neither is given (NormalizeInput never lets that through).
    """
    by_id = {ca.caCertificateId: ca for ca in registered}
    if pem_certificate is not None:
        ids = registrations_of(pem_certificate, registered)
        if ca_certificate_id is not None and ca_certificate_id not in ids:
            if ca_certificate_id in by_id:
                raise InvalidInput("caCertificatePem", PEM_WITH_ID_EXPECTED)
            if ids:
                raise InvalidInput("caCertificateId", CA_ID_WITH_PEM_EXPECTED)
            # Neither the id nor the PEM is registered here: the id is the CA's registration in another
            # Region or account (a run of several Regions names the CA by the id it has where it is
            # registered), so here the PEM alone defines the CA. AWS IoT documents no rule that derives
            # a certificateId from the certificate (AWS IoT API reference, CACertificate certificateId).
        return NamedCa(pem_certificate, ids)
    if ca_certificate_id is None:
        raise ValueError("the request names no CA: caCertificateId or caCertificatePem is required")
    ca = by_id.get(ca_certificate_id)
    if ca is None:
        raise CaNotFound(f"caCertificateId {ca_certificate_id} is not registered in AWS IoT")
    certificate = load_certificate_pem(ca.certificatePem)
    if certificate is None:
        raise CaNotFound(f"caCertificateId {ca_certificate_id}: its certificatePem could not be read")
    return NamedCa(certificate, registrations_of(certificate, registered))


def cas_in_scope(named: NamedCa, registered: Sequence[RegisteredCa]) -> list[ScopeCa]:
    """The named CA (under each id it is registered with, or its SHA-256 when not registered) and every
    registered CA issued by a CA in scope, to any depth: the fixed point of "issued by an in-scope CA".

    Breadth-first from the named CA: each registered CA is tested against each newly added CA once and
    joins at most once, so odd registrations (a self-signed intermediate, the same CA registered twice, two
    CAs that signed each other) end the loop. A CA whose issuer name equals an in-scope CA's subject but
    whose signature another key made is not in scope. issuedBy is the first in-scope CA (in that order)
    whose key verifies it. Output order: named first, then by the order they were found.
    """
    unique = unique_registered(registered)
    by_id = {ca.caCertificateId: ca for ca in unique}
    scope: list[ScopeCa] = []
    named_pem = _pem(named.certificate)
    if named.registered_ids:
        for ca_id in named.registered_ids:
            ca = by_id[ca_id]
            scope.append(
                ScopeCa(
                    caCertificateId=ca_id,
                    relation="named",
                    registered=True,
                    status=ca.status,
                    autoRegistrationStatus=ca.autoRegistrationStatus,
                    certificatePem=ca.certificatePem or named_pem,
                )
            )
    else:
        scope.append(
            ScopeCa(
                caCertificateId=named.primary_id, relation="named", registered=False, certificatePem=named_pem
            )
        )
    taken = set(named.registered_ids)
    remaining = [
        (ca, cert)
        for ca in unique
        if ca.caCertificateId not in taken and (cert := load_certificate_pem(ca.certificatePem)) is not None
    ]
    issuers: deque[tuple[str, x509.Certificate]] = deque([(named.primary_id, named.certificate)])
    while issuers and remaining:
        issuer_id, issuer = issuers.popleft()
        still = []
        for ca, cert in remaining:
            if issued_by(cert, issuer):
                scope.append(
                    ScopeCa(
                        caCertificateId=ca.caCertificateId,
                        relation="intermediate",
                        issuedBy=issuer_id,
                        registered=True,
                        status=ca.status,
                        autoRegistrationStatus=ca.autoRegistrationStatus,
                        certificatePem=ca.certificatePem,
                    )
                )
                issuers.append((ca.caCertificateId, cert))
            else:
                still.append((ca, cert))
        remaining = still
    return scope


class ScopeIssuers:
    """The keys of the CAs in scope, to classify a certificate that no registered CA's listing returned.

    Built from the in-scope CAs (their certificatePem); a certificate registered twice is tested once.
    """

    def __init__(self, cas: Iterable[ScopeCa]) -> None:
        self._issuers: list[tuple[str, x509.Certificate]] = []
        for ca in cas:
            cert = load_certificate_pem(ca.certificatePem)
            if cert is not None and not any(same_certificate(cert, known) for _, known in self._issuers):
                self._issuers.append((ca.caCertificateId, cert))

    def issuer_of(self, certificate_pem: str) -> str | None:
        """The id of the in-scope CA whose key verifies the certificate (named first), or None (also for
        an unreadable PEM: nothing is in scope by a signature that cannot be checked)."""
        certificate = load_certificate_pem(certificate_pem)
        if certificate is None:
            return None
        for ca_id, issuer in self._issuers:
            if issued_by(certificate, issuer):
                return ca_id
        return None


def unlinked_issuer(
    issuers: ScopeIssuers,
    *,
    certificate_pem: str,
    ca_certificate_id: str | None = None,
    registered_in_scope: Mapping[str, bool] | None = None,
) -> str | None:
    """The id of the in-scope CA that issued a described certificate, or None when it is out of scope.

    Input: the scope's issuers; DescribeCertificate's certificatePem and caCertificateId; the registered
    CAs (id -> in scope). A certificate whose caCertificateId names a registered CA (registered under it
    after that CA was listed) is in scope exactly when that CA is; any other (caCertificateId absent, or a
    CA no longer registered) by signature against the CAs in scope.
    Source: AWS IoT API reference, DescribeCertificate (CertificateDescription.caCertificateId).
    """
    registered = registered_in_scope or {}
    if ca_certificate_id and ca_certificate_id in registered:
        return ca_certificate_id if registered[ca_certificate_id] else None
    return issuers.issuer_of(certificate_pem)


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(Encoding.PEM).decode("ascii")
