"""discover_scope.scope: the named CA, the CAs in scope (by signature, any depth), unlinked certificates."""

from __future__ import annotations

import hashlib

import pytest
from discover_scope.scope import (
    ScopeIssuers,
    cas_in_scope,
    registrations_of,
    resolve_named,
    unlinked_issuer,
)
from revocation_common.certificates import sha256_fingerprint
from revocation_common.errors import CaNotFound, InvalidInput
from revocation_common.scope_models import RegisteredCa, ScopeCa

from tests.support.x509 import Authority, Pki, certificate, pem

pytestmark = pytest.mark.unit


def ca_id(label: str) -> str:
    """An AWS-style certificateId for a fake registration (AWS assigns these; the code never computes one)."""
    return hashlib.sha256(label.encode()).hexdigest()


def registration(label: str, authority_or_cert: Authority | object, status: str = "ACTIVE") -> RegisteredCa:
    cert = authority_or_cert.cert if isinstance(authority_or_cert, Authority) else authority_or_cert
    return RegisteredCa(
        caCertificateId=ca_id(label), status=status, autoRegistrationStatus="ENABLE", certificatePem=pem(cert)
    )


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki.build()


def scope_of(pki: Pki, registered: list[RegisteredCa], named_label: str = "root") -> list[ScopeCa]:
    named = resolve_named(ca_certificate_id=ca_id(named_label), pem_certificate=None, registered=registered)
    return cas_in_scope(named, registered)


def summary(scope: list[ScopeCa]) -> list[tuple[str, str, str | None]]:
    return [(ca.caCertificateId, ca.relation, ca.issuedBy) for ca in scope]


def test_a_chain_of_depth_3_is_in_scope_and_nothing_else(pki: Pki) -> None:
    registered = [
        registration("level3", pki.level3),
        registration("other", pki.other),
        registration("root", pki.root),
        registration("intermediate", pki.intermediate),
        registration("self-signed", pki.self_signed),
        registration("spoof", pki.spoof_ca),
    ]
    scope = scope_of(pki, registered)
    assert summary(scope) == [
        (ca_id("root"), "named", None),
        (ca_id("intermediate"), "intermediate", ca_id("root")),
        (ca_id("level3"), "intermediate", ca_id("intermediate")),
    ]
    assert all(ca.registered and ca.status == "ACTIVE" for ca in scope)


def test_naming_the_intermediate_leaves_its_issuer_out(pki: Pki) -> None:
    registered = [
        registration(n, a)
        for n, a in [("root", pki.root), ("intermediate", pki.intermediate), ("level3", pki.level3)]
    ]
    assert summary(scope_of(pki, registered, "intermediate")) == [
        (ca_id("intermediate"), "named", None),
        (ca_id("level3"), "intermediate", ca_id("intermediate")),
    ]


def test_a_ca_whose_issuer_name_is_the_named_subject_but_another_key_signed_is_not_in_scope(pki: Pki) -> None:
    registered = [registration("root", pki.root), registration("spoof", pki.spoof_ca)]
    assert summary(scope_of(pki, registered)) == [(ca_id("root"), "named", None)]


def test_a_self_signed_intermediate_is_in_scope_only_when_a_ca_in_scope_signed_it(pki: Pki) -> None:
    registered = [registration("root", pki.root), registration("self-signed", pki.self_signed)]
    assert summary(scope_of(pki, registered)) == [(ca_id("root"), "named", None)]
    # The same key and subject, certified by the root too (a cross-certificate): now in scope.
    cross = certificate(
        pki.self_signed.subject,
        pki.self_signed.key.public_key(),
        issuer=pki.root.subject,
        signing_key=pki.root.key,
        ca=True,
    )
    registered.append(registration("cross", cross))
    # The cross-certificate is issued by the root; the self-signed certificate verifies under the key the
    # cross-certificate certifies, so it is reached one step further: the fixed point, to any depth.
    assert summary(scope_of(pki, registered)) == [
        (ca_id("root"), "named", None),
        (ca_id("cross"), "intermediate", ca_id("root")),
        (ca_id("self-signed"), "intermediate", ca_id("cross")),
    ]


