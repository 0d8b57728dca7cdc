"""ObjectStore over boto3's S3 client: the execution's JSON objects in the report bucket.

Source: Amazon S3 API reference, PutObject and GetObject; Amazon S3 User Guide, "Conditional writes".
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from revocation_common.aws.errors import error_code, raise_if_transient
from revocation_common.errors import DeploymentError
from revocation_common.ports import ObjectMissing

MISSING_CODES = frozenset({"NoSuchKey", "404"})
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "403"})
# Amazon S3 API Reference, GetObject, "Permissions": for a key that does not exist S3 answers 404
# NoSuchKey when the caller has s3:ListBucket on the bucket, and 403 AccessDenied when it has not.
ACCESS_DENIED_HELP = (
    "S3 answered AccessDenied. Without s3:ListBucket on the bucket S3 answers 403 AccessDenied instead of "
    "404 NoSuchKey for a missing object (Amazon S3 API Reference, GetObject, Permissions): the function's "
    "role needs s3:GetObject on executions/* and s3:ListBucket on the bucket, and the "
    "bucket policy must allow it. This is a deployment error, not a missing object"
)
PRECONDITION_FAILED_CODES = frozenset({"PreconditionFailed", "412"})


def json_body(document: Any) -> bytes:
    """``document`` as compact JSON with sorted keys (UTF-8), as every object of the bucket is written."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")


class S3Store:
    """JSON objects of one bucket (implements revocation_common.ports.ObjectStore)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put_json(self, key: str, document: Any, *, only_if_absent: bool = False) -> bool:
        """PutObject of ``document`` as compact JSON (Content-Type application/json).

        ``only_if_absent`` makes it a conditional write (If-None-Match: *): when the key exists, S3 answers
        PreconditionFailed (HTTP 412), nothing is written and this returns False; a transient error of that
        write raises TransientAwsError. Other errors propagate as botocore's ClientError.
        """
        extra = {"IfNoneMatch": "*"} if only_if_absent else {}
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=json_body(document), ContentType="application/json", **extra
            )
        except ClientError as error:
            if not only_if_absent:
                raise
            if error_code(error) in PRECONDITION_FAILED_CODES:
                return False
            raise_if_transient(error, "PutObject")
            raise
        return True

    def put_text(self, key: str, text: str, *, content_type: str) -> None:
        """PutObject of ``text`` encoded as UTF-8 with the Content-Type ``content_type`` (e.g. text/csv).

        Errors: TransientAwsError (throttling/5xx after botocore's retries); others as ClientError.
        Implements revocation_common.ports.TextStore.
        """
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
            )
        except ClientError as error:
            raise_if_transient(error, "PutObject")
            raise

    def get_json(self, key: str) -> Any:
        """GetObject of a JSON document.

        Errors: ObjectMissing (404 NoSuchKey); DeploymentError (403 AccessDenied, see ACCESS_DENIED_HELP);
        others as ClientError.
        """
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            code = error_code(error)
            if code in MISSING_CODES:
                raise ObjectMissing(f"s3://{self.bucket}/{key}") from error
            if code in ACCESS_DENIED_CODES:
                raise DeploymentError(f"GetObject s3://{self.bucket}/{key}: {ACCESS_DENIED_HELP}") from error
            raise
        return json.loads(body)
