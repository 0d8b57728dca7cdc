"""Limits of the emulator's IoT API: per-API quotas (ThrottlingException) and replayable fault injection
(ServiceUnavailableException / InternalFailureException), both refused before any state change."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker
from moto.iot.models import iot_backends

from emulator.iot import EmulatorIoTBackend, IotLayer, install_iot_layer
from emulator.iot_quotas import CONTROL_PLANE_APIS, all_api_quotas
from tests.support.emulator_iot import (
    NO_RETRY,
    REGION,
    accepted_per_window,
    error_code,
    http_status,
    register_ca,
    register_certs,
    status_of,
)

INJECTED = {"ServiceUnavailableException", "InternalFailureException"}


# --------------------------------------------------------------------------------------------- quotas
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
            assert http_status(error) == 400
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


def test_iot_tps_covers_the_discovery_apis() -> None:
    # --iot-tps Q sets Q for every certificate API, the scope discovery ones included.
    quotas = all_api_quotas(4.0)
    assert quotas is not None
    for api in (
        "ListCACertificates",
        "DescribeCACertificate",
        "ListCertificates",
        "DescribeCertificate",
        "RegisterCertificateWithoutCA",
        "RegisterCACertificate",
        "ListCertificatesByCA",
        "UpdateCertificate",
        "UpdateCACertificate",
    ):
        assert quotas[api] == 4.0, api
    assert set(quotas) == set(CONTROL_PLANE_APIS)
    assert all_api_quotas(None) is None


def test_each_api_has_its_own_quota(iot: Any, layer: IotLayer) -> None:
    ca_id, _ = register_ca(iot, "main")
    (cert,) = register_certs(iot, None, 1, "noca")
    layer.configure(quotas=all_api_quotas(3))
    layer.reset_stats()
    calls = {
        "ListCACertificates": lambda: iot.list_ca_certificates(),
        "DescribeCACertificate": lambda: iot.describe_ca_certificate(certificateId=ca_id),
        "ListCertificates": lambda: iot.list_certificates(),
        "DescribeCertificate": lambda: iot.describe_certificate(certificateId=cert),
    }
    outcomes: dict[str, list[str]] = {api: [] for api in calls}
    for _ in range(8):
        for api, call in calls.items():  # interleaved: one API's calls do not use another's quota
            try:
                call()
                outcomes[api].append("ok")
            except ClientError as error:
                outcomes[api].append(error_code(error))
    stats = layer.stats
    for api, seen in outcomes.items():
        assert seen[:3] == ["ok", "ok", "ok"], api
        assert "ThrottlingException" in seen and set(seen) <= {"ok", "ThrottlingException"}, api
        assert stats.throttled[api] == seen.count("ThrottlingException")
        assert stats.calls[api] == 8

    with pytest.raises(ClientError) as raised:  # RegisterCertificateWithoutCA too, and nothing registered
        for i in range(8):
            iot.register_certificate_without_ca(certificatePem=f"-----CERT burst-{i}-----", status="ACTIVE")
    assert error_code(raised.value) == "ThrottlingException"
    layer.configure()
    assert (
        len(iot.list_certificates()["certificates"])
        == 1
        + layer.stats.calls["RegisterCertificateWithoutCA"]
        - layer.stats.throttled["RegisterCertificateWithoutCA"]
    )


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
            outcomes.append(f"{error_code(error)}:{http_status(error)}")
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
    layer.configure(fault_rate=1.0, fault_apis=["UpdateCertificate", "RegisterCertificateWithoutCA"])
    for _ in range(5):
        with pytest.raises(ClientError) as raised:
            iot.update_certificate(certificateId=cert, newStatus="REVOKED")
        assert error_code(raised.value) in INJECTED
    with pytest.raises(ClientError) as raised:
        iot.register_certificate_without_ca(certificatePem="-----CERT faulted-----", status="ACTIVE")
    assert error_code(raised.value) in INJECTED
    assert status_of(iot, cert) == "ACTIVE"  # DescribeCertificate is not faulted
    assert [c["certificateId"] for c in iot.list_certificates()["certificates"]] == [cert]
    assert layer.stats.faults == {"UpdateCertificate": 5, "RegisterCertificateWithoutCA": 1}
    assert layer.stats.update_certificate_times == []


def test_discovery_apis_are_faulted_like_the_others(iot: Any, layer: IotLayer) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    (cert,) = register_certs(iot, ca_pem, 1, "d")
    apis = ["ListCACertificates", "ListCertificates", "DescribeCertificate", "DescribeCACertificate"]
    layer.configure(fault_rate=1.0, fault_apis=apis)
    for call in (
        lambda: iot.list_ca_certificates(),
        lambda: iot.list_certificates(),
        lambda: iot.describe_certificate(certificateId=cert),
        lambda: iot.describe_ca_certificate(certificateId=ca_id),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert error_code(raised.value) in INJECTED
    assert layer.stats.faults == dict.fromkeys(apis, 1)
    assert iot.list_certificates_by_ca(caCertificateId=ca_id)["certificates"][0]["certificateId"] == cert


def test_stats_reset_and_idempotent_install(iot: Any, layer: IotLayer) -> None:
    assert install_iot_layer() is layer
    assert iot_backends.backend is EmulatorIoTBackend
    ca_id, _ = register_ca(iot, "main")
    iot.describe_ca_certificate(certificateId=ca_id)
    assert layer.stats.calls == {"RegisterCACertificate": 1, "DescribeCACertificate": 1}  # counted once
    layer.reset_stats()
    stats = layer.stats
    assert (stats.calls, stats.throttled, stats.faults, stats.update_certificate_times) == ({}, {}, {}, [])
