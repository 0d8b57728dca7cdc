"""The emulator's AWS IoT layer: pagination, state rules, transfers, CA auto-registration, quotas, faults."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker
from moto import mock_aws
from moto.iot.models import IoTBackend
from moto.iot.responses import IoTResponse
from moto.server import ThreadedMotoServer

from emulator.iot import IndexedCertificates, IotLayer, get_iot_backend, install_iot_layer
from tests.emulator.conftest import REGION

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@pytest.fixture
def iot(layer: IotLayer) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("iot", region_name=REGION, config=NO_RETRY)


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def register_ca(iot: Any, name: str, *, auto: bool = False) -> tuple[str, str]:
    pem = f"-----CA {name}-----"
    ca = iot.register_ca_certificate(caCertificate=pem, setAsActive=True, allowAutoRegistration=auto)
    return str(ca["certificateId"]), pem


def register_certs(
    iot: Any, ca_pem: str | None, count: int, prefix: str, status: str = "ACTIVE"
) -> list[str]:
    ids = []
    for i in range(count):
        pem = f"-----CERT {prefix}-{i}-----"
        if ca_pem is None:
            resp = iot.register_certificate_without_ca(certificatePem=pem, status=status)
        else:
            resp = iot.register_certificate(certificatePem=pem, caCertificatePem=ca_pem, status=status)
        ids.append(resp["certificateId"])
    return ids


def list_all(iot: Any, ca_id: str, **kwargs: Any) -> tuple[list[dict[str, Any]], list[int]]:
    items: list[dict[str, Any]] = []
    sizes: list[int] = []
    marker = None
    while True:
        args = {"caCertificateId": ca_id, **kwargs}
        if marker is not None:
            args["marker"] = marker
        page = iot.list_certificates_by_ca(**args)
        items.extend(page["certificates"])
        sizes.append(len(page["certificates"]))
        marker = page.get("nextMarker")
        if marker is None:
            return items, sizes


def status_of(iot: Any, cert_id: str) -> str:
    return str(iot.describe_certificate(certificateId=cert_id)["certificateDescription"]["status"])


# ---------------------------------------------------------------------------------------------- listing
@pytest.mark.parametrize(("count", "expected_sizes"), [(251, [250, 1]), (501, [250, 250, 1])])
def test_pagination_lists_every_certificate_once_in_creation_order(
    iot: Any, count: int, expected_sizes: list[int]
) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    _, other_pem = register_ca(iot, "other")
    ids = register_certs(iot, ca_pem, count // 2, "a")
    decoys = register_certs(iot, other_pem, 3, "other") + register_certs(iot, None, 2, "noca")
    ids += register_certs(iot, ca_pem, count - count // 2, "b")

    items, sizes = list_all(iot, ca_id, pageSize=250)

    assert sizes == expected_sizes
    assert [c["certificateId"] for c in items] == ids  # every id once, creation order, no decoy
    assert not set(decoys) & {c["certificateId"] for c in items}
    first = items[0]
    assert set(first) == {"certificateArn", "certificateId", "status", "certificateMode", "creationDate"}
    assert first["certificateMode"] == "DEFAULT" and first["status"] == "ACTIVE"
    assert first["certificateArn"].endswith(f":cert/{first['certificateId']}")


def test_default_page_size_is_25_and_descending_order(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    ids = register_certs(iot, ca_pem, 30, "c")

    first = iot.list_certificates_by_ca(caCertificateId=ca_id)
    assert len(first["certificates"]) == 25 and first["nextMarker"]

    items, sizes = list_all(iot, ca_id, pageSize=7, ascendingOrder=False)
    assert sizes == [7, 7, 7, 7, 2]
    assert [c["certificateId"] for c in items] == ids[::-1]


def test_other_ca_lists_only_its_own_and_unknown_ca_lists_nothing(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    other_id, other_pem = register_ca(iot, "other")
    register_certs(iot, ca_pem, 5, "main")
    other_ids = register_certs(iot, other_pem, 3, "other")

    assert [c["certificateId"] for c in list_all(iot, other_id)[0]] == other_ids
    page = iot.list_certificates_by_ca(caCertificateId="f" * 64)
    assert page["certificates"] == [] and "nextMarker" not in page


def test_invalid_page_size_is_invalid_request(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    register_certs(iot, ca_pem, 2, "p")
    unvalidated = boto3.client("iot", region_name=REGION, config=Config(parameter_validation=False))
    for client, size in ((iot, 251), (unvalidated, 0), (unvalidated, -3), (iot, 1000)):
        with pytest.raises(ClientError) as raised:
            client.list_certificates_by_ca(caCertificateId=ca_id, pageSize=size)
        assert error_code(raised.value) == "InvalidRequestException"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(iot.list_certificates_by_ca(caCertificateId=ca_id, pageSize=1)["certificates"]) == 1


def test_invalid_marker_is_invalid_request(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    other_id, other_pem = register_ca(iot, "other")
    register_certs(iot, ca_pem, 3, "m")
    register_certs(iot, other_pem, 3, "o")
    other_marker = iot.list_certificates_by_ca(caCertificateId=other_id, pageSize=1)["nextMarker"]
    bad_markers = [
        "not base64!",
        base64.b64encode(b"nonsense").decode(),
        other_marker,  # issued for another CA
        base64.b64encode(f"v1:{ca_id}:a:-1".encode()).decode(),
    ]
    for marker in bad_markers:
        with pytest.raises(ClientError) as raised:
            iot.list_certificates_by_ca(caCertificateId=ca_id, marker=marker)
        assert error_code(raised.value) == "InvalidRequestException", marker


def test_marker_survives_deletion_between_pages(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    ids = register_certs(iot, ca_pem, 10, "d")
    page = iot.list_certificates_by_ca(caCertificateId=ca_id, pageSize=4)
    assert [c["certificateId"] for c in page["certificates"]] == ids[:4]
    for victim in (ids[3], ids[5]):  # the marker's own certificate and one not listed yet
        iot.update_certificate(certificateId=victim, newStatus="INACTIVE")
        iot.delete_certificate(certificateId=victim)

    rest, _ = list_all(iot, ca_id, pageSize=4, marker=page["nextMarker"])

    assert [c["certificateId"] for c in rest] == ids[4:5] + ids[6:]


def test_backend_keeps_an_index_and_constant_time_lookup(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    ids = register_certs(iot, ca_pem, 3, "x")
    backend = get_iot_backend("123456789012", REGION)
    assert isinstance(backend.certificates, IndexedCertificates)
    assert backend.describe_certificate(ids[1]).certificate_id == ids[1]


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
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 406
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
    assert transfer_error(ok, "123456789012") == "InvalidRequestException"  # its own account
    iot.transfer_certificate(certificateId=ok, targetAwsAccount=target, transferMessage="to the new owner")
    description = iot.describe_certificate(certificateId=ok)["certificateDescription"]
    assert description["status"] == "PENDING_TRANSFER"
    assert description["transferData"]["transferMessage"] == "to the new owner"
    iot.reject_certificate_transfer(certificateId=ok, rejectReason="not ours")
    assert status_of(iot, ok) == "INACTIVE"


# ------------------------------------------------------------------------------------------- CA state
def test_ca_status_and_auto_registration_round_trip(iot: Any) -> None:
    ca_id, _ = register_ca(iot, "main", auto=True)
    plain_id, _ = register_ca(iot, "plain")

    def describe(ca: str) -> dict[str, Any]:
        return dict(iot.describe_ca_certificate(certificateId=ca)["certificateDescription"])

    first = describe(ca_id)
    assert (first["status"], first["autoRegistrationStatus"]) == ("ACTIVE", "ENABLE")
    assert first["certificateId"] == ca_id and first["ownedBy"] == "123456789012"
    assert first["certificateArn"].endswith(f":cacert/{ca_id}") and "creationDate" in first
    assert describe(plain_id)["autoRegistrationStatus"] == "DISABLE"

    iot.update_ca_certificate(certificateId=ca_id, newStatus="INACTIVE", newAutoRegistrationStatus="DISABLE")
    after = describe(ca_id)
    assert (after["status"], after["autoRegistrationStatus"]) == ("INACTIVE", "DISABLE")
    iot.update_ca_certificate(certificateId=plain_id, newAutoRegistrationStatus="ENABLE")
    assert (describe(plain_id)["status"], describe(plain_id)["autoRegistrationStatus"]) == (
        "ACTIVE",
        "ENABLE",
    )

    for kwargs in (
        {"newStatus": "REVOKED"},
        {"newStatus": "PENDING_TRANSFER"},
        {"newAutoRegistrationStatus": "ON"},
    ):
        with pytest.raises(ClientError) as raised:
            iot.update_ca_certificate(certificateId=ca_id, **kwargs)
        assert error_code(raised.value) == "InvalidRequestException", kwargs
    assert describe(ca_id)["status"] == "INACTIVE"
    for call in (iot.describe_ca_certificate, iot.update_ca_certificate):
        with pytest.raises(ClientError) as raised:
            call(certificateId="e" * 64)
        assert error_code(raised.value) == "ResourceNotFoundException"


# --------------------------------------------------------------------------------------------- quotas
def accepted_per_window(times: list[float], window: float = 1.0) -> int:
    ordered = sorted(times)
    j = 0
    best = 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j < len(ordered) and ordered[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


def test_update_certificate_quota_throttles_rapid_calls(iot: Any, layer: IotLayer) -> None:
    _, ca_pem = register_ca(iot, "main")
    certs = register_certs(iot, ca_pem, 60, "q")
    layer.configure(quotas={"UpdateCertificate": 20, "ListCertificatesByCA": None})
    layer.reset_stats()

    throttled: list[str] = []
    for cert in certs:
        try:
            iot.update_certificate(certificateId=cert, newStatus="REVOKED")
        except ClientError as error:
            assert error_code(error) == "ThrottlingException"
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            # botocore's standard and adaptive retry modes treat it as a throttle.
            assert ThrottledRetryableChecker().is_retryable(
                RetryContext(attempt_number=1, parsed_response=error.response)
            )
            throttled.append(cert)

    stats = layer.stats
    assert throttled and stats.throttled["UpdateCertificate"] == len(throttled)
    assert stats.calls["UpdateCertificate"] == 60
    assert len(stats.update_certificate_times) == 60 - len(throttled)
    assert accepted_per_window(stats.update_certificate_times) <= 20
    assert all(status_of(iot, cert) == "ACTIVE" for cert in throttled)  # refused before any change
    assert sum(status_of(iot, cert) == "REVOKED" for cert in certs) == 60 - len(throttled)
    assert "ListCertificatesByCA" not in stats.throttled


def test_quota_holds_under_concurrent_threads(iot: Any, layer: IotLayer) -> None:
    _, ca_pem = register_ca(iot, "main")
    (cert,) = register_certs(iot, ca_pem, 1, "c")
    layer.configure(quotas={"UpdateCertificate": 15})
    layer.reset_stats()
    client_lock = threading.Lock()

    def worker() -> None:
        with client_lock:  # boto3 clients are thread-safe, but create one per thread like Map children
            client = boto3.client("iot", region_name=REGION, config=NO_RETRY)
        for i in range(12):
            try:
                client.update_certificate(certificateId=cert, newStatus="INACTIVE" if i % 2 else "ACTIVE")
            except ClientError as error:
                assert error_code(error) == "ThrottlingException"

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stats = layer.stats
    assert stats.calls["UpdateCertificate"] == 72
    assert stats.throttled["UpdateCertificate"] > 0
    assert accepted_per_window(stats.update_certificate_times) <= 15


def test_configure_rejects_bad_values(layer: IotLayer) -> None:
    with pytest.raises(ValueError, match="quota"):
        layer.configure(quotas={"UpdateCertificate": 0})
    with pytest.raises(ValueError, match="fault_rate"):
        layer.configure(fault_rate=1.5)
    layer.configure(quotas={"UpdateCertificate": 10, "DescribeCACertificate": None})
    assert layer.quotas == {"UpdateCertificate": 10.0}


# --------------------------------------------------------------------------------------------- faults
def fault_sequence(iot: Any, layer: IotLayer, ca_id: str, *, seed: int) -> list[str]:
    layer.configure(fault_rate=0.3, seed=seed)
    outcomes = []
    for _ in range(40):
        try:
            iot.describe_ca_certificate(certificateId=ca_id)
            outcomes.append("ok")
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            outcomes.append(f"{error_code(error)}:{status}")
    return outcomes


def test_fault_injection_is_reproducible_with_a_seed(iot: Any, layer: IotLayer) -> None:
    ca_id, _ = register_ca(iot, "main")
    layer.reset_stats()
    first = fault_sequence(iot, layer, ca_id, seed=7)
    again = fault_sequence(iot, layer, ca_id, seed=7)
    other = fault_sequence(iot, layer, ca_id, seed=8)

    assert first == again
    assert first != other
    faults = [o for o in first if o != "ok"]
    assert faults and len(faults) < 40
    assert set(faults) <= {"ServiceUnavailableException:503", "InternalFailureException:500"}
    assert layer.stats.faults["DescribeCACertificate"] == sum(o != "ok" for o in first + again + other)


def test_faults_happen_before_any_state_change(iot: Any, layer: IotLayer) -> None:
    _, ca_pem = register_ca(iot, "main")
    (cert,) = register_certs(iot, ca_pem, 1, "f")
    layer.configure(fault_rate=1.0, fault_apis=["UpdateCertificate"])
    for _ in range(5):
        with pytest.raises(ClientError) as raised:
            iot.update_certificate(certificateId=cert, newStatus="REVOKED")
        assert error_code(raised.value) in {"ServiceUnavailableException", "InternalFailureException"}
    assert status_of(iot, cert) == "ACTIVE"  # DescribeCertificate is not faulted
    assert layer.stats.faults == {"UpdateCertificate": 5}
    assert layer.stats.update_certificate_times == []


def test_stats_reset_and_idempotent_install(iot: Any, layer: IotLayer) -> None:
    call_action = IoTResponse.call_action
    init = IoTBackend.__init__
    assert install_iot_layer() is layer
    assert IoTResponse.call_action is call_action and IoTBackend.__init__ is init  # not wrapped twice
    ca_id, _ = register_ca(iot, "main")
    iot.describe_ca_certificate(certificateId=ca_id)
    assert layer.stats.calls == {"RegisterCACertificate": 1, "DescribeCACertificate": 1}
    layer.reset_stats()
    stats = layer.stats
    assert (stats.calls, stats.throttled, stats.faults, stats.update_certificate_times) == ({}, {}, {}, [])


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


# ------------------------------------------------------------------------------ over HTTP (moto server)
def test_threaded_server_transfer_and_throttling(layer: IotLayer) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        iot = boto3.client("iot", region_name=REGION, endpoint_url=endpoint, config=NO_RETRY)
        ca_id, ca_pem = register_ca(iot, "server")
        certs = register_certs(iot, ca_pem, 30, "srv")
        iot.update_certificate(certificateId=certs[0], newStatus="INACTIVE")
        iot.transfer_certificate(certificateId=certs[0], targetAwsAccount="111122223333")
        assert status_of(iot, certs[0]) == "PENDING_TRANSFER"
        with pytest.raises(ClientError) as raised:
            iot.update_certificate(certificateId=certs[0], newStatus="REVOKED")
        assert error_code(raised.value) == "CertificateStateException"
        items, sizes = list_all(iot, ca_id, pageSize=250)
        assert sizes == [30] and [c["certificateId"] for c in items] == certs

        layer.configure(quotas={"UpdateCertificate": 5})
        layer.reset_stats()
        codes = []
        for cert in certs[1:]:
            try:
                iot.update_certificate(certificateId=cert, newStatus="REVOKED")
                codes.append("ok")
            except ClientError as error:
                codes.append(error_code(error))
        assert "ThrottlingException" in codes and set(codes) <= {"ok", "ThrottlingException"}
        assert layer.stats.throttled["UpdateCertificate"] == codes.count("ThrottlingException")
        assert accepted_per_window(layer.stats.update_certificate_times) <= 5
    finally:
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        server.stop()
