"""discover_scope.aws: the boto3 adapter's request shapes and error mapping, over a stub client object."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from discover_scope.aws import PAGE_SIZE, ApiPacers, BotoIotReads
from discover_scope.ports import IOT_READ_APIS
from revocation_common.errors import TransientAwsError

pytestmark = pytest.mark.unit


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


class RecordingIot:
    """Answers each boto3 method with ``answers[name]`` (a dict, or an exception to raise)."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.requests.append((name, kwargs))
            answer = self.answers[name]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


def test_listings_send_page_size_250_newest_first_and_the_marker_only_when_there_is_one() -> None:
    created = datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    iot = RecordingIot(
        list_certificates={
            "certificates": [{"certificateId": "a", "status": "ACTIVE", "creationDate": created}],
            "nextMarker": "m2",
        },
        list_certificates_by_ca={"certificates": [], "nextMarker": ""},
    )
    reads = BotoIotReads(iot)
    page = reads.list_certificates(None)
    assert (page.entries[0].certificateId, page.entries[0].status, page.next_marker) == ("a", "ACTIVE", "m2")
    assert page.entries[0].creationDate == "2026-11-30T08:00:00.000000+00:00"  # in UTC, as text that sorts
    reads.list_certificates("m2")
    assert reads.list_certificates_by_ca("ca", None).next_marker is None  # "" ends the listing too
    assert iot.requests == [
        ("list_certificates", {"pageSize": PAGE_SIZE, "ascendingOrder": True}),
        ("list_certificates", {"pageSize": PAGE_SIZE, "marker": "m2", "ascendingOrder": True}),
        (
            "list_certificates_by_ca",
            {"caCertificateId": "ca", "pageSize": PAGE_SIZE, "ascendingOrder": False},
        ),
    ]


def test_describe_certificate_reads_pem_and_ca() -> None:
    iot = RecordingIot(
        describe_certificate={
            "certificateDescription": {
                "certificateId": "c",
                "status": "ACTIVE",
                "certificatePem": "PEM",
                "caCertificateId": "ca",
            }
        }
    )
    described = BotoIotReads(iot).describe_certificate("c")
    assert described is not None
    assert (described.certificatePem, described.caCertificateId, described.status) == ("PEM", "ca", "ACTIVE")


def test_not_found_is_none_or_an_empty_listing() -> None:
    missing = client_error("ResourceNotFoundException", 404)
    iot = RecordingIot(
        describe_certificate=missing, describe_ca_certificate=missing, list_certificates_by_ca=missing
    )
    reads = BotoIotReads(iot)
    assert reads.describe_certificate("c") is None
    assert reads.describe_ca_certificate("ca") is None
    page = reads.list_certificates_by_ca("ca", "m")
    assert (page.entries, page.next_marker) == ((), None)


@pytest.mark.parametrize("method", ["list_certificates", "list_ca_certificates", "describe_certificate"])
def test_throttling_after_retries_is_transient(method: str) -> None:
    reads = BotoIotReads(RecordingIot(**{method: client_error("ThrottlingException")}))
    with pytest.raises(TransientAwsError):
        getattr(reads, method)(None) if method.startswith("list") else getattr(reads, method)("c")


def test_other_errors_propagate() -> None:
    reads = BotoIotReads(RecordingIot(describe_certificate=client_error("AccessDeniedException", 403)))
    with pytest.raises(ClientError):
        reads.describe_certificate("c")


def test_each_api_gets_a_pacer_at_its_own_quota() -> None:
    made: list[float] = []

    class Pacer:
        def __init__(self, rate: float) -> None:
            made.append(rate)
            self.waits = 0

        def wait(self) -> None:
            self.waits += 1

    quotas = {api: float(n + 1) for n, api in enumerate(IOT_READ_APIS)}
    pacers = ApiPacers(quotas, pacer_factory=Pacer)  # type: ignore[arg-type]
    assert made == [1.0, 2.0, 3.0, 4.0, 5.0]
    pacers.wait("DescribeCertificate")
    with pytest.raises(ValueError, match="DescribeCertificate"):
        ApiPacers({api: 1.0 for api in IOT_READ_APIS if api != "DescribeCertificate"})