def test_a_ca_registered_twice_is_in_scope_under_both_ids_and_the_loop_ends(pki: Pki) -> None:
    registered = [
        registration("root", pki.root),
        registration("root-again", pki.root),
        registration("intermediate", pki.intermediate),
        registration("intermediate-again", pki.intermediate),
    ]
    scope = scope_of(pki, registered)
    named = sorted([ca_id("root"), ca_id("root-again")])
    assert [ca.caCertificateId for ca in scope if ca.relation == "named"] == named
    intermediates = [ca for ca in scope if ca.relation == "intermediate"]
    assert sorted(ca.caCertificateId for ca in intermediates) == sorted(
        [ca_id("intermediate"), ca_id("intermediate-again")]
    )
    assert {ca.issuedBy for ca in intermediates} == {named[0]}
    assert len(scope) == 4


def test_cas_that_certify_each_other_end_the_loop(pki: Pki) -> None:
    # root's key certifies the other CA, and the other CA's key certifies the root's key: a cycle.
    other_by_root = certificate(
        pki.other.subject,
        pki.other.key.public_key(),
        issuer=pki.root.subject,
        signing_key=pki.root.key,
        ca=True,
    )
    root_by_other = certificate(
        pki.root.subject,
        pki.root.key.public_key(),
        issuer=pki.other.subject,
        signing_key=pki.other.key,
        ca=True,
    )
    registered = [
        registration("root", pki.root),
        registration("other-by-root", other_by_root),
        registration("root-by-other", root_by_other),
        registration("other", pki.other),
    ]
    scope = scope_of(pki, registered)
    ids = [ca.caCertificateId for ca in scope]
    assert len(ids) == len(set(ids)) == 4  # every one once, the loop ended
    by_id = {ca.caCertificateId: ca for ca in scope}
    assert by_id[ca_id("other-by-root")].issuedBy == ca_id("root")
    # The other CA's own self-signed certificate carries the key that the root certified.
    assert by_id[ca_id("other")].issuedBy == ca_id("other-by-root")
    assert by_id[ca_id("root-by-other")].issuedBy in (ca_id("other-by-root"), ca_id("other"))


def test_a_duplicate_listing_entry_counts_once(pki: Pki) -> None:
    registered = [registration("root", pki.root), registration("intermediate", pki.intermediate)] * 2
    assert len(scope_of(pki, registered)) == 2


def test_an_unreadable_registered_pem_is_not_in_scope(pki: Pki) -> None:
    broken = RegisteredCa(caCertificateId=ca_id("broken"), status="ACTIVE", certificatePem="not a pem")
    assert len(scope_of(pki, [registration("root", pki.root), broken])) == 1


def test_a_named_pem_registered_nowhere_is_named_by_its_fingerprint(pki: Pki) -> None:
    registered = [registration("intermediate", pki.intermediate), registration("other", pki.other)]
    named = resolve_named(ca_certificate_id=None, pem_certificate=pki.root.cert, registered=registered)
    assert named.registered_ids == ()
    scope = cas_in_scope(named, registered)
    fingerprint = sha256_fingerprint(pki.root.cert)
    assert summary(scope) == [
        (fingerprint, "named", None),
        (ca_id("intermediate"), "intermediate", fingerprint),
    ]
    assert scope[0].registered is False and scope[0].status == ""
    assert scope[0].certificatePem == pem(pki.root.cert)


def test_a_named_pem_registered_here_is_found_by_der(pki: Pki) -> None:
    registered = [registration("root", pki.root), registration("intermediate", pki.intermediate)]
    assert registrations_of(pki.root.cert, registered) == (ca_id("root"),)
    named = resolve_named(ca_certificate_id=None, pem_certificate=pki.root.cert, registered=registered)
    assert named.registered_ids == (ca_id("root"),)


