"""discover_scope.handler: the typed input, the wiring of boto3-shaped clients, the output state."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from discover_scope import handler as task
from revocation_common.errors import InvalidInput
from revocation_common.settings import task_settings

from tests.support.x509 import Pki, pem

pytestmark = pytest.mark.unit

BUCKET = "reports"


def ident(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


class StubIot:
    """boto3 "iot" client shape over a root CA with one certificate and one CA-less certificate."""

    def __init__(self, pki: Pki) -> None:
        self.root = ident("root")
        self.ca_pem = pem(pki.root.cert)
        self.devices = {
            ident("listed"): (pem(pki.root.issue("listed")), self.root),
            ident("ca-less"): (pem(pki.root.issue("ca-less")), None),
            ident("decoy"): (pem(pki.spoof_leaf), None),
        }

    def list_ca_certificates(self, **_: Any) -> dict[str, Any]:
        return {"certificates": [{"certificateId": self.root, "status": "ACTIVE"}]}

    def describe_ca_certificate(self, certificateId: str) -> dict[str, Any]:
        return {
            "certificateDescription": {
                "certificateId": certificateId,
                "status": "ACTIVE",
                "autoRegistrationStatus": "ENABLE",
                "certificatePem": self.ca_pem,
            }
        }

    def list_certificates_by_ca(self, caCertificateId: str, **_: Any) -> dict[str, Any]:
        ids = [i for i, (_, ca) in self.devices.items() if ca == caCertificateId]
        return {"certificates": [{"certificateId": i, "status": "ACTIVE"} for i in ids]}

    def list_certificates(self, **_: Any) -> dict[str, Any]:
        return {"certificates": [{"certificateId": i, "status": "ACTIVE"} for i in self.devices]}

    def describe_certificate(self, certificateId: str) -> dict[str, Any]:
        certificate_pem, ca = self.devices[certificateId]
        description = {"certificateId": certificateId, "status": "ACTIVE", "certificatePem": certificate_pem}
        return {"certificateDescription": {**description, **({"caCertificateId": ca} if ca else {})}}


class StubS3:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, **_: Any) -> None:
        self.objects[(Bucket, Key)] = Body

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": Key}}, "GetObject")
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}


class Context:
    function_name = "DiscoverScope"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:DiscoverScope"
    memory_limit_in_mb = 1024
    aws_request_id = "request-1"
    log_group_name = "/aws/lambda/DiscoverScope"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StubIot, StubS3]]:
    pki = Pki.build()
    iot, s3 = StubIot(pki), StubS3()
    monkeypatch.setattr(task, "aws_client", lambda service: {"iot": iot, "s3": s3}[service])
    for variable in (
        "LIST_CA_CERTIFICATES_TPS",
        "DESCRIBE_CA_CERTIFICATE_TPS",
        "LIST_CERTIFICATES_BY_CA_TPS",
        "LIST_CERTIFICATES_TPS",
        "DESCRIBE_CERTIFICATE_TPS",
    ):
        monkeypatch.setenv(variable, "1000")
    task_settings.cache_clear()
    yield iot, s3
    task_settings.cache_clear()


def event(
    request: dict[str, Any], discovery: dict[str, Any] | None = None, purpose: str = "revoke"
) -> dict[str, Any]:
    context = {
        "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:iot-ca-revocation:run-1",
        "executionName": "run-1",
        "reportBucket": BUCKET,
        "reportPrefix": "executions/run-1/",
        "maxConcurrency": 10,
    }
    document = {"request": request, "context": context, "purpose": purpose}
    if discovery is not None:
        document["discovery"] = discovery
    return document


def test_the_handler_loops_to_completion_with_only_counts_in_the_state(
    clients: tuple[StubIot, StubS3],
) -> None:
    iot, s3 = clients
    request = {"caCertificateId": iot.root, "dryRun": False, "targetStatus": "REVOKED", "source": "console"}
    state: dict[str, Any] | None = None
    for _ in range(5):
        state = task.handler(event(request, state), Context())
        assert len(json.dumps(state)) < 4096
        if state["complete"]:
            break
    assert state is not None and state["complete"]
    assert (state["certificateCount"], state["unlinkedScanned"], state["unlinkedInScope"]) == (2, 2, 1)
    manifest = json.loads(s3.objects[(BUCKET, "executions/run-1/manifest.json")])
    found = []
    for item in manifest:
        found.extend(json.loads(s3.objects[(BUCKET, item["pageKey"])]))
    assert {(e["certificateId"], e["foundBy"]) for e in found} == {
        (ident("listed"), iot.root),
        (ident("ca-less"), "issuer-scan"),
    }


def test_verification_rediscovers_under_its_own_prefix(clients: tuple[StubIot, StubS3]) -> None:
    iot, s3 = clients
    state = task.handler(event({"caCertificateId": iot.root}, purpose="verify"), Context())
    assert state["scopeKey"] == "executions/run-1/verify/scope/cas.json"
    assert all(key.startswith("executions/run-1/verify/") for _, key in s3.objects)


def test_a_bad_pem_fails_with_invalid_input(clients: tuple[StubIot, StubS3]) -> None:
    with pytest.raises(InvalidInput, match=r"^caCertificatePem: expected one PEM"):
        task.handler(event({"caCertificatePem": "garbage"}), Context())
