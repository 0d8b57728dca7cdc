"""The report: VerifyRevocation's output and ``executions/<executionName>/report.json``.

Its JSON (field names, their order, values) is a public interface: docs/data-contract.md and the README's
example. The fields below are declared in that order, so ``Report.document()`` gives the same document
key for key; S3 gets it with sorted keys (revocation_common.aws.s3_store).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from revocation_common.expected_duration import ExpectedRevocation
from revocation_common.vocabulary import TargetStatus

# The state output (256 KiB limit) keeps this many skipped/failed entries; the S3 report more
# (verify_revocation.report.REPORT_LIST_LIMIT). Every outcome is in the outcomes/ objects.
STATE_LIST_LIMIT = 50
# failedPages entries carry a cause of up to 2,000 characters each: 20 of them are about 42 KB of the
# 256 KiB a state's input or output may hold (Step Functions Developer Guide, "Step Functions service
# quotas": maximum input or output size for a task, state or execution), where about 125 would pass it.
FAILED_PAGES_STATE_LIMIT = 20
# Report fields kept in the document even when null, last, in this order.
ALWAYS_PRESENT = ("affectedThings", "affectedThingsLocation")


class _ReportPart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportCa(_ReportPart):
    """The CA's statuses: as the execution first saw them, and as re-read at the end."""

    statusBefore: str
    statusAfter: str
    autoRegistrationStatusBefore: str
    autoRegistrationStatusAfter: str


class ReportCounts(_ReportPart):
    """Outcome counts of every certificate in scope; total is the sum of the other four. ``revoked`` counts
    the certificates this run set to the target, whatever the target (the name is kept for compatibility;
    the report's scope.changed gives the same number under a target-neutral name)."""

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


class ReportScopeCa(_ReportPart):
    """One CA in scope (docs/data-contract.md, "The report's scope").

    relation: "named" or "intermediate" (a registered CA that a CA in scope issued, by signature).
    issuedBy: the in-scope CA whose key verifies its signature (None for the named CA). registered: False
    for a named CA registered nowhere here (caCertificateId is then the SHA-256 of its DER).
    statusBefore: as this execution first saw it; statusAfter/autoRegistrationStatusAfter: as the
    re-discovery read them from AWS IoT at the end ("" when not registered). certificates: the outcomes of
    the certificates counted under this CA (listed by it, or found by the issuer scan and issued by it).
    """

    caCertificateId: str
    relation: Literal["named", "intermediate"]
    issuedBy: str | None
    registered: bool
    statusBefore: str
    statusAfter: str
    autoRegistrationStatusAfter: str
    certificates: ReportCounts


class ReportScope(_ReportPart):
    """The CAs in scope (named first) and the issuer scan's numbers: unlinkedScanned, the certificates
    linked to no registered CA that the scan described; unlinkedInScope, of them, issued by a CA in scope;
    changed: certificates this run set to the target, whatever the target (REVOKED or INACTIVE);
    scanUnlinked: whether the issuer scan ran (false: certificates linked to no registered CA were not
    examined, so a scan that was off never reads as one that found nothing)."""

    cas: list[ReportScopeCa]
    scanUnlinked: bool = True
    unlinkedScanned: int = Field(ge=0)
    unlinkedInScope: int = Field(ge=0)
    changed: int = Field(default=0, ge=0)


class ReportPageFailure(_ReportPart):
    """A page whose RevokeCertificates task failed after its retries (its page-failures/ record)."""

    pageNumber: int = Field(ge=0)
    pageKey: str
    error: str
    cause: str


class Verification(_ReportPart):
    """What the re-discovery from AWS IoT showed. caInactive/autoRegistrationDisabled: every registered CA
    in the re-discovered scope is INACTIVE / DISABLE (true when none is registered). listedCertificates:
    certificates in the re-discovered scope. remaining: status -> count of those not at the target (sorted
    by status); unaccounted: of those, not reported SKIPPED with a reason; missingPages: pages without
    recorded outcomes; checkedAt: ISO 8601 UTC, seconds."""

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
    error ("Error: Cause", at most 2000 characters), or the first failed page's, present only when the Map
    or a page failed. certificates.total covers the whole scope. scope: the CAs in scope with their counts
    (ReportScope). failedPages: every page whose task failed after its retries, with its error and cause.
    affectedThings: the distinct Things attached to the certificates in scope (ListPrincipalThings);
    affectedThingsLocation: the s3:// URL of the affected-Things CSV (one row per certificate and Thing);
    both null when the Things were not listed (cdk.json listAffectedThings false). registeredAfter: the
    request's cut-off (UTC), when it gave one. expectedRevocation: the revocation time expected at the
    configured UpdateCertificate quota when the scope was known (with raiseQuota, the Service Quotas quota
    to raise, past an hour); absent for a run that never got that far.
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
    scope: ReportScope | None = None
    failedPages: list[ReportPageFailure] = Field(default_factory=list)
    registeredAfter: str | None = None
    expectedRevocation: ExpectedRevocation | None = None
    affectedThings: int | None = Field(default=None, ge=0)
    affectedThingsLocation: str | None = None

    def document(self) -> dict[str, Any]:
        """The report as JSON-ready data, in field order; revocationError only when there is one;
        affectedThings and affectedThingsLocation always (null when the Things were not listed)."""
        document = self.model_dump(mode="json", exclude_none=True)
        for name in ALWAYS_PRESENT:
            document.pop(name, None)
            document[name] = getattr(self, name)
        return document

    def state_output(self) -> dict[str, Any]:
        """The report cut to fit the 256 KiB state payload: the skipped and failed lists keep their first
        STATE_LIST_LIMIT entries and failedPages its first FAILED_PAGES_STATE_LIMIT, and
        ``skippedCertificatesTruncated``/``failedCertificatesTruncated``/``failedPagesTruncated``: true is
        added (at the end) when one was cut. The whole report is report.json in S3 (reportLocation)."""
        small = self.document()
        limits = {
            "skippedCertificates": STATE_LIST_LIMIT,
            "failedCertificates": STATE_LIST_LIMIT,
            "failedPages": FAILED_PAGES_STATE_LIMIT,
        }
        for name, limit in limits.items():
            entries = small.get(name, [])
            if len(entries) > limit:
                small[name] = entries[:limit]
                small[f"{name}Truncated"] = True
        return small
