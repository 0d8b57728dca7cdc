"""The execution's objects in the report bucket (layout in docs/data-contract.md)."""

from __future__ import annotations

import json
from typing import Any


def execution_prefix(execution_name: str) -> str:
    """S3 prefix of one execution's objects, e.g. ``executions/<executionName>/``."""
    return f"executions/{execution_name}/"


def page_key(prefix: str, page_number: int) -> str:
    return f"{prefix}pages/{page_number:06d}.json"


def outcome_key(prefix: str, page_number: int) -> str:
    return f"{prefix}outcomes/{page_number:06d}.json"


def manifest_key(prefix: str) -> str:
    return f"{prefix}manifest.json"


def ca_state_key(prefix: str) -> str:
    """Where DeactivateCa keeps the CA's status as the execution first saw it (kept across retries)."""
    return f"{prefix}ca-before.json"


def report_key(prefix: str) -> str:
    return f"{prefix}report.json"


def put_json(s3: Any, bucket: str, key: str, document: Any, *, only_if_absent: bool = False) -> None:
    """PutObject of ``document`` as compact JSON (Content-Type application/json).

    ``only_if_absent`` makes it a conditional write (If-None-Match: *): when the key exists, S3 answers
    PreconditionFailed (HTTP 412) and nothing is written (Amazon S3 User Guide, "Conditional writes").
    """
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")
    extra = {"IfNoneMatch": "*"} if only_if_absent else {}
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json", **extra)


def get_json(s3: Any, bucket: str, key: str) -> Any:
    """GetObject of a JSON document; botocore's NoSuchKey propagates to the caller."""
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
