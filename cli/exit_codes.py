"""Exit codes of ``ca-revoke run`` and ``ca-revoke demo``, for CI pipelines (documented in the README)."""

from __future__ import annotations

VERIFIED = 0  # the execution succeeded and the end state was verified
FAILED = 1  # the execution failed (any error other than below), timed out or was aborted
BAD_INPUT = 2  # the request was refused: locally, or by NormalizeInput with InvalidInput
NOT_VERIFIED = 3  # the workflow ran but VerifyRevocation found the end state not reached
CA_NOT_FOUND = 4  # the caCertificateId is not registered in AWS IoT (CaNotFound)
ALREADY_RUNNING = 5  # another execution is already revoking this CA (RevocationAlreadyInProgress)
STARTED = 0  # without --wait: the execution was started

BY_ERROR = {
    "InvalidInput": BAD_INPUT,
    "VerificationFailed": NOT_VERIFIED,
    "CaNotFound": CA_NOT_FOUND,
    "RevocationAlreadyInProgress": ALREADY_RUNNING,
}
