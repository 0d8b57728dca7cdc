"""Seeding the emulator's AWS IoT with a realistic fleet: a real CA, the certificates it signed, decoys.

Everything is real X.509 (the ``cryptography`` package): an ECDSA P-256 CA key and a self-signed CA
certificate (BasicConstraints CA=true), and client certificates signed by it. What costs time at 100,000
certificates is X.509 generation and the per-request HTTP round trip, so:

* one client key pair is reused for every client certificate (each has its own serial number and subject,
  hence its own certificate id); keys are derived from ``seed`` and signatures are deterministic
  (RFC 6979), with fixed validity dates, so the same seed yields byte-identical PEMs and the same
  certificate ids on every run;
* when the IoT client talks to a moto backend in this process (``mock_aws`` or an in-process
  ``ThreadedMotoServer``), certificates are written through moto's backend objects (``FakeCertificate``,
  via :func:`emulator.iot.add_certificates`) instead of one RegisterCertificate request each. The result is
  the same state: moto computes the certificate id from the PEM in ``FakeCertificate`` in both paths.
  Otherwise every certificate goes through the API (RegisterCertificate, TransferCertificate).
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.iot.models import FakeCertificate

from emulator import iot

__all__ = ["PREEXISTING_STATUSES", "TRANSFER_TARGET_ACCOUNT", "Fleet", "seed_fleet"]

# Statuses a CA's certificate can be in before the incident: every CertificateStatus of the AWS IoT API
# reference (API_Certificate, "status").
PREEXISTING_STATUSES = frozenset(
    {"ACTIVE", "INACTIVE", "REVOKED", "PENDING_TRANSFER", "PENDING_ACTIVATION", "REGISTER_INACTIVE"}
)
TRANSFER_TARGET_ACCOUNT = "210987654321"  # destination of the PENDING_TRANSFER certificates

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# Fixed validity keeps PEMs (and so certificate ids) reproducible from the seed.
_NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(2045, 1, 1, tzinfo=datetime.UTC)
_ORGANIZATION = "Example Devices Ltd"


@dataclass(frozen=True)
class Fleet:
    """What :func:`seed_fleet` registered.

    ca_certificate_id / ca_certificate_pem: the CA whose certificates the workflow revokes.
    certificate_ids: every certificate that CA signed, in creation order (the ListCertificatesByCA order),
        including those put in a pre-existing status.
    other_ca_certificate_id: a second registered CA (never touched by the workflow).
    decoy_certificate_ids: certificates of the other CA, then certificates registered without a CA.
    preexisting_ids: status -> ids of the CA's certificates seeded in that status (ACTIVE is the rest).
    via_backend: True when certificates were written through moto's backend objects (fast path).
    """

    ca_certificate_id: str
    ca_certificate_pem: str
    certificate_ids: tuple[str, ...]
    other_ca_certificate_id: str
    decoy_certificate_ids: tuple[str, ...]
    preexisting_ids: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    via_backend: bool = False

    def status_of(self, certificate_id: str) -> str:
        """The status ``certificate_id`` was seeded in (ACTIVE unless listed in preexisting_ids)."""
        for status, ids in self.preexisting_ids.items():
            if certificate_id in ids:
                return status
        return "ACTIVE"


def _derive_key(seed: int, label: str) -> ec.EllipticCurvePrivateKey:
    digest = hashlib.sha256(f"iot-ca-revoke/{seed}/{label}".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


class _Issuer:
    """A CA key and certificate that signs client certificates quickly (one shared client key)."""

    def __init__(self, seed: int, label: str, client_key: ec.EllipticCurvePrivateKey, serial_base: int):
        self.key = _derive_key(seed, label)
        self.name = _name(f"{_ORGANIZATION} {label} CA {seed}")
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.certificate_pem = _pem(
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(serial_base)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)
        )
        self._label = label
        self._serial_base = serial_base
        self._client_public_key = client_key.public_key()
        self._aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        self._client_ca_false = x509.BasicConstraints(ca=False, path_length=None)

    def client_pem(self, number: int) -> str:
        """PEM of client certificate ``number`` (unique serial and subject per number)."""
        return _pem(
            x509.CertificateBuilder()
            .subject_name(_name(f"{self._label}-device-{number:07d}"))
            .issuer_name(self.name)
            .public_key(self._client_public_key)
            .serial_number(self._serial_base + 1 + number)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(self._client_ca_false, critical=True)
            .add_extension(self._aki, critical=False)
            .sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)
        )


def _same_process_backend(certificate_arn: str, ca_certificate_id: str, ca_pem: str) -> Any | None:
    # The CA was registered through the client; if this process's moto holds it, the client talks to us.
    parts = certificate_arn.split(":")
    if len(parts) < 6:
        return None
    backend = iot.get_iot_backend(parts[4], parts[3])
    ca = backend.ca_certificates.get(ca_certificate_id)
    if ca is None or ca.certificate_pem != ca_pem:
        return None
    return backend


def _assign_statuses(
    rng: random.Random, certificates: int, preexisting: Mapping[str, int] | None
) -> dict[int, str]:
    wanted = {status: count for status, count in (preexisting or {}).items() if status != "ACTIVE"}
    for status, count in wanted.items():
        if status not in PREEXISTING_STATUSES:
            raise ValueError(
                f"unknown pre-existing status {status!r}; use one of {sorted(PREEXISTING_STATUSES)}"
            )
        if count < 0:
            raise ValueError(f"pre-existing count for {status} must be >= 0, got {count}")
    total = sum(wanted.values())
    if total > certificates:
        raise ValueError(f"{total} pre-existing certificates requested but the fleet has {certificates}")
    positions = rng.sample(range(certificates), total)
    assigned: dict[int, str] = {}
    for status in sorted(wanted):  # sorted: the same seed picks the same certificates
        for _ in range(wanted[status]):
            assigned[positions.pop()] = status
    return assigned


def seed_fleet(
    iot_client: Any,
    *,
    certificates: int,
    decoys: int = 6,
    seed: int = 0,
    preexisting: Mapping[str, int] | None = None,
    fast: bool | None = None,
) -> Fleet:
    """Register a CA, ``certificates`` client certificates it signed, and ``decoys`` unrelated certificates.

    iot_client: a boto3 IoT client pointed at the emulator (in-process ``mock_aws`` or a moto server).
    certificates: number of client certificates signed by the CA (registered with RegisterCertificate,
        caCertificatePem = the CA, status ACTIVE unless ``preexisting`` says otherwise).
    decoys: certificates the workflow must never touch: ceil(decoys/2) signed by a second registered CA,
        the rest registered with RegisterCertificateWithoutCA (signed by an unregistered CA).
    seed: makes the fleet reproducible (keys, PEMs, certificate ids and which certificates are
        pre-existing). Seeding the same seed twice into one backend raises ResourceAlreadyExistsException.
    preexisting: status -> count of the CA's certificates put in that status first, e.g.
        {"REVOKED": 3, "INACTIVE": 2, "PENDING_TRANSFER": 2, "PENDING_ACTIVATION": 1, "REGISTER_INACTIVE": 1}.
        PENDING_TRANSFER is reached as on AWS: registered INACTIVE, then TransferCertificate to
        TRANSFER_TARGET_ACCOUNT. PENDING_ACTIVATION / REGISTER_INACTIVE are what just-in-time registration
        leaves; they are set at registration (AWS's UpdateCertificate cannot set PENDING_ACTIVATION).
    fast: None picks the backend fast path when the client's backend lives in this process; True
        requires it (RuntimeError otherwise); False sends every certificate through the API, where quotas,
        fault injection and statistics of the IoT layer apply.
    The CAs are registered through the API (RegisterCACertificate, setAsActive=True; the main CA with
    allowAutoRegistration=True). Returns a :class:`Fleet`. Raises ValueError for bad counts or statuses,
    and whatever the IoT API raises (botocore ClientError). Prints nothing.
    Measured on a 2-core machine: 100,000 certificates in about 6 s on the fast path.
    """
    if certificates < 0 or decoys < 0:
        raise ValueError("certificates and decoys must be >= 0")
    iot.install_iot_layer()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    status_at = _assign_statuses(rng, certificates, preexisting)

    client_key = _derive_key(seed, "client")
    main = _Issuer(seed, "fleet", client_key, serial_base=rng.getrandbits(100) << 24)
    other = _Issuer(seed, "other", client_key, serial_base=rng.getrandbits(100) << 24)
    unregistered = _Issuer(seed, "unregistered", client_key, serial_base=rng.getrandbits(100) << 24)

    ca = iot_client.register_ca_certificate(
        caCertificate=main.certificate_pem, setAsActive=True, allowAutoRegistration=True
    )
    other_ca = iot_client.register_ca_certificate(
        caCertificate=other.certificate_pem, setAsActive=True, allowAutoRegistration=False
    )
    backend = _same_process_backend(ca["certificateArn"], ca["certificateId"], main.certificate_pem)
    if fast and backend is None:
        raise RuntimeError("fast seeding needs the IoT client's moto backend in this process")
    use_backend = backend is not None and fast is not False

    # Decoys are interleaved with the CA's certificates so listings must really filter by CA.
    n_other = (decoys + 1) // 2
    decoy_plan: list[tuple[_Issuer, int]] = [(other, i) for i in range(n_other)]
    decoy_plan += [(unregistered, i) for i in range(decoys - n_other)]
    decoy_after: dict[int, list[tuple[_Issuer, int]]] = {}
    for j, item in enumerate(decoy_plan):
        decoy_after.setdefault(((j + 1) * certificates) // (decoys + 1), []).append(item)

    if use_backend:
        ids, decoy_ids, pre = _seed_backend(
            backend,
            main,
            other,
            ca["certificateId"],
            other_ca["certificateId"],
            certificates,
            status_at,
            decoy_after,
        )
    else:
        ids, decoy_ids, pre = _seed_api(iot_client, main, other, certificates, status_at, decoy_after)

    return Fleet(
        ca_certificate_id=ca["certificateId"],
        ca_certificate_pem=main.certificate_pem,
        certificate_ids=tuple(ids),
        other_ca_certificate_id=other_ca["certificateId"],
        decoy_certificate_ids=tuple(decoy_ids),
        preexisting_ids={status: tuple(v) for status, v in sorted(pre.items())},
        via_backend=use_backend,
    )


def _plan(
    certificates: int, decoy_after: Mapping[int, Sequence[tuple[_Issuer, int]]]
) -> list[tuple[str, Any, int]]:
    # Creation order: ("ca", None, i) for the CA's certificate i, ("decoy", issuer, n) for decoys.
    steps: list[tuple[str, Any, int]] = []
    for i in range(certificates + 1):
        for issuer, n in decoy_after.get(i, ()):
            steps.append(("decoy", issuer, n))
        if i < certificates:
            steps.append(("ca", None, i))
    return steps


def _seed_backend(
    backend: Any,
    main: _Issuer,
    other: _Issuer,
    ca_id: str,
    other_ca_id: str,
    certificates: int,
    status_at: Mapping[int, str],
    decoy_after: Mapping[int, Sequence[tuple[_Issuer, int]]],
) -> tuple[list[str], list[str], dict[str, list[str]]]:
    account, region = backend.account_id, backend.region_name
    batch: list[Any] = []
    ids: list[str] = []
    decoy_ids: list[str] = []
    pre: dict[str, list[str]] = {}
    transfers: list[str] = []
    for kind, issuer, n in _plan(certificates, decoy_after):
        if kind == "decoy":
            registered = issuer is other
            cert: Any = FakeCertificate(
                issuer.client_pem(n), "ACTIVE", account, region, other_ca_id if registered else None
            )
            if not registered:
                cert.certificate_mode = "SNI_ONLY"  # RegisterCertificateWithoutCA
            decoy_ids.append(cert.certificate_id)
        else:
            status = status_at.get(n, "ACTIVE")
            initial = "INACTIVE" if status == "PENDING_TRANSFER" else status
            cert = FakeCertificate(main.client_pem(n), initial, account, region, ca_id)
            ids.append(cert.certificate_id)
            if status != "ACTIVE":
                pre.setdefault(status, []).append(cert.certificate_id)
            if status == "PENDING_TRANSFER":
                transfers.append(cert.certificate_id)
        batch.append(cert)
    iot.add_certificates(backend, batch)
    for cid in transfers:
        backend.transfer_certificate(cid, TRANSFER_TARGET_ACCOUNT, "seeded pending transfer")
    return ids, decoy_ids, pre


def _seed_api(
    client: Any,
    main: _Issuer,
    other: _Issuer,
    certificates: int,
    status_at: Mapping[int, str],
    decoy_after: Mapping[int, Sequence[tuple[_Issuer, int]]],
) -> tuple[list[str], list[str], dict[str, list[str]]]:
    ids: list[str] = []
    decoy_ids: list[str] = []
    pre: dict[str, list[str]] = {}
    register: Callable[..., Any] = client.register_certificate
    for kind, issuer, n in _plan(certificates, decoy_after):
        if kind == "decoy":
            if issuer is other:
                resp = register(
                    certificatePem=issuer.client_pem(n),
                    caCertificatePem=other.certificate_pem,
                    status="ACTIVE",
                )
            else:
                resp = client.register_certificate_without_ca(
                    certificatePem=issuer.client_pem(n), status="ACTIVE"
                )
            decoy_ids.append(resp["certificateId"])
            continue
        status = status_at.get(n, "ACTIVE")
        initial = "INACTIVE" if status == "PENDING_TRANSFER" else status
        resp = register(
            certificatePem=main.client_pem(n), caCertificatePem=main.certificate_pem, status=initial
        )
        cid = resp["certificateId"]
        ids.append(cid)
        if status != "ACTIVE":
            pre.setdefault(status, []).append(cid)
        if status == "PENDING_TRANSFER":
            client.transfer_certificate(
                certificateId=cid,
                targetAwsAccount=TRANSFER_TARGET_ACCOUNT,
                transferMessage="seeded pending transfer",
            )
    return ids, decoy_ids, pre
