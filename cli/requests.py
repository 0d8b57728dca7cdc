"""Building the execution input from the command line, validated as NormalizeInput would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from emulator.lambda_runtime import LAMBDAS_DIR


class UsageError(ValueError):
    """A malformed request on the command line; the message is one line naming the field."""


def _validator() -> Any:
    # The CLI refuses exactly what NormalizeInput refuses, with the same code (lambdas/normalize_input).
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_DIR))
    from normalize_input import request

    return request


def input_from_flags(
    *, ca_certificate_id: str, dry_run: bool, target_status: str | None, reason: str, incident_id: str
) -> str:
    """The console/CI request as JSON, after local validation. Raises UsageError naming the field."""
    request_module = _validator()
    from revocation_common.errors import InvalidInput

    document: dict[str, Any] = {"caCertificateId": ca_certificate_id, "dryRun": dry_run}
    if target_status is not None:
        document["targetStatus"] = target_status
    if reason:
        document["reason"] = reason
    if incident_id:
        document["incidentId"] = incident_id
    try:
        request_module.request_from_console(document, default_target_status="REVOKED")
    except InvalidInput as error:
        raise UsageError(str(error)) from None
    return json.dumps(document)


def input_from_file(path: str) -> str:
    """The file's JSON, sent as the execution input as it is.

    Raises UsageError if unreadable, not JSON, or an object names a key twice (which CA was meant?).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--input-file: cannot read {path}: {error.strerror}") from None
    try:
        json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except DuplicateKey as error:
        raise UsageError(f"--input-file: {path}: {error}") from None
    except ValueError as error:
        raise UsageError(f"--input-file: {path} is not JSON: {error}") from None
    return text


class DuplicateKey(ValueError):
    """A JSON object names a key twice: parsers keep one of the values (RFC 8259: names SHOULD be unique)."""


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"the key {key!r} appears twice in one object; keep only the value you mean")
        seen[key] = value
    return seen
