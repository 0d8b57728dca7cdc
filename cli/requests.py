"""Building the execution input from the command line, validated as NormalizeInput would.

``ca-revoke run`` uses it against AWS: it imports the task's own validation (lambdas/normalize_input,
installed with the project), never the emulator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from normalize_input import request
from revocation_common.certificates import PEM_MAX_CHARACTERS, parse_ca_certificate_pem
from revocation_common.errors import InvalidInput
from revocation_common.vocabulary import DEFAULT_TARGET_STATUS

CA_CERTIFICATE_FILE_FLAG = "--ca-certificate-file"


class UsageError(ValueError):
    """A malformed request on the command line; the message is one line naming the field."""


def pem_from_file(path: str) -> str:
    """The CA certificate PEM of ``--ca-certificate-file``, checked before any AWS call.

    Output: the file's text, sent as the request's caCertificatePem as it is.
    Errors: UsageError naming --ca-certificate-file when the file cannot be read (or is longer than
    AWS IoT's PEM limit, PEM_MAX_CHARACTERS), is not text, or is not exactly one PEM certificate of a CA
    (revocation_common.certificates.parse_ca_certificate_pem: the check NormalizeInput makes of
    caCertificatePem; the message never quotes the file).
    """
    try:
        with Path(path).open(encoding="utf-8") as file:
            text = file.read(PEM_MAX_CHARACTERS + 1)
    except OSError as error:
        raise UsageError(f"{CA_CERTIFICATE_FILE_FLAG}: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(
            f"{CA_CERTIFICATE_FILE_FLAG}: {path} is not text; expected a PEM certificate"
        ) from None
    try:
        parse_ca_certificate_pem(text, CA_CERTIFICATE_FILE_FLAG)
    except InvalidInput as error:
        raise UsageError(f"{error} ({path})") from None
    return text


def input_from_flags(
    *,
    ca_certificate_id: str | None,
    dry_run: bool,
    target_status: str | None,
    reason: str,
    incident_id: str,
    ca_certificate_pem: str | None = None,
    scan_unlinked: bool | None = None,
    registered_after: str | None = None,
) -> str:
    """The console/CI request as JSON, after local validation. Raises UsageError naming the field.

    ca_certificate_id / ca_certificate_pem: the CA by id, by PEM (from pem_from_file), or both (the same
    CA: the workflow checks that the id is a registration of that PEM). scan_unlinked: None leaves the
    deployment's default (cdk.json context scanUnlinkedCertificates). registered_after: ISO 8601 with its
    UTC offset; the certificates registered after it are revoked first (None: newest first, no cut-off).
    The CLI refuses exactly what NormalizeInput refuses, with the same code (normalize_input.request).
    """
    document: dict[str, Any] = {}
    if ca_certificate_id is not None:
        document["caCertificateId"] = ca_certificate_id
    if ca_certificate_pem is not None:
        document["caCertificatePem"] = ca_certificate_pem
    if scan_unlinked is not None:
        document["scanUnlinked"] = scan_unlinked
    document["dryRun"] = dry_run
    if target_status is not None:
        document["targetStatus"] = target_status
    if reason:
        document["reason"] = reason
    if incident_id:
        document["incidentId"] = incident_id
    if registered_after is not None:
        document["registeredAfter"] = registered_after
    try:
        request.request_from_console(document, default_target_status=DEFAULT_TARGET_STATUS)
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
