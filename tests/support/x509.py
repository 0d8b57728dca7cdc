"""Real X.509 certificates for the tests, made with ``cryptography`` (EC P-256 keys: fast to make and sign).

A chain root -> intermediate -> level3 with leaves under each, a self-signed CA, another CA and its leaf,
the name-spoofing decoys (a leaf and a CA whose issuer name is the root's subject but that another key
signed), a non-CA certificate, and a private key's PEM.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Key = ec.EllipticCurvePrivateKey
NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2035, 1, 1, tzinfo=datetime.UTC)


def new_key() -> Key:
    return ec.generate_private_key(ec.SECP256R1())


def name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "iot-ca-revoke tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def certificate(
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    *,
    issuer: x509.Name,
    signing_key: Key,
    ca: bool | None,
    serial: int | None = None,
) -> x509.Certificate:
    """A certificate of ``subject`` signed by ``signing_key`` with issuer name ``issuer``.

    ca: True/False sets basicConstraints (critical); None leaves the extension out.
    """
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def private_key_pem(key: Key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def csr_pem(key: Key, common_name: str = "device") -> str:
    request = (
        x509.CertificateSigningRequestBuilder().subject_name(name(common_name)).sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass
class Authority:
    """A CA: its key and certificate; ``issue`` signs leaves (all sharing one leaf key, for speed)."""

    key: Key
    cert: x509.Certificate
    leaf_key: Key = field(default_factory=new_key)

    @property
    def subject(self) -> x509.Name:
        return self.cert.subject

    def issue(self, common_name: str, *, ca: bool | None = False) -> x509.Certificate:
        return certificate(
            name(common_name),
            self.leaf_key.public_key(),
            issuer=self.subject,
            signing_key=self.key,
            ca=ca,
        )

    def issue_ca(self, common_name: str) -> Authority:
        key = new_key()
        cert = certificate(
            name(common_name), key.public_key(), issuer=self.subject, signing_key=self.key, ca=True
        )
        return Authority(key=key, cert=cert, leaf_key=self.leaf_key)


def self_signed_ca(common_name: str, key: Key | None = None) -> Authority:
    key = key or new_key()
    subject = name(common_name)
    return Authority(
        key=key, cert=certificate(subject, key.public_key(), issuer=subject, signing_key=key, ca=True)
    )


@dataclass
class Pki:
    """The fixtures of the scope tests (see the module docstring)."""

    root: Authority
    intermediate: Authority
    level3: Authority
    self_signed: Authority
    other: Authority
    spoof_leaf: x509.Certificate
    spoof_ca: x509.Certificate
    other_leaf: x509.Certificate

    @classmethod
    def build(cls) -> Pki:
        root = self_signed_ca("Compromised Root CA")
        intermediate = root.issue_ca("Intermediate CA")
        level3 = intermediate.issue_ca("Level 3 CA")
        other = self_signed_ca("Other CA")
        impostor = new_key()
        spoof_leaf = certificate(
            name("spoofed device"), impostor.public_key(), issuer=root.subject, signing_key=impostor, ca=False
        )
        spoof_ca = certificate(
            name("Spoofed Intermediate CA"),
            impostor.public_key(),
            issuer=root.subject,
            signing_key=impostor,
            ca=True,
        )
        return cls(
            root=root,
            intermediate=intermediate,
            level3=level3,
            self_signed=self_signed_ca("Self-signed Intermediate CA"),
            other=other,
            spoof_leaf=spoof_leaf,
            spoof_ca=spoof_ca,
            other_leaf=other.issue("other device"),
        )
