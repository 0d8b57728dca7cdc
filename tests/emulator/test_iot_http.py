"""The emulator's IoT layer served over HTTP by moto's ThreadedMotoServer (as the AWS CLI and the
workflow's tasks reach it), and a backend built before the layer was installed."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.iot.models import IoTBackend
from moto.server import ThreadedMotoServer

from emulator.iot import EmulatorIoTBackend, EmulatorIoTResponse, IotLayer, install_iot_layer
from emulator.iot.install import _upgrade
from tests.support.emulator_iot import (
    NO_RETRY,
    REGION,
    accepted_per_window,
    error_code,
    list_all,
    list_pages,
    register_ca,
    register_certs,
    status_of,
)


@pytest.fixture
def served_iot(layer: IotLayer) -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        yield boto3.client("iot", region_name=REGION, endpoint_url=endpoint, config=NO_RETRY)
    finally:
        request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        server.stop()


def test_threaded_server_transfer_and_throttling(served_iot: Any, layer: IotLayer) -> None:
    iot = served_iot
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


def test_threaded_server_serves_the_discovery_apis(served_iot: Any, layer: IotLayer) -> None:
    iot = served_iot
    ca_ids = [register_ca(iot, f"ca-{i}")[0] for i in range(3)]
    ca_pem = "-----CA ca-0-----"
    linked = register_certs(iot, ca_pem, 4, "linked")
    unlinked = register_certs(iot, None, 3, "unlinked")

    cas, sizes = list_pages(iot.list_ca_certificates, pageSize=2)
    assert sizes == [2, 1] and [c["certificateId"] for c in cas] == ca_ids
    assert iot.describe_ca_certificate(certificateId=ca_ids[0])["certificateDescription"][
        "certificatePem"
    ] == (ca_pem)
    certs, sizes = list_pages(iot.list_certificates, pageSize=5)
    assert sizes == [5, 2] and [c["certificateId"] for c in certs] == linked + unlinked
    assert [c["certificateMode"] for c in certs] == ["DEFAULT"] * 4 + ["SNI_ONLY"] * 3
    described = iot.describe_certificate(certificateId=unlinked[0])["certificateDescription"]
    assert "caCertificateId" not in described and described["certificatePem"] == "-----CERT unlinked-0-----"
    described = iot.describe_certificate(certificateId=linked[0])["certificateDescription"]
    assert described["caCertificateId"] == ca_ids[0]
    with pytest.raises(ClientError) as raised:
        iot.register_ca_certificate(caCertificate=ca_pem, setAsActive=True)
    assert error_code(raised.value) == "ResourceAlreadyExistsException"
    assert layer.stats.calls["ListCACertificates"] == 2 and layer.stats.calls["ListCertificates"] == 2


def test_install_upgrades_a_backend_built_before_it(layer: IotLayer) -> None:
    assert install_iot_layer() is layer
    # moto routes a backend's requests through the urls module beside its models module.
    assert {handler.__self__ for handler in EmulatorIoTBackend(REGION, "111111111111").urls.values()} == {
        EmulatorIoTResponse
    }
    old = IoTBackend(REGION, "222222222222")
    old.register_ca_certificate("-----CA early-----", True, {})
    upgraded = _upgrade(old)
    assert upgraded is old and isinstance(old, EmulatorIoTBackend)
    cas, marker = upgraded.list_ca_certificates_page()
    assert [c.certificate_pem for c in cas] == ["-----CA early-----"] and marker is None
