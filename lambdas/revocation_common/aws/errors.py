"""Classification of botocore errors into the workflow's named errors."""

from __future__ import annotations

from botocore.exceptions import ClientError

from revocation_common.errors import TransientAwsError

# Error codes AWS IoT documents for its control plane that a later attempt can clear
# (AWS IoT API reference, "Common Errors" and each action's "Errors" section).
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalFailureException",
        "InternalException",
        "InternalServerException",
        "LimitExceededException",
        "RequestTimeout",
        "SlowDown",
    }
)


def error_code(error: ClientError) -> str:
    """The AWS error code of a botocore ClientError, e.g. "CertificateStateException"."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def is_transient(error: ClientError) -> bool:
    """True for throttling and 5xx errors that botocore's retries did not clear."""
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return error_code(error) in TRANSIENT_ERROR_CODES or status >= 500


def raise_if_transient(error: ClientError, action: str) -> None:
    """Re-raise a transient ClientError as TransientAwsError (retried by the state's Retry rule)."""
    if is_transient(error):
        raise TransientAwsError(f"{action}: {error_code(error)} after retries: {error}") from error
