"""Fleet seeding: a real CA and its certificates, decoys, pre-existing statuses, both seeding paths, and
what else the CA's key reaches (intermediates, CA-less certificates, a cross-certificate) beside the
name-spoofing, impostor and self-signed decoys."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from moto import mock_aws

from emulator.fleet import TRANSFER_TARGET_ACCOUNT, Fleet, Intermediate, seed_fleet
from emulator.iot import IotLayer
from tests.support.emulator_iot import REGION

PREEXISTING = {
    "REVOKED": 3,
    "INACTIVE": 2,
    "PENDING_TRANSFER": 2,
    "PENDING_ACTIVATION": 1,
    "REGISTER_INACTIVE": 1,
}


@pytest.fixture
def iot(layer: IotLayer) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iot", region_name=REGION)


def listing(iot: Any, ca_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"caCertificateId": ca_id, "pageSize": 250}
    while True:
        page = iot.list_certificates_by_ca(**kwargs)
        items.extend(page["certificates"])
        if not page.get("nextMarker"):
            return items
        kwargs["marker"] = page["nextMarker"]


def describe(iot: Any, cert_id: str) -> dict[str, Any]:
    return dict(iot.describe_certificate(certificateId=cert_id)["certificateDescription"])


@pytest.mark.parametrize("fast", [True, False])
def test_seeded_fleet_is_listed_with_its_statuses(iot: Any, fast: bool) -> None:
    fleet = seed_fleet(iot, certificates=40, decoys=6, seed=3, preexisting=PREEXISTING, fast=fast)

    assert fleet.via_backend is fast
    assert len(fleet.certificate_ids) == 40 == len(set(fleet.certificate_ids))
    assert len(fleet.decoy_certificate_ids) == 6
    items = listing(iot, fleet.ca_certificate_id)
    # Decoys are interleaved with the CA's certificates in creation order, and not listed.
    assert [c["certificateId"] for c in items] == list(fleet.certificate_ids)
    statuses = {c["certificateId"]: c["status"] for c in items}
    assert {s: len(ids) for s, ids in fleet.preexisting_ids.items()} == PREEXISTING
    for cert_id, status in statuses.items():
        assert status == fleet.status_of(cert_id)
    assert sum(status == "ACTIVE" for status in statuses.values()) == 40 - sum(PREEXISTING.values())

    for cert_id in fleet.preexisting_ids["PENDING_TRANSFER"]:
        assert describe(iot, cert_id)["transferData"]["transferMessage"]
    ca = iot.describe_ca_certificate(certificateId=fleet.ca_certificate_id)["certificateDescription"]
    assert (ca["status"], ca["autoRegistrationStatus"]) == ("ACTIVE", "ENABLE")


def test_decoys_belong_to_another_ca_or_to_none(iot: Any) -> None:
    fleet = seed_fleet(iot, certificates=10, decoys=5, seed=4)
    other_ids = [c["certificateId"] for c in listing(iot, fleet.other_ca_certificate_id)]
    assert other_ids == list(fleet.decoy_certificate_ids[:3])
    for cert_id in fleet.decoy_certificate_ids[3:]:
        description = describe(iot, cert_id)
        assert "caCertificateId" not in description
        assert description["certificateMode"] == "SNI_ONLY"
        assert description["status"] == "ACTIVE"
    assert not set(fleet.decoy_certificate_ids) & set(fleet.certificate_ids)


def test_certificates_are_real_x509_signed_by_the_ca(iot: Any) -> None:
    fleet = seed_fleet(iot, certificates=3, decoys=2, seed=5)
    ca = x509.load_pem_x509_certificate(fleet.ca_certificate_pem.encode())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    serials = set()
    for cert_id in fleet.certificate_ids:
        pem = describe(iot, cert_id)["certificatePem"]
        cert = x509.load_pem_x509_certificate(pem.encode())
        cert.verify_directly_issued_by(ca)  # raises if not signed by the CA
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
        serials.add(cert.serial_number)
        # moto's default certificate id (what RegisterCertificate computes): SHA-256 of the PEM text.
        assert hashlib.sha256(pem.encode()).hexdigest() == cert_id
    assert len(serials) == 3
    decoy = x509.load_pem_x509_certificate(
        describe(iot, fleet.decoy_certificate_ids[0])["certificatePem"].encode()
    )
    with pytest.raises((ValueError, InvalidSignature)):
        decoy.verify_directly_issued_by(ca)


def test_fast_and_api_paths_give_the_same_fleet_for_a_seed(layer: IotLayer) -> None:
    fleets: list[Fleet] = []
    for fast in (True, False):
        with mock_aws():
            fleets.append(
                seed_fleet(
                    boto3.client("iot", region_name=REGION),
                    certificates=25,
                    seed=9,
                    preexisting={"REVOKED": 2, "PENDING_TRANSFER": 1},
                    fast=fast,
                )
            )
    fast_fleet, api_fleet = fleets
    assert fast_fleet.certificate_ids == api_fleet.certificate_ids
    assert fast_fleet.decoy_certificate_ids == api_fleet.decoy_certificate_ids
    assert fast_fleet.preexisting_ids == api_fleet.preexisting_ids
    assert fast_fleet.ca_certificate_id == api_fleet.ca_certificate_id

    with mock_aws():
        other = seed_fleet(boto3.client("iot", region_name=REGION), certificates=25, seed=10)
    assert not set(other.certificate_ids) & set(fast_fleet.certificate_ids)


def test_fast_path_makes_no_api_calls_per_certificate(iot: Any, layer: IotLayer) -> None:
    seed_fleet(iot, certificates=50, preexisting={"PENDING_TRANSFER": 3})
    assert layer.stats.calls == {"RegisterCACertificate": 2}


def test_seeding_the_same_seed_twice_is_refused(iot: Any) -> None:
    seed_fleet(iot, certificates=3, seed=1)
    with pytest.raises(ClientError) as raised:  # RegisterCACertificate of the CA registered already
        seed_fleet(iot, certificates=3, seed=1)
    assert raised.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert len(iot.list_ca_certificates()["certificates"]) == 2
    assert len(iot.list_certificates(pageSize=250)["certificates"]) == 3 + 6


def test_bad_arguments(iot: Any) -> None:
    with pytest.raises(ValueError, match="unknown"):
        seed_fleet(iot, certificates=5, preexisting={"LOST": 1})
    with pytest.raises(ValueError, match="pre-existing"):
        seed_fleet(iot, certificates=2, preexisting={"REVOKED": 3})
    with pytest.raises(ValueError):
        seed_fleet(iot, certificates=-1)


def test_ten_thousand_certificates_page_in_250s(iot: Any) -> None:
    fleet = seed_fleet(iot, certificates=10_000, decoys=6, seed=11, preexisting=PREEXISTING)
    items = listing(iot, fleet.ca_certificate_id)
    assert len(items) == 10_000
    assert [c["certificateId"] for c in items] == list(fleet.certificate_ids)
    assert TRANSFER_TARGET_ACCOUNT != "123456789012"


def _x509(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _signed_by(child_pem: str, issuer_pem: str) -> bool:
    try:
        _x509(child_pem).verify_directly_issued_by(_x509(issuer_pem))
    except (ValueError, InvalidSignature):
        return False
    return True


SCOPE_OPTIONS: dict[str, Any] = {
    "unlinked": 4,
    "intermediates": [Intermediate(certificates=3, unlinked=2), Intermediate(certificates=2, unlinked=1)],
    "cross_signed": 2,
    "spoofs": 2,
    "impostor_ca": 2,
    "self_signed_ca": 2,
}


@pytest.mark.parametrize("fast", [True, False])
def test_scope_fleet_registers_what_the_named_cas_key_reaches(iot: Any, fast: bool) -> None:
    fleet = seed_fleet(iot, certificates=5, decoys=4, seed=21, fast=fast, **SCOPE_OPTIONS)

    labels = [ca.label for ca in fleet.cas]
    assert labels == [
        "fleet",
        "intermediate-1",
        "intermediate-2",
        "cross",
        "other",
        "impostor",
        "self-signed",
    ]
    assert [ca.label for ca in fleet.scope_cas] == labels[:4]
    registered = {c["certificateId"] for c in iot.list_ca_certificates(pageSize=250)["certificates"]}
    assert registered == {ca.certificate_id for ca in fleet.cas}
    assert set(fleet.in_scope_ca_ids) | set(fleet.decoy_ca_ids) == registered
    pem_of = {ca.certificate_id: ca.certificate_pem for ca in fleet.cas}
    for ca in fleet.cas:
        # The PEM AWS IoT holds for the id, and its issuer is who the fleet says (by signature).
        described = iot.describe_ca_certificate(certificateId=ca.certificate_id)["certificateDescription"]
        assert described["certificatePem"] == ca.certificate_pem
        assert (described["status"], described["autoRegistrationStatus"]) == (
            "ACTIVE",
            "ENABLE" if ca.in_scope else "DISABLE",
        )
        signer = ca.certificate_pem if ca.issued_by is None else pem_of[ca.issued_by]
        assert _signed_by(ca.certificate_pem, signer)
        assert [c["certificateId"] for c in listing(iot, ca.certificate_id)] == list(ca.certificate_ids)
        for cert_id in ca.certificate_ids:
            assert describe(iot, cert_id)["caCertificateId"] == ca.certificate_id
        for cert_id in (*ca.certificate_ids, *ca.unlinked_ids):
            assert _signed_by(describe(iot, cert_id)["certificatePem"], ca.certificate_pem)
        for cert_id in ca.unlinked_ids:
            description = describe(iot, cert_id)
            assert "caCertificateId" not in description
            assert description["certificateMode"] == "SNI_ONLY"
    assert fleet.ca("intermediate-1").issued_by == fleet.ca_certificate_id
    assert fleet.ca("intermediate-2").issued_by == fleet.ca("intermediate-1").certificate_id
    assert fleet.ca("cross").issued_by == fleet.ca("intermediate-1").certificate_id
    # The cross-certificate carries the named CA's key: the first intermediate verifies against it too.
    assert _signed_by(fleet.ca("intermediate-1").certificate_pem, fleet.ca("cross").certificate_pem)

    assert len(fleet.in_scope_certificate_ids) == 5 + 4 + 3 + 2 + 2 + 1 + 2
    assert len(fleet.unlinked_in_scope_ids) == 4 + 2 + 1
    kinds = {kind: len(ids) for kind, ids in fleet.decoys.items()}
    assert kinds == {
        "other-ca": 2,
        "unlinked-other-ca": 2,
        "name-spoof": 2,
        "impostor-ca": 2,
        "self-signed-ca": 2,
    }
    assert len(fleet.decoy_certificate_ids) == 10
    assert not set(fleet.decoy_certificate_ids) & set(fleet.in_scope_certificate_ids)
    everything = {c["certificateId"] for c in iot.list_certificates(pageSize=250)["certificates"]}
    assert everything == set(fleet.decoy_certificate_ids) | set(fleet.in_scope_certificate_ids)
    assert fleet.unlinked_certificate_count == 4 + 2 + 1 + 2 + 2


def test_name_spoofing_and_impostor_decoys_carry_the_named_cas_name_not_its_signature(iot: Any) -> None:
    fleet = seed_fleet(iot, certificates=1, seed=22, spoofs=2, impostor_ca=1)
    named = _x509(fleet.ca_certificate_pem)
    named_aki = named.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    for cert_id in (*fleet.decoys["name-spoof"], *fleet.decoys["impostor-ca"]):
        decoy = _x509(describe(iot, cert_id)["certificatePem"])
        assert decoy.issuer == named.subject
        aki = decoy.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        assert aki.key_identifier == named_aki
        assert not _signed_by(describe(iot, cert_id)["certificatePem"], fleet.ca_certificate_pem)
    impostor = _x509(fleet.ca("impostor").certificate_pem)
    assert impostor.subject == named.subject
    assert not _signed_by(fleet.ca("impostor").certificate_pem, fleet.ca_certificate_pem)


def test_a_named_ca_registered_nowhere_is_named_by_its_fingerprint(iot: Any) -> None:
    fleet = seed_fleet(
        iot, certificates=0, seed=23, register_ca=False, unlinked=3, intermediates=[Intermediate(2, 1)]
    )
    named = _x509(fleet.ca_certificate_pem)
    assert fleet.ca_certificate_id == named.fingerprint(hashes.SHA256()).hex()
    assert fleet.ca("fleet").registered is False
    registered = {c["certificateId"] for c in iot.list_ca_certificates(pageSize=250)["certificates"]}
    assert fleet.ca_certificate_id not in registered
    assert fleet.in_scope_ca_ids == (fleet.ca("intermediate-1").certificate_id,)
    assert len(fleet.in_scope_certificate_ids) == 3 + 2 + 1
    with pytest.raises(ValueError, match="not registered"):
        seed_fleet(iot, certificates=1, seed=24, register_ca=False)
    with pytest.raises(ValueError, match="cross_signed"):
        seed_fleet(iot, certificates=1, seed=24, cross_signed=1)
    with pytest.raises(ValueError, match="unlinked"):
        seed_fleet(iot, certificates=1, seed=24, unlinked=-1)
