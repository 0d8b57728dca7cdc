"""The function table of docs/data-contract.md: one row per Lambda task.

Shared by the CDK stack (infra/functions.py), the embedded emulator (emulator/deploy.py) and the bench, so
all deploy the same handlers with the same timeouts and memory. Kept free of aws_cdk imports: the
emulator loads it without starting jsii.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class FunctionSpec:
    """One row of the function table of docs/data-contract.md.

    logical_name: construct id and ASL placeholder stem (``${<logical_name>FunctionArn}``).
    handler: module path inside ``lambdas/`` plus the function name.
    timeout_seconds: Lambda timeout, seconds (at most 900, the Lambda quota "Function timeout").
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
    FunctionSpec("DiscoverScope", "discover_scope.handler.handler", 900, 1024),
    FunctionSpec("RevokeCertificates", "revoke_certificates.handler.handler", 900, 256),
    # The report holds every certificate id of the scope twice (re-discovered statuses, ids seen): about
    # 350 MB per 1,000,000 (measured: 237 MB for one copy of 1,000,000 ids in a dict and a set), so
    # 5,000,000 need some 1.8 GB. 3008 MB leaves room and stays well under the 10,240 MB maximum (Lambda
    # developer guide, "Configuring Lambda function memory"; "Lambda quotas": new accounts have reduced
    # memory quotas, raised automatically with use).
    FunctionSpec("VerifyRevocation", "verify_revocation.handler.handler", 900, 3008),
    FunctionSpec("SummarizeFailure", "summarize_failure.handler.handler", 30, 256),
    # The restore state machine's own tasks (statemachine/restore.asl.json).
    FunctionSpec("PrepareRestore", "restore_quarantine.handlers.prepare_handler", 60, 512),
    FunctionSpec("RestoreCertificates", "restore_quarantine.handlers.page_handler", 900, 512),
    FunctionSpec("FinishRestore", "restore_quarantine.handlers.finish_handler", 900, 1024),
)

REVOCATION_FUNCTIONS: Final[tuple[str, ...]] = (
    "NormalizeInput",
    "AcquireLock",
    "DeactivateCa",
    "DiscoverScope",
    "RevokeCertificates",
    "VerifyRevocation",
    "SummarizeFailure",
)
"""The functions statemachine/revoke_ca.asl.json calls (its ``${<name>FunctionArn}`` placeholders)."""
RESTORE_FUNCTIONS: Final[tuple[str, ...]] = (
    "PrepareRestore",
    "AcquireLock",
    "RestoreCertificates",
    "FinishRestore",
    "SummarizeFailure",
)
"""The functions statemachine/restore.asl.json calls: the lock and the failure notice are shared with the
revocation, so one CA is never revoked and restored at once."""


def function_spec(logical_name: str) -> FunctionSpec:
    """The row of ``logical_name`` (e.g. "DiscoverScope"); KeyError naming it when there is none."""
    for spec in FUNCTION_SPECS:
        if spec.logical_name == logical_name:
            return spec
    raise KeyError(f"no function {logical_name!r} in FUNCTION_SPECS")


LIST_FUNCTION_TIMEOUT_SECONDS: Final = function_spec("DiscoverScope").timeout_seconds
"""The DiscoverScope timeout (it pages every listing): listTimeBudgetSeconds must stay below it
(infra/settings.py)."""
