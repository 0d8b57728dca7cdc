"""The AWS status rules of the emulator's IoT backend: UpdateCertificate, transfers, CA state,
registration (RegisterCACertificate, RegisterCertificate, RegisterCertificateWithoutCA, just-in-time) and
the descriptions (DescribeCertificate, DescribeCACertificate); AWS IoT API reference pages of each."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.exceptions import JsonRESTError

from emulator.iot import auto_register_certificate, get_iot_backend
from tests.support.emulator_iot import (
    ACCOUNT_ID,
    REGION,
    error_code,
    http_status,
    register_ca,
    register_certs,
    status_of,
)


def describe_ca(iot: Any, ca: str) -> dict[str, Any]:
    return dict(iot.describe_ca_certificate(certificateId=ca)["certificateDescription"])


# ----------------------------------------------------------------------------------- UpdateCertificate
def test_update_certificate_validates_status_and_id(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    (cert,) = register_certs(iot, ca_pem, 1, "u")
    for bad in ("BOGUS", "PENDING_TRANSFER", "PENDING_ACTIVATION", "revoked"):
        with pytest.raises(ClientError) as raised:
            iot.update_certificate(certificateId=cert, newStatus=bad)
        assert error_code(raised.value) == "InvalidRequestException", bad
    assert status_of(iot, cert) == "ACTIVE"
    with pytest.raises(ClientError) as raised:
        iot.update_certificate(certificateId="0" * 64, newStatus="REVOKED")
    assert error_code(raised.value) == "ResourceNotFoundException"

    for status in ("INACTIVE", "ACTIVE", "REGISTER_INACTIVE", "INACTIVE"):
        iot.update_certificate(certificateId=cert, newStatus=status)
        assert status_of(iot, cert) == status


def test_revoked_is_final(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    (cert,) = register_certs(iot, ca_pem, 1, "r")
    iot.update_certificate(certificateId=cert, newStatus="REVOKED")
    for status in ("ACTIVE", "INACTIVE", "REGISTER_INACTIVE"):
        with pytest.raises(ClientError) as raised:
            iot.update_certificate(certificateId=cert, newStatus=status)
        assert error_code(raised.value) == "CertificateStateException"
        assert http_status(raised.value) == 406
    # UpdateCertificate is documented as idempotent: REVOKED again succeeds and changes nothing.
    iot.update_certificate(certificateId=cert, newStatus="REVOKED")
    assert status_of(iot, cert) == "REVOKED"


def test_pending_activation_can_be_revoked(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main", auto=True)
    (jitr,) = register_certs(iot, ca_pem, 1, "j", status="PENDING_ACTIVATION")
    iot.update_certificate(certificateId=jitr, newStatus="REVOKED")
    assert status_of(iot, jitr) == "REVOKED"


# --------------------------------------------------------------------------------- TransferCertificate
def test_pending_transfer_refuses_updates_until_cancelled(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    (cert,) = register_certs(iot, ca_pem, 1, "t")
    iot.update_certificate(certificateId=cert, newStatus="INACTIVE")
    arn = iot.transfer_certificate(certificateId=cert, targetAwsAccount="111122223333")[
        "transferredCertificateArn"
    ]
    assert arn.endswith(f":cert/{cert}")
    assert status_of(iot, cert) == "PENDING_TRANSFER"
    for status in ("REVOKED", "INACTIVE", "ACTIVE"):
        with pytest.raises(ClientError) as raised:
            iot.update_certificate(certificateId=cert, newStatus=status)
        assert error_code(raised.value) == "CertificateStateException"
    assert status_of(iot, cert) == "PENDING_TRANSFER"

    iot.cancel_certificate_transfer(certificateId=cert)
    assert status_of(iot, cert) == "INACTIVE"
    iot.update_certificate(certificateId=cert, newStatus="REVOKED")
    assert status_of(iot, cert) == "REVOKED"


def test_transfer_rules(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    active, with_policy, revoked, ok = register_certs(iot, ca_pem, 4, "tr")
    target = "111122223333"

    def transfer_error(cert: str, account: str = target) -> str:
        with pytest.raises(ClientError) as raised:
            iot.transfer_certificate(certificateId=cert, targetAwsAccount=account)
        return error_code(raised.value)

    assert transfer_error(active) == "CertificateStateException"  # must not be ACTIVE
    assert status_of(iot, active) == "ACTIVE"

    iot.create_policy(
        policyName="device", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )
    arn = iot.describe_certificate(certificateId=with_policy)["certificateDescription"]["certificateArn"]
    iot.attach_policy(policyName="device", target=arn)
    iot.update_certificate(certificateId=with_policy, newStatus="INACTIVE")
    assert transfer_error(with_policy) == "TransferConflictException"  # policies still attached
    assert status_of(iot, with_policy) == "INACTIVE"
    iot.detach_policy(policyName="device", target=arn)
    iot.transfer_certificate(certificateId=with_policy, targetAwsAccount=target)
    assert status_of(iot, with_policy) == "PENDING_TRANSFER"
    assert transfer_error(with_policy) == "CertificateStateException"  # already pending

    iot.update_certificate(certificateId=revoked, newStatus="REVOKED")
    assert transfer_error(revoked) == "CertificateStateException"  # REVOKED is final
    assert transfer_error("1" * 64) == "ResourceNotFoundException"
    iot.update_certificate(certificateId=ok, newStatus="INACTIVE")
    assert transfer_error(ok, "12345678901x") == "InvalidRequestException"
    assert transfer_error(ok, ACCOUNT_ID) == "InvalidRequestException"  # its own account
    iot.transfer_certificate(certificateId=ok, targetAwsAccount=target, transferMessage="to the new owner")
    description = iot.describe_certificate(certificateId=ok)["certificateDescription"]
    assert description["status"] == "PENDING_TRANSFER"
    assert description["transferData"]["transferMessage"] == "to the new owner"
    iot.reject_certificate_transfer(certificateId=ok, rejectReason="not ours")
    assert status_of(iot, ok) == "INACTIVE"


# ------------------------------------------------------------------------------------------- CA state
def test_ca_status_and_auto_registration_round_trip(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main", auto=True)
    plain_id, _ = register_ca(iot, "plain")

    first = describe_ca(iot, ca_id)
    assert (first["status"], first["autoRegistrationStatus"]) == ("ACTIVE", "ENABLE")
    assert first["certificateId"] == ca_id and first["ownedBy"] == ACCOUNT_ID
    assert first["certificatePem"] == ca_pem
    assert first["certificateArn"].endswith(f":cacert/{ca_id}") and "creationDate" in first
    assert describe_ca(iot, plain_id)["autoRegistrationStatus"] == "DISABLE"

    iot.update_ca_certificate(certificateId=ca_id, newStatus="INACTIVE", newAutoRegistrationStatus="DISABLE")
    after = describe_ca(iot, ca_id)
    assert (after["status"], after["autoRegistrationStatus"]) == ("INACTIVE", "DISABLE")
    iot.update_ca_certificate(certificateId=plain_id, newAutoRegistrationStatus="ENABLE")
    plain = describe_ca(iot, plain_id)
    assert (plain["status"], plain["autoRegistrationStatus"]) == ("ACTIVE", "ENABLE")

    for kwargs in (
        {"newStatus": "REVOKED"},
        {"newStatus": "PENDING_TRANSFER"},
        {"newAutoRegistrationStatus": "ON"},
    ):
        with pytest.raises(ClientError) as raised:
            iot.update_ca_certificate(certificateId=ca_id, **kwargs)
        assert error_code(raised.value) == "InvalidRequestException", kwargs
    assert describe_ca(iot, ca_id)["status"] == "INACTIVE"
    for call in (iot.describe_ca_certificate, iot.update_ca_certificate):
        with pytest.raises(ClientError) as raised:
            call(certificateId="e" * 64)
        assert error_code(raised.value) == "ResourceNotFoundException"


def test_registering_a_registered_ca_again_is_resource_already_exists(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main", auto=True)
    iot.update_ca_certificate(certificateId=ca_id, newStatus="INACTIVE")
    with pytest.raises(ClientError) as raised:
        iot.register_ca_certificate(caCertificate=ca_pem, setAsActive=True, allowAutoRegistration=False)
    assert error_code(raised.value) == "ResourceAlreadyExistsException"
    assert http_status(raised.value) == 409
    after = describe_ca(iot, ca_id)  # nothing changed
    assert (after["status"], after["autoRegistrationStatus"]) == ("INACTIVE", "ENABLE")
    assert [c["certificateId"] for c in iot.list_ca_certificates()["certificates"]] == [ca_id]


# ------------------------------------------------------------------------------------------ certificates
def test_describe_certificate_has_pem_and_ca_id_only_when_registered_with_a_ca(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    (linked,) = register_certs(iot, ca_pem, 1, "linked")
    (unlinked,) = register_certs(iot, None, 1, "unlinked")

    described = iot.describe_certificate(certificateId=linked)["certificateDescription"]
    assert described["certificatePem"] == "-----CERT linked-0-----"
    assert described["caCertificateId"] == ca_id and described["certificateMode"] == "DEFAULT"
    described = iot.describe_certificate(certificateId=unlinked)["certificateDescription"]
    assert described["certificatePem"] == "-----CERT unlinked-0-----"
    assert "caCertificateId" not in described and described["certificateMode"] == "SNI_ONLY"
    with pytest.raises(ClientError) as raised:
        iot.describe_certificate(certificateId="2" * 64)
    assert error_code(raised.value) == "ResourceNotFoundException"


def test_register_certificate_without_ca_rules(iot: Any) -> None:
    resp = iot.register_certificate_without_ca(certificatePem="-----CERT plain-----")
    cert_id = resp["certificateId"]
    assert resp["certificateArn"] == f"arn:aws:iot:{REGION}:{ACCOUNT_ID}:cert/{cert_id}"
    assert status_of(iot, cert_id) == "INACTIVE"  # no status given: not usable until activated
    (revoked,) = register_certs(iot, None, 1, "revoked", status="REVOKED")
    assert status_of(iot, revoked) == "REVOKED"

    with pytest.raises(ClientError) as raised:
        iot.register_certificate_without_ca(certificatePem="-----CERT plain-----", status="ACTIVE")
    assert error_code(raised.value) == "ResourceAlreadyExistsException"
    assert status_of(iot, cert_id) == "INACTIVE"
    with pytest.raises(ClientError) as raised:
        iot.register_certificate_without_ca(certificatePem="-----CERT other-----", status="SOMETIMES")
    assert error_code(raised.value) == "InvalidRequestException"
    assert len(iot.list_certificates()["certificates"]) == 2  # nothing registered by the refusals


def test_register_certificate_defaults_to_inactive(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    resp = iot.register_certificate(certificatePem="-----CERT quiet-----", caCertificatePem=ca_pem)
    assert status_of(iot, resp["certificateId"]) == "INACTIVE"
    listed = iot.list_certificates_by_ca(caCertificateId=ca_id)["certificates"]
    assert [c["certificateId"] for c in listed] == [resp["certificateId"]]


def test_just_in_time_registration_needs_an_active_ca_with_auto_registration(iot: Any) -> None:
    auto_id, _ = register_ca(iot, "auto", auto=True)
    plain_id, _ = register_ca(iot, "plain")
    backend = get_iot_backend(ACCOUNT_ID, REGION)

    cert = auto_register_certificate(backend, "-----CERT jitr-----", auto_id)
    assert status_of(iot, cert.certificate_id) == "PENDING_ACTIVATION"
    assert iot.list_certificates_by_ca(caCertificateId=auto_id)["certificates"][0]["status"] == (
        "PENDING_ACTIVATION"
    )
    for ca_id, code in ((plain_id, "CertificateStateException"), ("9" * 64, "ResourceNotFoundException")):
        with pytest.raises(JsonRESTError) as raised:
            auto_register_certificate(backend, "-----CERT refused-----", ca_id)
        assert raised.value.error_type == code
    iot.update_ca_certificate(certificateId=auto_id, newStatus="INACTIVE")
    with pytest.raises(JsonRESTError) as raised:
        auto_register_certificate(backend, "-----CERT late-----", auto_id)
    assert raised.value.error_type == "CertificateStateException"


def test_other_iot_operations_still_work(iot: Any) -> None:
    iot.create_thing(thingName="device-1")
    keys = iot.create_keys_and_certificate(setAsActive=True)
    iot.attach_thing_principal(thingName="device-1", principal=keys["certificateArn"])
    assert iot.list_thing_principals(thingName="device-1")["principals"] == [keys["certificateArn"]]
    assert [c["certificateId"] for c in iot.list_certificates()["certificates"]] == [keys["certificateId"]]
    iot.detach_thing_principal(thingName="device-1", principal=keys["certificateArn"])
    iot.update_certificate(certificateId=keys["certificateId"], newStatus="INACTIVE")
    iot.delete_certificate(certificateId=keys["certificateId"])
    assert iot.list_certificates()["certificates"] == []
    assert [t["thingName"] for t in iot.list_things()["things"]] == ["device-1"]
