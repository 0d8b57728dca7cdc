"""X.509 facts the workflow decides on: one PEM CA certificate from a request, "issued by", identity.

Shared by NormalizeInput (the request's ``caCertificatePem``) and DiscoverScope (the registered CAs'
``certificatePem`` and the described certificates'). Built on the ``cryptography`` package
(https://cryptography.io/en/latest/x509/reference/).
"""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from revocation_common.errors import InvalidInput

CA_CERTIFICATE_PEM_FIELD = "caCertificatePem"
# A CA certificate is a few kilobytes; AWS IoT's certificatePem is at most 65,536 characters
# (AWS IoT API reference, RegisterCACertificate caCertificate: length 1..65536). Longer input is refused
# before it is parsed, and no part of the input is ever echoed in an error.
PEM_MAX_CHARACTERS = 65_536
PEM_EXPECTED = (
    "expected one PEM-encoded X.509 certificate: a single -----BEGIN CERTIFICATE----- block and no other "
    f"PEM block (no private key, no request), at most {PEM_MAX_CHARACTERS} characters"
)
CA_EXPECTED = (
    "expected the certificate of a CA: this certificate has no basicConstraints extension with CA true "
    "(a device or leaf certificate cannot sign others)"
)
# RFC 7468 encapsulation boundaries; the label says what the block holds.
PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,64})-----")


def parse_ca_certificate_pem(value: object, field: str = CA_CERTIFICATE_PEM_FIELD) -> x509.Certificate:
    """The CA certificate in ``value``, one PEM certificate as a request field carries it.

    Input: the field's value (a JSON string) and its name as the caller found it (e.g.
    ``detail.caCertificatePem``).
    Output: the parsed certificate.
    Errors: InvalidInput(field, PEM_EXPECTED) when the value is not a string of exactly one PEM
    ``CERTIFICATE`` block (garbage, empty, two certificates, a private key, a CSR, DER bytes, longer than
    PEM_MAX_CHARACTERS); InvalidInput(field, CA_EXPECTED) when the certificate is not a CA
    (basicConstraints absent or CA false). The message never contains the input.
    Source: RFC 7468 (textual encodings); RFC 5280 section 4.2.1.9 (basicConstraints: "The cA boolean
    indicates whether the certified public key may be used to verify certificate signatures").
    """
    if not isinstance(value, str) or not value.strip() or len(value) > PEM_MAX_CHARACTERS:
        raise InvalidInput(field, PEM_EXPECTED)
    labels = PEM_BEGIN.findall(value)
    if labels != ["CERTIFICATE"]:
        raise InvalidInput(field, PEM_EXPECTED)
    try:
        certificate = x509.load_pem_x509_certificate(value.encode("utf-8", "replace"))
    except ValueError:
        raise InvalidInput(field, PEM_EXPECTED) from None
    if not is_ca(certificate):
        raise InvalidInput(field, CA_EXPECTED)
    return certificate


CRYPTOGRAPHY_MISSING = (
    "cryptography.x509.Certificate.verify_directly_issued_by is not available (cryptography >= 40 is "
    "required): deploy with the Powertools for AWS Lambda (Python) v3 layer of cdk.json's "
    "powertoolsLayerParameter, which installs aws-lambda-powertools[all] and with it cryptography "
    "(docs/architecture.md, 'Dependencies on Lambda')"
)


def require_signature_check() -> None:
    """Fail clearly when the installed cryptography cannot decide "issued by" (no
    ``x509.Certificate.verify_directly_issued_by``, added in cryptography 40).

    Errors: RuntimeError(CRYPTOGRAPHY_MISSING), a deployment error (never a reason to guess by names).
    """
    if not callable(getattr(x509.Certificate, "verify_directly_issued_by", None)):
        raise RuntimeError(CRYPTOGRAPHY_MISSING)


def is_ca(certificate: x509.Certificate) -> bool:
    """True when the certificate has a basicConstraints extension with CA true (RFC 5280 4.2.1.9)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return bool(constraints.ca)


def load_certificate_pem(pem: object) -> x509.Certificate | None:
    """A certificate from a PEM that AWS IoT returned (DescribeCACertificate / DescribeCertificate
    ``certificatePem``); None when it is absent or unreadable (such a certificate is never in scope by
    signature). Only the first certificate of the PEM is read, as AWS IoT stores one.
    """
    if not isinstance(pem, str) or not pem.strip():
        return None
    try:
        return x509.load_pem_x509_certificate(pem.encode("utf-8", "replace"))
    except ValueError:
        return None


def issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s public key verifies ``child``'s signature and ``issuer``'s subject equals
    ``child``'s issuer name: the only meaning of "issued by" in this workflow, never a match of names alone.

    Uses ``cryptography.x509.Certificate.verify_directly_issued_by``
    (https://cryptography.io/en/latest/x509/reference/#cryptography.x509.Certificate.verify_directly_issued_by):
    it raises ValueError when the issuer name does not match or the signature algorithm is unsupported,
    TypeError when the issuer's public key type is unsupported, InvalidSignature when the signature does
    not verify; each of these is False here. It checks neither validity dates nor basicConstraints: a
    compromised key signs whatever it signs, expired or not.
    """
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def sha256_fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 of the certificate's DER, as 64 lowercase hex characters.

    Used as the id of a CA that is registered nowhere here (named by its PEM only). The certificateId of a
    certificate registered in AWS IoT is always read from AWS IoT (ListCACertificates, ListCertificates,
    DescribeCACertificate), never computed with this: the AWS IoT API reference does not define how
    AWS IoT derives it.
    """
    return certificate.fingerprint(hashes.SHA256()).hex()


def der(certificate: x509.Certificate) -> bytes:
    """The certificate's DER encoding."""
    return certificate.public_bytes(Encoding.DER)


def same_certificate(first: x509.Certificate, second: x509.Certificate) -> bool:
    """True when both are the same certificate, byte for byte in DER (not merely the same subject or key):
    decides whether a named PEM is the one a registered CA's certificatePem holds.
    """
    return der(first) == der(second)
