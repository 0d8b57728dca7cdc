"""Pagination of the emulator's IoT list APIs: ListCertificatesByCA, ListCertificates, ListCACertificates
(pageSize 1..250, default 25, stable markers, creation order; AWS IoT API reference pages of each)."""

from __future__ import annotations

import base64
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.iot import EmulatorIoTBackend, IndexedCertificates, get_iot_backend
from tests.support.emulator_iot import (
    ACCOUNT_ID,
    REGION,
    error_code,
    http_status,
    list_all,
    list_pages,
    register_ca,
    register_certs,
)

CERTIFICATE_FIELDS = {"certificateArn", "certificateId", "status", "certificateMode", "creationDate"}
CA_CERTIFICATE_FIELDS = {"certificateArn", "certificateId", "status", "creationDate"}


# --------------------------------------------------------------------------------- ListCertificatesByCA
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
    assert set(first) == CERTIFICATE_FIELDS
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


@pytest.mark.parametrize(
    "operation", ["list_certificates_by_ca", "list_certificates", "list_ca_certificates"]
)
def test_invalid_page_size_is_invalid_request(iot: Any, operation: str) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    register_certs(iot, ca_pem, 2, "p")
    args = {"caCertificateId": ca_id} if operation == "list_certificates_by_ca" else {}
    unvalidated = boto3.client("iot", region_name=REGION, config=Config(parameter_validation=False))
    for client, size in ((iot, 251), (unvalidated, 0), (unvalidated, -3), (iot, 1000)):
        with pytest.raises(ClientError) as raised:
            getattr(client, operation)(pageSize=size, **args)
        assert error_code(raised.value) == "InvalidRequestException"
        assert http_status(raised.value) == 400
    assert len(getattr(iot, operation)(pageSize=1, **args)["certificates"]) == 1


