"""Named errors of the workflow.

A Lambda task that raises one of these fails with ``errorType`` equal to the class name, which AWS Step
Functions uses as the state's error name (Step Functions developer guide, "Handling errors in Step
Functions workflows"). The names are part of the public contract: Catch and Retry rules, alarms and
operators match on them, so never rename one.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base of the workflow's named errors; the class name is the Step Functions error name."""


class InvalidInput(WorkflowError):
    """The execution input is malformed; raised by NormalizeInput before any AWS call.

    The message names the offending field and the expected form, e.g.
    ``caCertificateId: expected 64 lowercase hexadecimal characters``.
    """

    def __init__(self, field: str, expected: str) -> None:
        self.field = printable_field(field)
        self.expected = expected
        super().__init__(f"{self.field}: {expected}")


# Field names can come from the input itself (an unknown key); they end up in the error, the failure
# notification and the logs, so they are kept to one printable, bounded line.
FIELD_NAME_LIMIT = 120


def printable_field(field: str) -> str:
    """``field`` as one printable line of at most FIELD_NAME_LIMIT characters.

    Control characters and other unprintable ones are backslash-escaped (``\\n``, ``\\x1b``); an empty
    name becomes ``""``; a longer one is cut and ends with ``...``.
    """
    text = field if field.isprintable() else field.encode("unicode_escape").decode("ascii")
    if not text:
        return '""'
    return text if len(text) <= FIELD_NAME_LIMIT else text[: FIELD_NAME_LIMIT - 3] + "..."


class CaNotFound(WorkflowError):
    """DescribeCACertificate answered ResourceNotFoundException for the requested caCertificateId."""


class VerificationFailed(WorkflowError):
    """The end state was not reached: the CA is not INACTIVE, or certificates of the CA remain in a status
    other than the target that were not reported as impossible to change."""


class TransientAwsError(WorkflowError):
    """An AWS call still failed with throttling or a 5xx after botocore's retries; the state retries it."""


class AutomaticResponseDisabled(WorkflowError):
    """A run started by a security finding while the deployment's automatic-response mode is ``off``."""


class RevocationAlreadyInProgress(WorkflowError):
    """Another execution holds the lock of this CA and is still RUNNING; raised by AcquireLock.

    The message names the holder's executionArn. This execution changed nothing and ends here, so that a
    finding delivered twice (or by two Regions' aggregation) never starts two revocations of one CA.
    """


class DeploymentError(WorkflowError):
    """The deployment does not allow what the task needs (e.g. S3 answered AccessDenied); the message says
    which permission or setting to fix. Never read as "not found": a missing permission must not turn into
    a silently missing page."""
