"""The function table of docs/data-contract.md: one row per Lambda task.

Shared by the CDK stack (infra/functions.py) and the embedded emulator (emulator/deploy.py), so both
deploy the same handlers with the same timeouts and memory. Kept free of aws_cdk imports: the emulator
loads it without starting jsii.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class FunctionSpec:
    """One row of the function table of docs/data-contract.md.

    logical_name: construct id and ASL placeholder stem (``${<logical_name>FunctionArn}``).
    handler: module path inside ``lambdas/`` plus the function name.
    timeout_seconds: Lambda timeout, seconds.
    memory_mb: Lambda memory, MB.
    """

    logical_name: str
    handler: str
    timeout_seconds: int
    memory_mb: int

    @property
    def placeholder(self) -> str:
        """The ASL definition substitution key of this function's ARN."""
        return f"{self.logical_name}FunctionArn"


FUNCTION_SPECS: Final[tuple[FunctionSpec, ...]] = (
    FunctionSpec("NormalizeInput", "normalize_input.handler.handler", 30, 256),
    FunctionSpec("AcquireLock", "acquire_lock.handler.handler", 30, 256),
    FunctionSpec("DeactivateCa", "deactivate_ca.handler.handler", 60, 256),
    FunctionSpec("ListCertificatePages", "list_certificate_pages.handler.handler", 900, 512),
    FunctionSpec("RevokeCertificates", "revoke_certificates.handler.handler", 900, 512),
    FunctionSpec("VerifyRevocation", "verify_revocation.handler.handler", 900, 1024),
    FunctionSpec("SummarizeFailure", "summarize_failure.handler.handler", 30, 256),
)
