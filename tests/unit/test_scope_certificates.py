"""revocation_common.certificates: one PEM CA certificate from a request, "issued by", identity."""

from __future__ import annotations

import hashlib

import pytest
from revocation_common.certificates import (
    CA_EXPECTED,
    PEM_EXPECTED,
    PEM_MAX_CHARACTERS,
    issued_by,
    load_certificate_pem,
    parse_ca_certificate_pem,
    same_certificate,
    sha256_fingerprint,
)
from revocation_common.errors import InvalidInput

from tests.support.x509 import Pki, certificate, csr_pem, der, name, new_key, pem, private_key_pem

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki.build()


def test_one_pem_ca_certificate_is_parsed(pki: Pki) -> None:
    parsed = parse_ca_certificate_pem(pem(pki.root.cert))
    assert same_certificate(parsed, pki.root.cert)


def test_explanatory_text_around_the_block_is_accepted(pki: Pki) -> None:
    text = "Subject: Compromised Root CA\n" + pem(pki.intermediate.cert) + "\n"
    assert same_certificate(parse_ca_certificate_pem(text), pki.intermediate.cert)


def bad_values(pki: Pki) -> dict[str, object]:
    return {
        "garbage": "this is not a certificate",
        "empty": "",
        "blank": "   \n",
        "two certificates": pem(pki.root.cert) + pem(pki.intermediate.cert),
        "private key": private_key_pem(pki.root.key),
        "certificate and its key": pem(pki.root.cert) + private_key_pem(pki.root.key),
        "csr": csr_pem(pki.root.key),
        "der bytes": der(pki.root.cert),
        "der as text": der(pki.root.cert).decode("latin-1"),
        "truncated block": pem(pki.root.cert)[:200] + "\n-----END CERTIFICATE-----\n",
        "number": 42,
        "null": None,
        "megabytes": "-----BEGIN CERTIFICATE-----\n"
        + "A" * (3 * PEM_MAX_CHARACTERS)
        + "\n-----END CERTIFICATE-----",
    }


@pytest.mark.parametrize(
    "case",
    [
        "garbage",
        "empty",
        "blank",
        "two certificates",
        "private key",
        "certificate and its key",
        "csr",
        "der bytes",
        "der as text",
        "truncated block",
        "number",
        "null",
        "megabytes",
    ],
)
def test_not_one_pem_certificate_is_invalid_input_naming_the_field(pki: Pki, case: str) -> None:
    value = bad_values(pki)[case]
    with pytest.raises(InvalidInput) as raised:
        parse_ca_certificate_pem(value, "detail.caCertificatePem")
    assert raised.value.field == "detail.caCertificatePem"
    assert raised.value.expected == PEM_EXPECTED
    message = str(raised.value)
    assert message.startswith("detail.caCertificatePem: expected one PEM-encoded X.509 certificate")
    assert len(message) < 400  # never echoes the input
    assert "AAAA" not in message and "MII" not in message


def test_a_leaf_certificate_is_not_a_ca(pki: Pki) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_ca_certificate_pem(pem(pki.root.issue("device-1")))
    assert raised.value.field == "caCertificatePem"
    assert raised.value.expected == CA_EXPECTED


def test_a_certificate_without_basic_constraints_is_not_a_ca(pki: Pki) -> None:
    no_extension = pki.root.issue("no basicConstraints", ca=None)
    with pytest.raises(InvalidInput) as raised:
        parse_ca_certificate_pem(pem(no_extension))
    assert raised.value.expected == CA_EXPECTED


def test_issued_by_is_decided_by_the_signature(pki: Pki) -> None:
    assert issued_by(pki.intermediate.cert, pki.root.cert)
    assert issued_by(pki.level3.cert, pki.intermediate.cert)
    assert issued_by(pki.root.cert, pki.root.cert)  # self-signed
    assert not issued_by(pki.root.cert, pki.intermediate.cert)
    assert not issued_by(pki.level3.cert, pki.root.cert)  # a grandchild is not directly issued
    assert not issued_by(pki.other_leaf, pki.root.cert)


def test_a_matching_issuer_name_signed_by_another_key_is_not_issued_by(pki: Pki) -> None:
    assert pki.spoof_leaf.issuer == pki.root.cert.subject
    assert pki.spoof_ca.issuer == pki.root.cert.subject
    assert not issued_by(pki.spoof_leaf, pki.root.cert)
    assert not issued_by(pki.spoof_ca, pki.root.cert)


def test_the_right_key_under_another_issuer_name_is_not_issued_by(pki: Pki) -> None:
    renamed = certificate(
        name("device"),
        new_key().public_key(),
        issuer=name("Someone Else"),
        signing_key=pki.root.key,
        ca=False,
    )
    assert not issued_by(renamed, pki.root.cert)


def test_fingerprint_is_the_sha256_of_the_der(pki: Pki) -> None:
    assert sha256_fingerprint(pki.root.cert) == hashlib.sha256(der(pki.root.cert)).hexdigest()
    assert len(sha256_fingerprint(pki.root.cert)) == 64


def test_same_certificate_compares_the_der(pki: Pki) -> None:
    reloaded = load_certificate_pem(pem(pki.root.cert))
    assert reloaded is not None and same_certificate(reloaded, pki.root.cert)
    # Same subject and same key, but another certificate (a re-issue): not the same.
    reissued = certificate(
        pki.root.subject,
        pki.root.key.public_key(),
        issuer=pki.root.subject,
        signing_key=pki.root.key,
        ca=True,
    )
    assert not same_certificate(reissued, pki.root.cert)


def test_load_certificate_pem_is_none_for_what_cannot_be_read() -> None:
    assert load_certificate_pem("") is None
    assert load_certificate_pem("garbage") is None
    assert load_certificate_pem(None) is None
