"""The keys of the execution's objects in the report bucket (layout in docs/data-contract.md).

Pure: the objects are read and written through an ObjectStore (revocation_common.ports).
"""

from __future__ import annotations


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
