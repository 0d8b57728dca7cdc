"""Seeding the emulator's AWS IoT with a realistic fleet: a real CA, what it signed, and decoys.

Everything is real X.509 (emulator.fleet_x509, on the ``cryptography`` package). The fleet is built
around the *named* CA, the one an operator's request names as compromised:

* certificates registered under it (RegisterCertificate with its PEM), some in pre-existing statuses;
* optionally what else its key reaches (issue 9's scope): a chain of intermediate CAs below it, each
  registered (RegisterCACertificate) with certificates registered under it; client certificates
  registered without a CA (RegisterCertificateWithoutCA) signed by it or by an intermediate; a
  cross-certificate (the named CA's subject and key, signed by the first intermediate: the closure must
  not loop). The named CA itself may be registered nowhere (multi-account registration);
* decoys the workflow must never touch, by kind (:data:`DECOY_KINDS`): certificates of another registered
  CA, CA-less certificates of an unregistered CA, name-spoofing CA-less certificates (issuer name and
  authority key identifier of the named CA, another key's signature), certificates of a registered
  impostor CA (the named CA's subject, another key), certificates of a self-signed CA registered beside.

What costs time at 100,000 certificates is X.509 generation and the per-request HTTP round trip, so when
the IoT client talks to a moto backend in this process (``mock_aws`` or an in-process
``ThreadedMotoServer``), certificates are written through moto's backend objects (``FakeCertificate``,
via :func:`emulator.iot.add_certificates`) instead of one request each. The result is the same state:
moto computes the certificate id from the PEM in ``FakeCertificate`` in both paths. Otherwise every
certificate goes through the API (RegisterCertificate, RegisterCertificateWithoutCA, TransferCertificate).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moto.iot.models import FakeCertificate

from emulator import iot
from emulator.fleet_things import attach_things, plan_things
from emulator.fleet_x509 import Issuer, derive_key, fingerprint

__all__ = [
    "DECOY_KINDS",
    "PREEXISTING_STATUSES",
    "TRANSFER_TARGET_ACCOUNT",
    "Fleet",
    "FleetCa",
    "Intermediate",
    "seed_fleet",
]

# Statuses a CA's certificate can be in before the incident: every CertificateStatus of the AWS IoT API
# reference (API_Certificate, "status").
PREEXISTING_STATUSES = frozenset(
    {"ACTIVE", "INACTIVE", "REVOKED", "PENDING_TRANSFER", "PENDING_ACTIVATION", "REGISTER_INACTIVE"}
)
TRANSFER_TARGET_ACCOUNT = "210987654321"  # destination of the PENDING_TRANSFER certificates
# The kinds of decoy certificates, in the order of Fleet.decoy_certificate_ids.
DECOY_KINDS = ("other-ca", "unlinked-other-ca", "name-spoof", "impostor-ca", "self-signed-ca")


@dataclass(frozen=True)
class Intermediate:
    """One level of the chain below the named CA: a CA whose certificate the level above signed,
    registered with RegisterCACertificate (ACTIVE, auto-registration ENABLE).

    certificates: client certificates registered under it (RegisterCertificate with its PEM), ACTIVE.
    unlinked: client certificates it signed, registered without a CA (RegisterCertificateWithoutCA), ACTIVE.
    """

    certificates: int = 0
    unlinked: int = 0


@dataclass(frozen=True)
class FleetCa:
    """One CA certificate of a fleet.

    label: its role: "fleet" (the named CA), "intermediate-1".. (the chain), "cross", "other",
        "impostor", "self-signed".
    certificate_id: its certificateId in AWS IoT when registered; else the SHA-256 of its DER, the id the
        workflow gives a CA named by PEM only.
    registered: whether RegisterCACertificate registered it here.
    issued_by: certificate_id of the CA whose key signed its certificate; None when self-signed.
    in_scope: whether revoking the named CA covers it (issued, to any depth, by the named CA's key).
    certificate_ids: client certificates registered under it (its ListCertificatesByCA, creation order).
    unlinked_ids: client certificates it signed that are registered without a CA.
    """

    label: str
    certificate_id: str
    certificate_pem: str
    registered: bool
    issued_by: str | None
    in_scope: bool
    certificate_ids: tuple[str, ...] = ()
    unlinked_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fleet:
    """What :func:`seed_fleet` registered.

    ca_certificate_id / ca_certificate_pem: the named CA, whose certificates the workflow revokes (its id
        is the SHA-256 of its DER when it is registered nowhere).
    certificate_ids: the certificates registered under the named CA, in creation order (its
        ListCertificatesByCA order), including those put in a pre-existing status.
    other_ca_certificate_id: a second registered CA (never touched by the workflow).
    decoy_certificate_ids: every decoy certificate, by kind in DECOY_KINDS order.
    preexisting_ids: status -> ids of the named CA's certificates seeded in that status (ACTIVE: the rest).
    via_backend: True when certificates were written through moto's backend objects (fast path).
    cas: every CA seeded, the named CA first, then the chain, then the rest.
    decoys: decoy kind -> ids (every kind of DECOY_KINDS, empty when none was seeded).
    things: certificateId -> the Things attached to it (every certificate; empty without ``things=True``).
    """

    ca_certificate_id: str
    ca_certificate_pem: str
    certificate_ids: tuple[str, ...]
    other_ca_certificate_id: str
    decoy_certificate_ids: tuple[str, ...]
    preexisting_ids: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    via_backend: bool = False
    cas: tuple[FleetCa, ...] = ()
    decoys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    things: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def status_of(self, certificate_id: str) -> str:
        """The status ``certificate_id`` was seeded in (ACTIVE unless listed in preexisting_ids)."""
        for status, ids in self.preexisting_ids.items():
            if certificate_id in ids:
                return status
        return "ACTIVE"

    def ca(self, label: str) -> FleetCa:
        """The CA of ``label`` (FleetCa.label); KeyError when the fleet has none."""
        for ca in self.cas:
            if ca.label == label:
                return ca
        raise KeyError(label)

    @property
    def scope_cas(self) -> tuple[FleetCa, ...]:
        """The CAs in scope of a revocation of the named CA (registered or not), the named CA first."""
        return tuple(ca for ca in self.cas if ca.in_scope)

    @property
    def in_scope_ca_ids(self) -> tuple[str, ...]:
        """The registered CAs a revocation of the named CA deactivates, the named CA first."""
        return tuple(ca.certificate_id for ca in self.scope_cas if ca.registered)

    @property
    def decoy_ca_ids(self) -> tuple[str, ...]:
        """The registered CAs outside the scope (never touched)."""
        return tuple(ca.certificate_id for ca in self.cas if ca.registered and not ca.in_scope)

    @property
    def unlinked_in_scope_ids(self) -> tuple[str, ...]:
        """The certificates in scope that are registered without a CA (found only by the issuer scan)."""
        return tuple(cid for ca in self.scope_cas for cid in ca.unlinked_ids)

    @property
    def in_scope_certificate_ids(self) -> tuple[str, ...]:
        """Every certificate a revocation of the named CA covers: registered under a CA in scope, or
        registered without a CA and signed by one."""
        return tuple(cid for ca in self.scope_cas for cid in (*ca.certificate_ids, *ca.unlinked_ids))

    @property
    def unlinked_certificate_count(self) -> int:
        """Certificates registered without a CA, in scope or not (what the issuer scan describes)."""
        foreign = len(self.decoys.get("unlinked-other-ca", ())) + len(self.decoys.get("name-spoof", ()))
        return len(self.unlinked_in_scope_ids) + foreign


@dataclass
class _Group:
    """Certificates signed by ``issuer``, registered under ``under`` (None: without a CA)."""

    issuer: Issuer
    under: Issuer | None
    numbers: range
    decoy: str | None = None  # its kind (DECOY_KINDS) for decoys
    statuses: Mapping[int, str] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)


@dataclass
class _Ca:
    """A CA to seed: registered or not, who signed it, in scope or not, and its two groups."""

    issuer: Issuer
    signer: _Ca | None
    in_scope: bool
    listed: _Group
    unlinked: _Group
    registered: bool = True
    auto_registration: bool = True
    certificate_id: str = ""

    @classmethod
    def of(
        cls,
        issuer: Issuer,
        signer: _Ca | None,
        *,
        listed: int,
        unlinked: int = 0,
        decoy: str | None = None,
        statuses: Mapping[int, str] | None = None,
        registered: bool = True,
    ) -> _Ca:
        scope = decoy is None
        return cls(
            issuer,
            signer,
            scope,
            _Group(issuer, issuer, range(listed), decoy, statuses or {}),
            _Group(issuer, None, range(listed, listed + unlinked), decoy),
            registered=registered,
            auto_registration=scope,
        )

    def fleet_ca(self) -> FleetCa:
        return FleetCa(
            label=self.issuer.label,
            certificate_id=self.certificate_id,
            certificate_pem=self.issuer.certificate_pem,
            registered=self.registered,
            issued_by=None if self.signer is None else self.signer.certificate_id,
            in_scope=self.in_scope,
            certificate_ids=tuple(self.listed.ids),
            unlinked_ids=tuple(self.unlinked.ids),
        )


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


def _check_counts(
    certificates: int,
    counts: Mapping[str, int | None],
    intermediates: Sequence[Intermediate],
    register_ca: bool,
    cross_signed: int | None,
) -> None:
    for name, value in {"certificates": certificates, **counts}.items():
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    for level in intermediates:
        if level.certificates < 0 or level.unlinked < 0:
            raise ValueError(f"intermediate counts must be >= 0, got {level}")
    if not register_ca and certificates:
        raise ValueError("certificates cannot be registered under a CA that is not registered")
    if cross_signed is not None and not intermediates:
        raise ValueError("cross_signed needs an intermediate to sign the cross-certificate")


def seed_fleet(
    iot_client: Any,
    *,
    certificates: int,
    decoys: int = 6,
    seed: int = 0,
    preexisting: Mapping[str, int] | None = None,
    fast: bool | None = None,
    register_ca: bool = True,
    unlinked: int = 0,
    intermediates: Sequence[Intermediate] = (),
    cross_signed: int | None = None,
    spoofs: int = 0,
    impostor_ca: int | None = None,
    self_signed_ca: int | None = None,
    things: bool = False,
) -> Fleet:
    """Register a CA, the client certificates it signed, what else its key reaches, and decoys.

    iot_client: a boto3 IoT client pointed at the emulator (in-process ``mock_aws`` or a moto server).
    certificates: client certificates signed by the named CA and registered under it (RegisterCertificate,
        caCertificatePem = the CA, status ACTIVE unless ``preexisting`` says otherwise).
    decoys: ceil(decoys/2) certificates of a second registered CA, the rest CA-less certificates
        (RegisterCertificateWithoutCA) signed by an unregistered CA.
    seed: makes the fleet reproducible (keys, PEMs, certificate ids and which certificates are
        pre-existing). Seeding the same seed twice into one backend raises ResourceAlreadyExistsException.
    preexisting: status -> count of the named CA's certificates put in that status first, e.g.
        {"REVOKED": 3, "INACTIVE": 2, "PENDING_TRANSFER": 2, "PENDING_ACTIVATION": 1, "REGISTER_INACTIVE": 1}.
        PENDING_TRANSFER is reached as on AWS: registered INACTIVE, then TransferCertificate to
        TRANSFER_TARGET_ACCOUNT. PENDING_ACTIVATION / REGISTER_INACTIVE are what just-in-time registration
        leaves; they are set at registration (AWS's UpdateCertificate cannot set PENDING_ACTIVATION).
    fast: None picks the backend fast path when the client's backend lives in this process; True
        requires it (RuntimeError otherwise); False sends every certificate through the API, where quotas,
        fault injection and statistics of the IoT layer apply.
    register_ca: False leaves the named CA registered nowhere (then ``certificates`` must be 0).
    unlinked: CA-less certificates (RegisterCertificateWithoutCA, ACTIVE) signed by the named CA.
    intermediates: the chain below the named CA, one :class:`Intermediate` per level (depth 3 = two).
    cross_signed: when not None, a registered cross-certificate (the named CA's subject and key, signed by
        the first intermediate's key) with this many certificates registered under it; in scope.
    spoofs: name-spoofing decoys: CA-less certificates with the named CA's subject as issuer name and its
        authority key identifier, signed by another key.
    impostor_ca: when not None, a registered CA with the named CA's subject and another key, with this many
        certificates registered under it (decoys).
    self_signed_ca: when not None, a self-signed CA registered beside, with this many certificates
        registered under it (decoys).
    things: attach Things to the certificates (emulator.fleet_things: some none, some several, some shared).
    CAs are registered through the API (RegisterCACertificate, setAsActive=True; the named CA and the
    chain with allowAutoRegistration=True). Certificates of every kind are interleaved in creation order,
    so listings must really filter. Returns a :class:`Fleet`. Raises ValueError for bad counts or
    statuses, and whatever the IoT API raises (botocore ClientError). Prints nothing.
    Measured on a 2-core machine: 100,000 certificates in about 6 s on the fast path.
    """
    counts = {
        "decoys": decoys,
        "unlinked": unlinked,
        "spoofs": spoofs,
        "cross_signed": cross_signed,
        "impostor_ca": impostor_ca,
        "self_signed_ca": self_signed_ca,
    }
    _check_counts(certificates, counts, intermediates, register_ca, cross_signed)
    iot.install_iot_layer()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    status_at = _assign_statuses(rng, certificates, preexisting)

    def serial() -> int:
        return rng.getrandbits(100) << 24

    client_key = derive_key(seed, "client")
    # The draws of the first three keep the fleets of earlier versions (same seed, same ids).
    main = Issuer.root(seed, "fleet", client_key, serial(), path_length=len(intermediates))
    other = Issuer.root(seed, "other", client_key, serial())
    unregistered = Issuer.root(seed, "unregistered", client_key, serial())
    chain: list[Issuer] = []
    for depth in range(len(intermediates)):
        parent = chain[-1] if chain else main
        below = len(intermediates) - depth - 1
        chain.append(parent.intermediate(seed, f"intermediate-{depth + 1}", serial(), path_length=below))
    cross = main.cross_certificate(chain[0], "cross", serial()) if cross_signed is not None else None
    spoofer = main.impostor(seed, "spoof", serial())
    impostor = main.impostor(seed, "impostor", serial()) if impostor_ca is not None else None
    self_signed = (
        Issuer.root(seed, "self-signed", client_key, serial()) if self_signed_ca is not None else None
    )

    n_other = (decoys + 1) // 2
    named = _Ca.of(
        main, None, listed=certificates, unlinked=unlinked, statuses=status_at, registered=register_ca
    )
    cas = [named]
    for issuer, level in zip(chain, intermediates, strict=True):
        cas.append(_Ca.of(issuer, cas[-1], listed=level.certificates, unlinked=level.unlinked))
    if cross is not None and cross_signed is not None:
        cas.append(_Ca.of(cross, cas[1], listed=cross_signed))
    cas.append(_Ca.of(other, None, listed=n_other, decoy="other-ca"))
    if impostor is not None and impostor_ca is not None:
        cas.append(_Ca.of(impostor, None, listed=impostor_ca, decoy="impostor-ca"))
    if self_signed is not None and self_signed_ca is not None:
        cas.append(_Ca.of(self_signed, None, listed=self_signed_ca, decoy="self-signed-ca"))
    loose = [
        _Group(unregistered, None, range(decoys - n_other), "unlinked-other-ca"),
        _Group(spoofer, None, range(spoofs), "name-spoof"),
    ]

    response: dict[str, Any] = {}
    for ca in cas:
        if ca.registered:
            response = iot_client.register_ca_certificate(
                caCertificate=ca.issuer.certificate_pem,
                setAsActive=True,
                allowAutoRegistration=ca.auto_registration,
            )
            ca.certificate_id = response["certificateId"]
        else:
            ca.certificate_id = fingerprint(ca.issuer.certificate_pem)
    # The last CA registered is this process's if its backend holds it (the other CA always is).
    backend = _same_process_backend(response["certificateArn"], response["certificateId"], cas[-1].issuer)
    if fast and backend is None:
        raise RuntimeError("fast seeding needs the IoT client's moto backend in this process")
    use_backend = backend is not None and fast is not False

    groups = [group for ca in cas for group in (ca.listed, ca.unlinked)] + loose
    plan = _interleave(groups)
    registered = {ca.issuer.label: ca.certificate_id for ca in cas}
    pre = _seed_backend(backend, plan, registered) if use_backend else _seed_api(iot_client, plan)

    thing_plan = plan_things(seed, [cid for group in groups for cid in group.ids]) if things else {}
    attach_things(iot_client, backend if use_backend else None, thing_plan)
    decoys_by_kind: dict[str, list[str]] = {kind: [] for kind in DECOY_KINDS}
    for group in groups:
        if group.decoy is not None:
            decoys_by_kind[group.decoy].extend(group.ids)
    return Fleet(
        ca_certificate_id=named.certificate_id,
        ca_certificate_pem=main.certificate_pem,
        certificate_ids=tuple(named.listed.ids),
        other_ca_certificate_id=registered["other"],
        decoy_certificate_ids=tuple(cid for kind in DECOY_KINDS for cid in decoys_by_kind[kind]),
        preexisting_ids={status: tuple(v) for status, v in sorted(pre.items())},
        via_backend=use_backend,
        cas=tuple(ca.fleet_ca() for ca in cas),
        decoys={kind: tuple(ids) for kind, ids in decoys_by_kind.items()},
        things=thing_plan,
    )


def _same_process_backend(certificate_arn: str, ca_certificate_id: str, issuer: Issuer) -> Any | None:
    # A CA was registered through the client; if this process's moto holds it, the client talks to us.
    parts = certificate_arn.split(":")
    if len(parts) < 6:
        return None
    backend = iot.get_iot_backend(parts[4], parts[3])
    ca = backend.ca_certificates.get(ca_certificate_id)
    if ca is None or ca.certificate_pem != issuer.certificate_pem:
        return None
    return backend


def _interleave(groups: Sequence[_Group]) -> list[tuple[_Group, int]]:
    """Creation order: every group spread evenly over the whole order (a group's k-th of n certificates
    at fraction (k+1)/(n+1)), ties in group order."""
    keyed: list[tuple[float, int, int, _Group, int]] = []
    for g, group in enumerate(groups):
        size = len(group.numbers)
        for k, number in enumerate(group.numbers):
            keyed.append(((k + 1) / (size + 1), g, k, group, number))
    keyed.sort(key=lambda item: item[:3])
    return [(group, number) for _, _, _, group, number in keyed]


def _seed_backend(
    backend: Any, plan: Sequence[tuple[_Group, int]], registered: Mapping[str, str]
) -> dict[str, list[str]]:
    account, region = backend.account_id, backend.region_name
    batch: list[Any] = []
    pre: dict[str, list[str]] = {}
    transfers: list[str] = []
    for group, number in plan:
        status = group.statuses.get(number, "ACTIVE")
        initial = "INACTIVE" if status == "PENDING_TRANSFER" else status
        ca_id = None if group.under is None else registered[group.under.label]
        cert: Any = FakeCertificate(group.issuer.client_pem(number), initial, account, region, ca_id)
        if group.under is None:
            cert.certificate_mode = "SNI_ONLY"  # RegisterCertificateWithoutCA
        group.ids.append(cert.certificate_id)
        if status != "ACTIVE":
            pre.setdefault(status, []).append(cert.certificate_id)
        if status == "PENDING_TRANSFER":
            transfers.append(cert.certificate_id)
        batch.append(cert)
    iot.add_certificates(backend, batch)
    for cid in transfers:
        backend.transfer_certificate(cid, TRANSFER_TARGET_ACCOUNT, "seeded pending transfer")
    return pre


def _seed_api(client: Any, plan: Sequence[tuple[_Group, int]]) -> dict[str, list[str]]:
    pre: dict[str, list[str]] = {}
    for group, number in plan:
        status = group.statuses.get(number, "ACTIVE")
        initial = "INACTIVE" if status == "PENDING_TRANSFER" else status
        pem = group.issuer.client_pem(number)
        if group.under is None:
            response = client.register_certificate_without_ca(certificatePem=pem, status=initial)
        else:
            response = client.register_certificate(
                certificatePem=pem, caCertificatePem=group.under.certificate_pem, status=initial
            )
        cid = response["certificateId"]
        group.ids.append(cid)
        if status != "ACTIVE":
            pre.setdefault(status, []).append(cid)
        if status == "PENDING_TRANSFER":
            client.transfer_certificate(
                certificateId=cid,
                targetAwsAccount=TRANSFER_TARGET_ACCOUNT,
                transferMessage="seeded pending transfer",
            )
    return pre
