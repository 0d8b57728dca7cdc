"""Typed shapes of the restore workflow's data (docs/data-contract.md, "Restore")."""

from __future__ import annotations

import re
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from revocation_common.models import CanonicalRequest, ExecutionContext

# A Step Functions execution ARN: arn:<partition>:states:<region>:<account>:execution:<machine>:<name>
# (Step Functions API reference, DescribeExecution executionArn; names are 1-80 of [A-Za-z0-9_-]).
EXECUTION_ARN: Final = re.compile(
    r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:(?P<machine>[A-Za-z0-9_-]{1,80}):"
    r"(?P<name>[A-Za-z0-9_-]{1,80})$"
)

RestoreOutcomeName = Literal["RESTORED", "ALREADY_ACTIVE", "SKIPPED", "FAILED"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RestoreRequest(_Frozen):
    """The restore state machine's input, validated.

    action: always "restore". executionArn: the revocation execution whose quarantine to undo.
    includeCa: also set the CAs that execution deactivated back to their statusBefore and
    autoRegistrationStatusBefore. dryRun: change nothing, report what would be restored.
    """

    action: Literal["restore"] = "restore"
    executionArn: str
    includeCa: bool = False
    dryRun: bool = False
    reason: str = Field(default="", max_length=1024)
    incidentId: str = Field(default="", max_length=128)


class CaToRestore(_Frozen):
    """A CA the quarantined execution deactivated, with the statuses it found it in."""

    caCertificateId: str
    statusBefore: str
    autoRegistrationStatusBefore: str


class RestorePlan(_Frozen):
    """PrepareRestore's result ($.restore): what to restore, written under this execution's prefix.

    restoreOf: the quarantined execution. manifestKey/pageCount: the pages of the certificates it set
    INACTIVE (pages/, manifest.json, at most 250 per page). certificates: how many. notRestorable: its
    other certificates in scope (never set INACTIVE by it: left as they are). cas: the CAs it deactivated.
    """

    restoreOf: str
    request: RestoreRequest
    manifestKey: str
    pageCount: int = Field(ge=0)
    certificates: int = Field(ge=0)
    notRestorable: int = Field(ge=0)
    cas: list[CaToRestore] = Field(default_factory=list)


class RestoreTaskInput(BaseModel):
    """Input of RestoreCertificates and FinishRestore: the lock's request, the context, the plan."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    request: CanonicalRequest
    context: ExecutionContext
    restore: RestorePlan


class RestorePageInput(RestoreTaskInput):
    """One Distributed Map child: one page of at most 250 certificates."""

    pageKey: str
    pageNumber: int = Field(ge=0)
    pageCount: int = Field(ge=1)


class RestoreOutcome(_Frozen):
    """What the restore did to one certificate; statusNow is its status as the restore read it."""

    certificateId: str
    statusBefore: str
    statusAfter: str
    outcome: RestoreOutcomeName
    reason: str = ""
    foundBy: str = ""


class RestoreCounts(BaseModel):
    """Counts of restore outcomes; total is their sum."""

    restored: int = 0
    alreadyActive: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.restored + self.alreadyActive + self.skipped + self.failed

    def add(self, outcome: RestoreOutcomeName) -> None:
        field = {"RESTORED": "restored", "ALREADY_ACTIVE": "alreadyActive", "SKIPPED": "skipped"}.get(
            outcome, "failed"
        )
        setattr(self, field, getattr(self, field) + 1)

    def as_report(self) -> dict[str, int]:
        return {"total": self.total, **self.model_dump()}
