"""The X.509 of seeded fleets: CA certificates (roots, intermediates, impostors, cross-certificates) and the
client certificates they sign, made with the ``cryptography`` package.

Reproducible and fast: keys are derived from the fleet's seed and a label, signatures are deterministic
ECDSA (RFC 6979) and validity dates are fixed, so a seed yields byte-identical PEMs (and certificate ids);
one client key pair is shared by every client certificate of a fleet (each has its own serial number and
subject, hence its own certificate id).
"""

from __future__ import annotations

import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["ORGANIZATION", "Issuer", "derive_key", "fingerprint", "pem"]

ORGANIZATION = "Example Devices Ltd"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# Fixed validity keeps PEMs (and so certificate ids) reproducible from the seed.
_NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(2045, 1, 1, tzinfo=datetime.UTC)
_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)
_CLIENT_CA_FALSE = x509.BasicConstraints(ca=False, path_length=None)


def derive_key(seed: int, label: str) -> ec.EllipticCurvePrivateKey:
    """The P-256 key of ``label`` in fleet ``seed`` (SHA-256 of both, reduced into the curve's order)."""
    digest = hashlib.sha256(f"iot-ca-revoke/{seed}/{label}".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def pem(cert: x509.Certificate) -> str:
    """The certificate as PEM text."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def fingerprint(certificate_pem: str) -> str:
    """SHA-256 of the certificate's DER, 64 lowercase hex characters: how the workflow names a CA that is
    registered nowhere (revocation_common.certificates.sha256_fingerprint)."""
    cert = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    return cert.fingerprint(hashes.SHA256()).hex()


class Issuer:
    """A CA: its key, its subject name, its CA certificate, and fast signing of client certificates.

    Build one with :meth:`root`, :meth:`intermediate`, :meth:`impostor` or :meth:`cross_certificate`.
    ``client_pem(number)`` signs client certificate ``number`` (subject ``{label}-device-{number}``,
    serial ``serial_base + 1 + number``) with this CA's key and this CA's subject as issuer name.
    """

    def __init__(
        self,
        *,
        label: str,
        key: ec.EllipticCurvePrivateKey,
        name: x509.Name,
        client_public_key: ec.EllipticCurvePublicKey,
        serial_base: int,
        signer: Issuer | None,
        path_length: int | None,
        authority_key_identifier: x509.AuthorityKeyIdentifier | None = None,
    ) -> None:
        self.label = label
        self.key = key
        self.name = name
        self.ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        # Who signs this CA's certificate: itself (a root) or ``signer``.
        signing_key = key if signer is None else signer.key
        issuer_name = name if signer is None else signer.name
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(serial_base)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(_CA_KEY_USAGE, critical=True)
            .add_extension(self.ski, critical=False)
        )
        if signer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(signer.ski), critical=False
            )
        self.certificate_pem = pem(builder.sign(signing_key, hashes.SHA256(), ecdsa_deterministic=True))
        self._serial_base = serial_base
        self._client_public_key = client_public_key
        self._aki = (
            authority_key_identifier
            or x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(self.ski)
        )

    @classmethod
    def root(
        cls,
        seed: int,
        label: str,
        client_key: ec.EllipticCurvePrivateKey,
        serial_base: int,
        path_length: int | None = 0,
    ) -> Issuer:
        """A self-signed CA, "{ORGANIZATION} {label} CA {seed}"; path_length: CA levels it may sign below."""
        return cls(
            label=label,
            key=derive_key(seed, label),
            name=_name(f"{ORGANIZATION} {label} CA {seed}"),
            client_public_key=client_key.public_key(),
            serial_base=serial_base,
            signer=None,
            path_length=path_length,
        )

    def intermediate(self, seed: int, label: str, serial_base: int, path_length: int | None = 0) -> Issuer:
        """A CA whose certificate this CA's key signed (issuer name: this CA's subject)."""
        return Issuer(
            label=label,
            key=derive_key(seed, label),
            name=_name(f"{ORGANIZATION} {label} CA {seed}"),
            client_public_key=self._client_public_key,
            serial_base=serial_base,
            signer=self,
            path_length=path_length,
        )

    def impostor(self, seed: int, label: str, serial_base: int) -> Issuer:
        """Another key posing as this CA: its client certificates carry this CA's subject as issuer name
        and this CA's authority key identifier, but the impostor's key signs them (a name-spoofing decoy:
        only a signature check tells them apart)."""
        return Issuer(
            label=label,
            key=derive_key(seed, label),
            name=self.name,
            client_public_key=self._client_public_key,
            serial_base=serial_base,
            signer=None,
            path_length=0,
            authority_key_identifier=self._aki,
        )

    def cross_certificate(self, signer: Issuer, label: str, serial_base: int) -> Issuer:
        """This CA's subject and key in a certificate that ``signer``'s key signed (a cross-certificate);
        its client certificates are signed by this CA's key, under the label's subjects."""
        return Issuer(
            label=label,
            key=self.key,
            name=self.name,
            client_public_key=self._client_public_key,
            serial_base=serial_base,
            signer=signer,
            path_length=None,
        )

    def client_pem(self, number: int) -> str:
        """PEM of client certificate ``number`` (unique serial and subject per number)."""
        return pem(
            x509.CertificateBuilder()
            .subject_name(_name(f"{self.label}-device-{number:07d}"))
            .issuer_name(self.name)
            .public_key(self._client_public_key)
            .serial_number(self._serial_base + 1 + number)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(_CLIENT_CA_FALSE, critical=True)
            .add_extension(self._aki, critical=False)
            .sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)
        )
