"""Errors of the AWS IoT API that ``moto.iot.exceptions`` lacks.

Codes and HTTP statuses from botocore's IoT service model and the "Errors" section of each operation's page
in the AWS IoT API reference (e.g. API_UpdateCertificate, API_TransferCertificate).
"""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError

__all__ = [
    "InternalFailureException",
    "ServiceUnavailableException",
    "ThrottlingException",
    "TransferAlreadyCompletedException",
    "TransferConflictException",
]


class ThrottlingException(JsonRESTError):
    """HTTP 400 ThrottlingException, "The rate exceeds the limit"; botocore retries it as a throttle."""

    code = 400

    def __init__(self, message: str = "Rate exceeded") -> None:
        super().__init__("ThrottlingException", message)


class ServiceUnavailableException(JsonRESTError):
    """HTTP 503 ServiceUnavailableException (an injected fault)."""

    code = 503

    def __init__(self, message: str = "The service is temporarily unavailable.") -> None:
        super().__init__("ServiceUnavailableException", message)


class InternalFailureException(JsonRESTError):
    """HTTP 500 InternalFailureException (an injected fault)."""

    code = 500

    def __init__(self, message: str = "An unexpected error has occurred.") -> None:
        super().__init__("InternalFailureException", message)


class TransferConflictException(JsonRESTError):
    """HTTP 409: "You can't transfer the certificate because authorization policies are still attached."""

    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("TransferConflictException", message)


class TransferAlreadyCompletedException(JsonRESTError):
    """HTTP 410: "You can't revert the certificate transfer because the transfer is already complete."""

    code = 410

    def __init__(self, message: str) -> None:
        super().__init__("TransferAlreadyCompletedException", message)
