"""NormalizeInput's caCertificatePem cases and the S3 404/403 rule of VerifyRevocation's reads: unit tier,
no moto (real certificates from tests/support/x509.py, a boto3-shaped S3 stub)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from normalize_input.request import request_from_console
from revocation_common.aws.s3_store import S3Store
from revocation_common.certificates import sha256_fingerprint
from revocation_common.errors import DeploymentError, InvalidInput
from revocation_common.ports import ObjectMissing
from revocation_common.scope_models import ScopeRequest
from verify_revocation.report import merge_outcomes

from tests.support.fakes import MemoryStore
from tests.support.x509 import pem, private_key_pem, self_signed_ca

pytestmark = pytest.mark.unit

CA = self_signed_ca("request test CA")
CA_PEM = pem(CA.cert)
OTHER_ID = "ab" * 32


def console(raw: dict[str, Any]) -> Any:
    return request_from_console(raw, default_target_status="REVOKED")


def test_a_pem_only_request_is_named_by_pem_with_the_fingerprint_as_its_id():
    request = console({"caCertificatePem": CA_PEM, "scanUnlinked": False})
    assert request.caCertificateId == sha256_fingerprint(CA.cert)
    assert request.caNamedBy == "caCertificatePem" and request.caCertificatePem == CA_PEM
    assert request.scanUnlinked is False
    # DiscoverScope then looks up no registration by that id: it finds the CA by its certificate.
    assert ScopeRequest.model_validate(request.model_dump()).named_ca_certificate_id is None


def test_both_id_and_pem_keep_the_id_for_discovery_to_check_against_the_pem():
    request = console({"caCertificateId": OTHER_ID, "caCertificatePem": CA_PEM})
    assert (request.caCertificateId, request.caNamedBy) == (OTHER_ID, "caCertificateId")
    assert ScopeRequest.model_validate(request.model_dump()).named_ca_certificate_id == OTHER_ID


@pytest.mark.parametrize(
    "value",
    [
        "not a certificate",
        CA_PEM + CA_PEM,
        pem(CA.issue("device")),
        private_key_pem(CA.key),
        CA_PEM + private_key_pem(CA.key),
        None,
        42,
    ],
    ids=["garbage", "two-certificates", "leaf", "private-key", "certificate-and-key", "null", "number"],
)
def test_a_bad_pem_is_invalid_input_naming_the_field(value):
    with pytest.raises(InvalidInput) as raised:
        console({"caCertificatePem": value})
    assert raised.value.field == "caCertificatePem"
    assert "PRIVATE KEY" not in str(raised.value) and "MII" not in str(raised.value)


def test_neither_id_nor_pem_is_invalid_input():
    with pytest.raises(InvalidInput) as raised:
        console({"dryRun": True})
    assert raised.value.field == "caCertificateId" and "caCertificatePem" in str(raised.value)


def test_scan_unlinked_must_be_a_boolean():
    with pytest.raises(InvalidInput) as raised:
        console({"caCertificateId": OTHER_ID, "scanUnlinked": "no"})
    assert raised.value.field == "scanUnlinked"


class RefusingS3:
    """boto3 "s3" client shape whose GetObject answers one error code."""

    def __init__(self, code: str, status: int) -> None:
        self.code, self.status = code, status

    def get_object(self, **_: Any) -> Any:
        raise ClientError(
            {
                "Error": {"Code": self.code, "Message": "x"},
                "ResponseMetadata": {"HTTPStatusCode": self.status},
            },
            "GetObject",
        )


def test_s3_404_is_a_missing_object_and_403_a_deployment_error():
    with pytest.raises(ObjectMissing):
        S3Store(RefusingS3("NoSuchKey", 404), "b").get_json("executions/x/outcomes/000000.json")
    with pytest.raises(DeploymentError) as raised:
        S3Store(RefusingS3("AccessDenied", 403), "b").get_json("executions/x/outcomes/000000.json")
    assert "s3:ListBucket" in str(raised.value) and "not a missing object" in str(raised.value)


def test_a_page_without_outcomes_is_reported_missing_with_its_failure_record():
    from revocation_common.page_failures import PageFailure

    store = MemoryStore()
    store.put_json("p/pages/000000.json", [{"certificateId": "c1", "status": "ACTIVE", "foundBy": OTHER_ID}])
    failure = PageFailure(pageNumber=0, pageKey="p/pages/000000.json", error="States.Timeout", cause="late")
    merged = merge_outcomes(store, "p/", 1, "", current={"c1": "ACTIVE"}, page_failures=[failure])
    assert merged.missing_pages == 1 and merged.counts.failed == 1
    assert merged.failed[0].reason == "page 0 was not processed: States.Timeout: late"
    assert merged.per_ca[OTHER_ID].failed == 1


class DenyingStore(MemoryStore):
    def get_json(self, key: str) -> Any:
        if "/outcomes/" in key:
            raise DeploymentError(f"GetObject s3://b/{key}: AccessDenied")
        return super().get_json(key)


def test_an_outcomes_object_refused_with_403_is_never_counted_as_missing():
    store = DenyingStore()
    store.put_json("p/pages/000000.json", [{"certificateId": "c1", "status": "ACTIVE"}])
    with pytest.raises(DeploymentError):
        merge_outcomes(store, "p/", 1, "", current={"c1": "REVOKED"})
