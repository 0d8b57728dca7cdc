"""revocation_common.page_failures: reading the failure records the Map children write (ASL layout)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from revocation_common.page_failures import (
    UNREADABLE_RECORD_ERROR,
    PageFailure,
    page_failure_key,
    read_page_failures,
)

from contract.paths import ASL_PATH

BUCKET = "reports"
PREFIX = "executions/run-1/"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def _put(s3: Any, key: str, body: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body if isinstance(body, bytes) else json.dumps(body))


def test_no_record_means_no_failed_page(s3: Any) -> None:
    _put(s3, f"{PREFIX}outcomes/000000.json", {"pageNumber": 0})
    assert read_page_failures(s3, BUCKET, PREFIX) == []


def test_records_are_typed_sorted_and_of_this_execution_only(s3: Any) -> None:
    for number in (10, 2):
        _put(
            s3,
            page_failure_key(PREFIX, number),
            {
                "pageKey": f"{PREFIX}pages/{number:06d}.json",
                "pageNumber": number,
                "error": "TransientAwsError",
                "cause": '{"errorMessage": "UpdateCertificate: ThrottlingException after retries"}',
            },
        )
    _put(s3, page_failure_key("executions/run-10/", 1), {"pageNumber": 1, "error": "X"})

    failures = read_page_failures(s3, BUCKET, PREFIX)

    assert failures == [
        PageFailure(
            pageNumber=2,
            pageKey=f"{PREFIX}pages/000002.json",
            error="TransientAwsError",
            cause='{"errorMessage": "UpdateCertificate: ThrottlingException after retries"}',
        ),
        PageFailure(
            pageNumber=10,
            pageKey=f"{PREFIX}pages/000010.json",
            error="TransientAwsError",
            cause='{"errorMessage": "UpdateCertificate: ThrottlingException after retries"}',
        ),
    ]


def test_a_record_that_is_not_the_documented_json_is_still_a_failed_page(s3: Any) -> None:
    _put(s3, page_failure_key(PREFIX, 7), b"not json")
    _put(s3, page_failure_key(PREFIX, 8), {"pageNumber": 8})  # no error

    failures = read_page_failures(s3, BUCKET, PREFIX)

    assert [(f.pageNumber, f.error) for f in failures] == [
        (7, UNREADABLE_RECORD_ERROR),
        (8, UNREADABLE_RECORD_ERROR),
    ]
    assert failures[0].cause.startswith(f"s3://{BUCKET}/{page_failure_key(PREFIX, 7)} is not")


class _TwoListingPages:
    """An S3 client whose ListObjectsV2 answers in two pages (as S3 does past 1,000 keys)."""

    class exceptions:
        NoSuchKey = KeyError

    def __init__(self, numbers: list[int]) -> None:
        self.bodies = {
            page_failure_key(PREFIX, n): json.dumps({"pageNumber": n, "error": "Lambda.Unknown"}).encode()
            for n in numbers
        }

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_objects_v2"
        keys = sorted(self.bodies)
        pages = [{"Contents": [{"Key": k} for k in keys[:2]]}, {"Contents": [{"Key": k} for k in keys[2:]]}]

        class _Paginator:
            def paginate(self, *, Bucket: str, Prefix: str) -> list[dict[str, Any]]:
                assert (Bucket, Prefix) == (BUCKET, f"{PREFIX}page-failures/")
                return pages

        return _Paginator()

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        body = self.bodies[Key]
        return {"Body": type("Body", (), {"read": staticmethod(lambda: body)})()}


def test_every_page_of_the_listing_is_read() -> None:
    assert [f.pageNumber for f in read_page_failures(_TwoListingPages([4, 0, 3, 1]), BUCKET, PREFIX)] == [
        0,
        1,
        3,
        4,
    ]


def test_the_key_is_the_one_the_asl_writes() -> None:
    states = json.loads(ASL_PATH.read_text(encoding="utf-8"))["States"]
    record = states["RevokeCertificatePages"]["ItemProcessor"]["States"]["RecordPageFailure"]
    template = record["Parameters"]["Key.$"]
    # The batch's first page names the record (a page belongs to one batch only).
    assert template == (
        "States.Format('{}page-failures/{}.json', $.context.reportPrefix, "
        "States.ArrayGetItem($.batch.pageNumbers, 0))"
    )
    assert page_failure_key(PREFIX, 3) == f"{PREFIX}page-failures/3.json"
    described = states["RevokeCertificatePages"]["ItemProcessor"]["States"]["DescribePageFailure"]
    # Every field of the record but pageKey (read from records of the per-page shape only).
    fields = set(PageFailure.model_fields) - {"pageKey"}
    assert set(described["Parameters"]) == {f"{field}.$" for field in fields}
