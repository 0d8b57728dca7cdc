"""Exit codes of ``ca-revoke run`` and ``ca-revoke demo``, for CI pipelines (documented in the README).

The codes of a failed execution are derived from the workflow's named errors (revocation_common.errors):
Step Functions reports the error name of a failed execution as the class name of the error a task raised
(Step Functions developer guide, "Handling errors in Step Functions workflows"), so ``BY_ERROR`` is keyed
by those class names and cannot drift from them.
"""

from __future__ import annotations

from typing import Final

from revocation_common import errors

VERIFIED = 0  # the execution succeeded and the end state was verified
FAILED = 1  # the execution failed (any error other than below), timed out or was aborted
BAD_INPUT = 2  # the request was refused: locally, or by NormalizeInput with InvalidInput
NOT_VERIFIED = 3  # the workflow ran but VerifyRevocation found the end state not reached
CA_NOT_FOUND = 4  # the caCertificateId is not registered in AWS IoT (CaNotFound)
ALREADY_RUNNING = 5  # another execution is already revoking this CA (RevocationAlreadyInProgress)
ACCESS_DENIED = 6  # run --regions: AWS denied the caller in a Region (AccessDenied): nothing known there
STARTED = 0  # without --wait: the execution was started

BY_ERROR_CLASS: Final[dict[type[errors.WorkflowError], int]] = {
    errors.InvalidInput: BAD_INPUT,
    errors.VerificationFailed: NOT_VERIFIED,
    errors.CaNotFound: CA_NOT_FOUND,
    errors.RevocationAlreadyInProgress: ALREADY_RUNNING,
}
"""The named errors with an exit code of their own; every other error of a failed execution is FAILED."""

BY_ERROR: Final[dict[str, int]] = {error.__name__: code for error, code in BY_ERROR_CLASS.items()}
"""Step Functions error name (the execution's ``error``) -> exit code."""