def test_id_and_pem_must_name_the_same_certificate(pki: Pki) -> None:
    registered = [registration("root", pki.root), registration("other", pki.other)]
    named = resolve_named(
        ca_certificate_id=ca_id("root"), pem_certificate=pki.root.cert, registered=registered
    )
    assert named.primary_id == ca_id("root")
    with pytest.raises(InvalidInput) as raised:
        resolve_named(ca_certificate_id=ca_id("other"), pem_certificate=pki.root.cert, registered=registered)
    assert raised.value.field == "caCertificatePem"
    with pytest.raises(InvalidInput) as raised:
        resolve_named(
            ca_certificate_id=ca_id("nowhere"), pem_certificate=pki.root.cert, registered=registered
        )
    assert raised.value.field == "caCertificateId"
    # An unregistered PEM with its own fingerprint as the id (what NormalizeInput may send) is fine.
    unregistered = resolve_named(
        ca_certificate_id=sha256_fingerprint(pki.intermediate.cert),
        pem_certificate=pki.intermediate.cert,
        registered=registered,
    )
    assert unregistered.registered_ids == ()


def test_in_a_region_where_the_pem_is_registered_nowhere_an_id_from_elsewhere_is_accepted(pki: Pki) -> None:
    """A run of several Regions names the CA by the id of its registration in one Region, with its PEM;
    in a Region where neither is registered the PEM defines the CA (its ABSENT Region, not InvalidInput)."""
    registered = [registration("other", pki.other)]
    named = resolve_named(
        ca_certificate_id=ca_id("root-in-another-region"),
        pem_certificate=pki.root.cert,
        registered=registered,
    )
    assert named.registered_ids == ()
    # An id that is another CA's registration here is still refused.
    with pytest.raises(InvalidInput) as raised:
        resolve_named(ca_certificate_id=ca_id("other"), pem_certificate=pki.root.cert, registered=registered)
    assert raised.value.field == "caCertificatePem"


def test_an_unknown_id_is_ca_not_found(pki: Pki) -> None:
    with pytest.raises(CaNotFound):
        resolve_named(ca_certificate_id=ca_id("nowhere"), pem_certificate=None, registered=[])


def test_unlinked_certificates_are_classified_by_signature(pki: Pki) -> None:
    registered = [
        registration(n, a)
        for n, a in [
            ("root", pki.root),
            ("intermediate", pki.intermediate),
            ("level3", pki.level3),
            ("other", pki.other),
        ]
    ]
    scope = scope_of(pki, registered)
    issuers = ScopeIssuers(scope)
    assert issuers.issuer_of(pem(pki.root.issue("d1"))) == ca_id("root")
    assert issuers.issuer_of(pem(pki.intermediate.issue("d2"))) == ca_id("intermediate")
    assert issuers.issuer_of(pem(pki.level3.issue("d3"))) == ca_id("level3")
    assert issuers.issuer_of(pem(pki.other_leaf)) is None
    assert issuers.issuer_of(pem(pki.spoof_leaf)) is None
    assert issuers.issuer_of("garbage") is None


def test_a_described_certificate_linked_to_a_registered_ca_follows_that_ca(pki: Pki) -> None:
    scope = scope_of(pki, [registration("root", pki.root), registration("other", pki.other)])
    issuers = ScopeIssuers(scope)
    registered = {ca_id("root"): True, ca_id("other"): False}
    leaf = pem(pki.root.issue("d"))
    assert unlinked_issuer(
        issuers, certificate_pem=leaf, ca_certificate_id=ca_id("root"), registered_in_scope=registered
    ) == ca_id("root")
    assert (
        unlinked_issuer(
            issuers,
            certificate_pem=pem(pki.other_leaf),
            ca_certificate_id=ca_id("other"),
            registered_in_scope=registered,
        )
        is None
    )
    # caCertificateId of a CA no longer registered: decided by signature.
    assert unlinked_issuer(
        issuers, certificate_pem=leaf, ca_certificate_id=ca_id("deleted"), registered_in_scope=registered
    ) == ca_id("root")
