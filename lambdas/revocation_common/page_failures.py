"""The failure records Distributed Map children leave for pages whose task failed after its retries.

Inside the Map's ItemProcessor (statemachine/revoke_ca.asl.json), a RevokeCertificates task (one batch of
pages, revocation_common.batches) that fails after its retries is caught; the child writes
``{"pageNumber", "pageNumbers", "error", "cause"}`` (the batch's first page and all its pages, the Catch
output's Error and Cause, Step Functions Developer Guide, "Handling errors in Step Functions workflows")
to ``executions/{executionName}/page-failures/{pageNumber}.json`` with the optimized-SDK task
``arn:aws:states:::aws-sdk:s3:putObject``, then fails. ToleratedFailurePercentage 100 lets every other
page run (Step Functions Developer Guide, "Setting failure thresholds for Distributed Map states").
Layout: docs/data-contract.md, "S3 layout".
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PAGE_FAILURES_DIR: Final = "page-failures/"
UNREADABLE_RECORD_ERROR: Final = "UnreadableFailureRecord"
"""The error of a PageFailure whose record object is not the documented JSON (its cause says why)."""

_RECORD_NAME: Final = re.compile(r"(?P<number>\d+)\.json")


class PageFailure(BaseModel):
    """One page whose RevokeCertificates task failed after its retries.

    pageNumber: the page's number in the manifest (0-based); of a batch, its first page.
    pageNumbers: the batch's pages (records written before batches name only pageNumber).
    pageKey: S3 key of the page object (``.../pages/{pageNumber:06d}.json``); "" if the record lacks it.
    error: the Step Functions error name, e.g. "TransientAwsError", "Lambda.Unknown", "States.Timeout".
    cause: the error's cause as Step Functions reported it (often a JSON string from Lambda).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    pageNumber: int = Field(ge=0)
    pageNumbers: tuple[int, ...] = ()
    pageKey: str = ""
    error: str
    cause: str = ""

    def pages(self) -> tuple[int, ...]:
        """Every page this record is the failure of."""
        return self.pageNumbers or (self.pageNumber,)


def page_failure_key(prefix: str, page_number: int) -> str:
    """S3 key of one page's failure record, e.g. ``executions/<name>/page-failures/3.json``.

    The ASL builds the same key with States.Format (no zero padding: intrinsics cannot pad).
    """
    return f"{prefix}{PAGE_FAILURES_DIR}{page_number}.json"


def read_page_failures(s3: Any, bucket: str, prefix: str) -> list[PageFailure]:
    """Every failure record of one execution, sorted by page number.

    Args:
        s3: a boto3 S3 client (needs s3:ListBucket on the bucket, and
            s3:GetObject on its objects).
        bucket: the report bucket (REPORT_BUCKET).
        prefix: the execution's prefix, ``executions/<executionName>/`` (store.execution_prefix).

    Returns:
        One PageFailure per record object (ListObjectsV2 under ``<prefix>page-failures/``, all pages of
        the listing); none when no page failed. A record that is not the documented JSON is still a
        failed page: its PageFailure has error UNREADABLE_RECORD_ERROR and the page number of its key.

    Raises:
        botocore.exceptions.ClientError: ListObjectsV2 or GetObject failed (e.g. AccessDenied); a
            record deleted between the listing and its read is skipped.
    """
    failures: list[PageFailure] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}{PAGE_FAILURES_DIR}"):
        for entry in page.get("Contents", []):
            failure = _read_record(s3, bucket, str(entry["Key"]))
            if failure is not None:
                failures.append(failure)
    return sorted(failures, key=lambda failure: failure.pageNumber)


def _read_record(s3: Any, bucket: str, key: str) -> PageFailure | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    try:
        return PageFailure.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        match = _RECORD_NAME.fullmatch(key.rsplit("/", 1)[-1])
        return PageFailure(
            pageNumber=int(match["number"]) if match else 0,
            error=UNREADABLE_RECORD_ERROR,
            cause=f"s3://{bucket}/{key} is not a failure record: {str(error)[:200]}",
        )
