"""Typed shapes of the data that travels between the states (docs/data-contract.md).

Pydantic v2 models, used through Powertools' parser where a handler receives them. The report, the
workflow's main output, is in revocation_common.report_model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from revocation_common.batches import RevocationBatch
from revocation_common.store import execution_prefix
from revocation_common.vocabulary import CA_CERTIFICATE_ID_PATTERN, DEFAULT_TARGET_STATUS, TargetStatus

Outcome = Literal["REVOKED", "ALREADY_IN_TARGET", "SKIPPED", "FAILED"]
CaNamedBy = Literal["caCertificateId", "caCertificatePem"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CanonicalRequest(_Frozen):
    """What NormalizeInput emits, whatever started the execution.

    caCertificateId: 64 lowercase hex characters: the CA's certificateId in AWS IoT, or, for a CA named
    only by its PEM (caNamedBy "caCertificatePem"), the SHA-256 fingerprint of the PEM's DER (the lock
    key and the report's CA id; the report then says ``registered: false`` when it is registered nowhere).
    caCertificatePem: the CA's PEM certificate (registered here or not), validated as one CA certificate.
    caNamedBy: which field names the CA: "caCertificateId" (by id, with or without a PEM that must be the
    same certificate) or "caCertificatePem" (by PEM only).
    scanUnlinked: scan the certificates linked to no registered CA; None: the deployment's default
    (cdk.json context scanUnlinkedCertificates).
    dryRun: when true nothing is changed; the run reports what it would do.
    targetStatus: REVOKED (final) or INACTIVE (a reversible quarantine).
    registeredAfter: ISO 8601 in UTC or None: the certificates AWS IoT registered after it (creationDate)
    are revoked first, the rest after them (discovery's page order; it narrows nothing).
    source: console, eventbridge:custom, securityhub:finding or securityhub:custom-action.
    """

    caCertificateId: str = Field(pattern=CA_CERTIFICATE_ID_PATTERN)
    caCertificatePem: str | None = None
    caNamedBy: CaNamedBy = "caCertificateId"
    scanUnlinked: bool | None = None
    dryRun: bool = False
    targetStatus: TargetStatus = DEFAULT_TARGET_STATUS
    reason: str = Field(default="", max_length=1024)
    incidentId: str = Field(default="", max_length=128)
    registeredAfter: str | None = None
    source: str = "console"


class ExecutionContext(_Frozen):
    """Where this execution keeps its data; built by NormalizeInput (PrepareRestore for a restore) from
    the context object."""

    executionArn: str
    executionName: str
    stateMachineArn: str = ""
    startTime: str = ""
    reportBucket: str
    reportPrefix: str
    maxConcurrency: int = Field(ge=1)

    @classmethod
    def of_execution(
        cls, execution: Mapping[str, Any], *, report_bucket: str, max_concurrency: int
    ) -> ExecutionContext:
        """From the first state's ``execution`` block ({executionArn, executionName, startTime,
        stateMachineArn} of the context object, Step Functions Developer Guide "Context object"); the
        execution's S3 prefix is ``executions/<executionName>/``."""
        name = str(execution.get("executionName", ""))
        return cls(
            executionArn=str(execution.get("executionArn", "")),
            executionName=name,
            stateMachineArn=str(execution.get("stateMachineArn", "")),
            startTime=str(execution.get("startTime", "")),
            reportBucket=report_bucket,
            reportPrefix=execution_prefix(name),
            maxConcurrency=max_concurrency,
        )


class TaskInput(_Frozen):
    """Input of DeactivateCa and the base of the later tasks' inputs."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    request: CanonicalRequest
    context: ExecutionContext


class CaState(_Frozen):
    """DeactivateCas' result ($.ca): the named CA's statuses (as the report's ``ca`` block) and how many
    registered CAs in scope it handled.

    registered: False for a named CA registered nowhere here (its statuses are then "").
    changed: this execution deactivated at least one CA in scope.
    casInScope / casRegistered / casDeactivated: CAs in scope, of them registered, of them changed now
    or by an earlier attempt of this execution. statesKey: S3 key of the per-CA states
    (scope/ca-states.json).
    """

    caCertificateId: str
    statusBefore: str
    statusAfter: str
    autoRegistrationStatusBefore: str
    autoRegistrationStatusAfter: str
    changed: bool
    registered: bool = True
    casInScope: int = Field(default=1, ge=0)
    casRegistered: int = Field(default=1, ge=0)
    casDeactivated: int = Field(default=0, ge=0)
    statesKey: str | None = None


class BatchInput(TaskInput):
    """Input of one Distributed Map child (RevokeCertificates): one batch of pages of at most 250
    certificates each (revocation_common.batches)."""

    batch: RevocationBatch


class PageEntry(_Frozen):
    """One certificate of a revocation page, as discovery found it.

    foundBy: the id of the registered CA whose ListCertificatesByCA returned it, or "issuer-scan" (linked
    to no registered CA; an in-scope CA's key verifies its signature). issuedBy: for "issuer-scan", the
    id of that CA ("" otherwise: the listing CA is foundBy). creationDate: when AWS IoT registered it, an
    instant (revocation_common.registration_order; "" when the listing gave none).
    """

    certificateId: str
    status: str
    foundBy: str = ""
    issuedBy: str = ""
    creationDate: str = ""

    @property
    def scope_ca(self) -> str:
        """The id of the CA in scope this certificate counts under (the report's scope.cas)."""
        return self.issuedBy or self.foundBy


class CertificateOutcome(_Frozen):
    """What happened to one certificate.

    thingNames: the Things the certificate is attached to (ListPrincipalThings of its ARN, every page, in
    the order AWS IoT listed them; [] for none); None when they were not listed (cdk.json
    listAffectedThings false, or a page without recorded outcomes).
    """

    certificateId: str
    statusBefore: str
    statusAfter: str
    outcome: Outcome
    reason: str = ""
    foundBy: str = ""
    issuedBy: str = ""
    thingNames: list[str] | None = None


class OutcomeCounts(BaseModel):
    """Counts of outcomes; total is their sum."""

    revoked: int = 0
    alreadyRevoked: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.revoked + self.alreadyRevoked + self.skipped + self.failed

    def add(self, outcome: Outcome) -> None:
        if outcome == "REVOKED":
            self.revoked += 1
        elif outcome == "ALREADY_IN_TARGET":
            self.alreadyRevoked += 1
        elif outcome == "SKIPPED":
            self.skipped += 1
        else:
            self.failed += 1

    def merge(self, other: OutcomeCounts) -> None:
        self.revoked += other.revoked
        self.alreadyRevoked += other.alreadyRevoked
        self.skipped += other.skipped
        self.failed += other.failed

    def as_report(self) -> dict[str, int]:
        return {"total": self.total, **self.model_dump()}


class LockState(_Frozen):
    """AcquireLock's result ($.lock).

    holder: this execution's ARN. acquiredAt: ISO 8601 UTC. expiresAt: epoch seconds (TTL).
    takenOverFrom: the ARN of a previous holder that had ended without releasing, else None;
    previousHolderStatus: its status then (SUCCEEDED, FAILED, TIMED_OUT, ABORTED, DOES_NOT_EXIST, EXPIRED).
    """

    table: str
    caCertificateId: str
    holder: str
    acquiredAt: str
    expiresAt: int
    takenOverFrom: str | None = None
    previousHolderStatus: str | None = None