def test_invalid_marker_is_invalid_request(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    other_id, other_pem = register_ca(iot, "other")
    register_certs(iot, ca_pem, 3, "m")
    register_certs(iot, other_pem, 3, "o")
    other_marker = iot.list_certificates_by_ca(caCertificateId=other_id, pageSize=1)["nextMarker"]
    all_marker = iot.list_certificates(pageSize=1)["nextMarker"]
    ca_marker = iot.list_ca_certificates(pageSize=1)["nextMarker"]
    bad_markers = [
        "not base64!",
        base64.b64encode(b"nonsense").decode(),
        other_marker,  # issued for another CA
        all_marker,  # issued by ListCertificates
        base64.b64encode(f"v1:{ca_id}:a:-1".encode()).decode(),
    ]
    for marker in bad_markers:
        with pytest.raises(ClientError) as raised:
            iot.list_certificates_by_ca(caCertificateId=ca_id, marker=marker)
        assert error_code(raised.value) == "InvalidRequestException", marker
    for call, marker in ((iot.list_certificates, ca_marker), (iot.list_ca_certificates, all_marker)):
        with pytest.raises(ClientError) as raised:
            call(marker=marker)
        assert error_code(raised.value) == "InvalidRequestException"
    with pytest.raises(ClientError) as raised:  # a marker is bound to its order
        iot.list_certificates(marker=all_marker, ascendingOrder=False)
    assert error_code(raised.value) == "InvalidRequestException"


def test_marker_survives_deletion_between_pages(iot: Any) -> None:
    ca_id, ca_pem = register_ca(iot, "main")
    ids = register_certs(iot, ca_pem, 10, "d")
    page = iot.list_certificates_by_ca(caCertificateId=ca_id, pageSize=4)
    whole = iot.list_certificates(pageSize=4)
    assert [c["certificateId"] for c in page["certificates"]] == ids[:4]
    assert [c["certificateId"] for c in whole["certificates"]] == ids[:4]
    for victim in (ids[3], ids[5]):  # the marker's own certificate and one not listed yet
        iot.update_certificate(certificateId=victim, newStatus="INACTIVE")
        iot.delete_certificate(certificateId=victim)

    rest, _ = list_all(iot, ca_id, pageSize=4, marker=page["nextMarker"])
    rest_all, _ = list_pages(iot.list_certificates, pageSize=4, marker=whole["nextMarker"])

    assert [c["certificateId"] for c in rest] == ids[4:5] + ids[6:]
    assert [c["certificateId"] for c in rest_all] == ids[4:5] + ids[6:]


def test_backend_keeps_indexes_and_constant_time_lookup(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    ids = register_certs(iot, ca_pem, 3, "x")
    backend = get_iot_backend(ACCOUNT_ID, REGION)
    assert isinstance(backend, EmulatorIoTBackend)
    assert isinstance(backend.certificates, IndexedCertificates)
    assert isinstance(backend.ca_certificates, IndexedCertificates)
    assert backend.describe_certificate(ids[1]).certificate_id == ids[1]


# ------------------------------------------------------------------------------------- ListCertificates
def test_list_certificates_pages_every_certificate_in_creation_order(iot: Any) -> None:
    _, ca_pem = register_ca(iot, "main")
    _, other_pem = register_ca(iot, "other")
    ids = register_certs(iot, ca_pem, 120, "a")
    ids += register_certs(iot, None, 40, "noca", status="INACTIVE")
    ids += register_certs(iot, other_pem, 100, "b")

    items, sizes = list_pages(iot.list_certificates, pageSize=250)
    assert sizes == [250, 10]
    assert [c["certificateId"] for c in items] == ids  # CAs themselves are not certificates
    assert all(set(c) == CERTIFICATE_FIELDS for c in items)
    modes = {c["certificateId"]: c["certificateMode"] for c in items}
    assert {modes[i] for i in ids[120:160]} == {"SNI_ONLY"} and modes[ids[0]] == "DEFAULT"
    assert {c["status"] for c in items[120:160]} == {"INACTIVE"}

    assert len(iot.list_certificates()["certificates"]) == 25  # the documented default page size
    descending, sizes = list_pages(iot.list_certificates, pageSize=100, ascendingOrder=False)
    assert sizes == [100, 100, 60]
    assert [c["certificateId"] for c in descending] == ids[::-1]


def test_list_certificates_page_reads_only_its_page() -> None:
    # O(log n + pageSize): a page reads pageSize entries of the store, whatever the number of certificates.
    class Counted(IndexedCertificates):
        reads = 0

        def __getitem__(self, key: str) -> Any:
            Counted.reads += 1
            return super().__getitem__(key)

    class Cert:
        def __init__(self, i: int) -> None:
            self.certificate_id, self.ca_certificate_id = f"{i:064x}", None

    store = Counted((f"{i:064x}", Cert(i)) for i in range(50_000))
    Counted.reads = 0
    certs, next_seq = store.page_all(after_seq=30_000, page_size=7, ascending=True)
    assert [c.certificate_id for c in certs] == [f"{i:064x}" for i in range(30_001, 30_008)]
    assert next_seq == 30_007 and Counted.reads == 7


# ----------------------------------------------------------------------------------- ListCACertificates
def test_list_ca_certificates_pages_with_stable_markers(iot: Any) -> None:
    ca_ids = [register_ca(iot, f"ca-{i}")[0] for i in range(7)]
    register_certs(iot, None, 3, "noca")  # certificates are not CA certificates

    items, sizes = list_pages(iot.list_ca_certificates, pageSize=3)
    assert sizes == [3, 3, 1]
    assert [c["certificateId"] for c in items] == ca_ids
    first = items[0]
    assert set(first) == CA_CERTIFICATE_FIELDS
    assert first["status"] == "ACTIVE" and first["certificateArn"].endswith(f":cacert/{ca_ids[0]}")

    page = iot.list_ca_certificates(pageSize=2)
    iot.update_ca_certificate(certificateId=ca_ids[1], newStatus="INACTIVE")
    iot.delete_ca_certificate(certificateId=ca_ids[1])  # the marker's own CA
    late_id, _ = register_ca(iot, "late")
    rest, _ = list_pages(iot.list_ca_certificates, pageSize=2, marker=page["nextMarker"])
    assert [c["certificateId"] for c in rest] == [*ca_ids[2:], late_id]

    descending, _ = list_pages(iot.list_ca_certificates, ascendingOrder=False)
    assert [c["certificateId"] for c in descending] == [*ca_ids[:1], *ca_ids[2:], late_id][::-1]
