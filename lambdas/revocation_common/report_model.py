"""The report: VerifyRevocation's output and ``executions/<executionName>/report.json``.

Its JSON (field names, their order, values) is a public interface: docs/data-contract.md and the README's
example. The fields below are declared in that order, so ``Report.document()`` gives the same document
key for key; S3 gets it with sorted keys (revocation_common.aws.s3_store).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from revocation_common.vocabulary import TargetStatus

# The state output (256 KiB limit) keeps this many skipped/failed entries; the S3 report more
# (verify_revocation.report.REPORT_LIST_LIMIT). Every outcome is in the outcomes/ objects.
STATE_LIST_LIMIT = 50


class _ReportPart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportCa(_ReportPart):
    """The CA's statuses: as the execution first saw them, and as re-read at the end."""

    statusBefore: str
    statusAfter: str
    autoRegistrationStatusBefore: str
    autoRegistrationStatusAfter: str


class ReportCounts(_ReportPart):
    """Outcome counts of every certificate in scope; total is the sum of the other four."""

    total: int = Field(ge=0)
    revoked: int = Field(ge=0)
    alreadyRevoked: int = Field(ge=0)
    skipped: int = Field(ge=0)
    failed: int = Field(ge=0)


class ReportEntry(_ReportPart):
    """A skipped or failed certificate: its status now (or as listed) and why."""

    certificateId: str
    status: str
    reason: str


class Verification(_ReportPart):
    """What the fresh read of AWS IoT showed. remaining: status -> count of certificates of the CA not at
    the target (sorted by status); checkedAt: ISO 8601 UTC, seconds."""

    verified: bool
    caInactive: bool
    autoRegistrationDisabled: bool
    listedCertificates: int = Field(ge=0)
    remaining: dict[str, int]
    unaccounted: int = Field(ge=0)
    missingPages: int = Field(ge=0)
    checkedAt: str


class ReportListing(_ReportPart):
    pageCount: int = Field(ge=0)
    invocations: int = Field(ge=0)


class Report(_ReportPart):
    """The report of one execution (docs/data-contract.md, README "The report").

    status: SUCCEEDED when verification.verified, else FAILED. revocationError: the Distributed Map's
    error ("Error: Cause", at most 2000 characters), present only when the Map failed.
    """

    executionArn: str
    status: Literal["SUCCEEDED", "FAILED"]
    caCertificateId: str
    dryRun: bool
    targetStatus: TargetStatus
    reason: str
    incidentId: str
    source: str
    ca: ReportCa
    certificates: ReportCounts
    skippedCertificates: list[ReportEntry]
    failedCertificates: list[ReportEntry]
    verification: Verification
    listing: ReportListing
    reportLocation: str
    outcomesLocation: str
    startedAt: str
    revocationError: str | None = Field(default=None, max_length=2000)

    def document(self) -> dict[str, Any]:
        """The report as JSON-ready data, in field order; revocationError only when there is one."""
        return self.model_dump(mode="json", exclude_none=True)

    def state_output(self) -> dict[str, Any]:
        """The report cut to fit the 256 KiB state payload: the skipped and failed lists keep their first
        STATE_LIST_LIMIT entries, and ``skippedCertificatesTruncated``/``failedCertificatesTruncated``:
        true is added (at the end) when one was cut."""
        small = self.document()
        for name in ("skippedCertificates", "failedCertificates"):
            entries = small[name]
            small[name] = entries[:STATE_LIST_LIMIT]
            if len(entries) > STATE_LIST_LIMIT:
                small[f"{name}Truncated"] = True
        return small
