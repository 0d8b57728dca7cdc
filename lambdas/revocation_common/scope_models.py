"""Typed shapes of scope discovery (DiscoverScope's input, state and S3 documents).

Pydantic v2 models next to revocation_common.models (docs/data-contract.md). Only keys and counts travel
in the state (Step Functions payload quota 256 KiB, Step Functions developer guide, "Step Functions
service quotas"); the CAs, the linked ids and the pages are S3 objects.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from revocation_common.expected_duration import ExpectedRevocation, StartNotice
from revocation_common.models import CaNamedBy, CaState, ExecutionContext, TaskInput
from revocation_common.vocabulary import CA_CERTIFICATE_ID_PATTERN

Relation = Literal["named", "intermediate"]
DiscoveryPhase = Literal["cas", "linked", "scan", "complete"]
# foundBy of a certificate that no registered CA's listing returned but an in-scope CA's key signed.
ISSUER_SCAN = "issuer-scan"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScopeRequest(BaseModel):
    """The request fields discovery reads (the rest of the canonical request is ignored here).

    caCertificateId: the CA's certificateId in AWS IoT, when it is registered here.
    caCertificatePem: the CA's PEM certificate (registered here or not); NormalizeInput validated it.
    scanUnlinked: run the issuer scan of certificates linked to no registered CA; None: the deployment's
    default (cdk.json context scanUnlinkedCertificates). dryRun: the run changes nothing (its start
    notice says so). registeredAfter: an instant (revocation_common.registration_order): the certificates
    registered after it go on pages of their own, first in the manifest.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    caCertificateId: str | None = Field(default=None, pattern=CA_CERTIFICATE_ID_PATTERN)
    caCertificatePem: str | None = None
    caNamedBy: CaNamedBy = "caCertificateId"
    scanUnlinked: bool | None = None
    dryRun: bool = False
    registeredAfter: str | None = None

    @property
    def named_ca_certificate_id(self) -> str | None:
        """The registered id the request names, or None when it names the CA by its PEM only (its
        caCertificateId is then the PEM's SHA-256, set by NormalizeInput, not a registration to look up)."""
        return None if self.caNamedBy == "caCertificatePem" else self.caCertificateId


class RegisteredCa(_Frozen):
    """A CA certificate registered in AWS IoT (ListCACertificates + DescribeCACertificate)."""

    caCertificateId: str
    status: str
    autoRegistrationStatus: str = ""
    certificatePem: str = ""


class ScopeCa(_Frozen):
    """One CA in scope.

    relation: "named" (the CA the request names, under each id it is registered with) or "intermediate"
    (a registered CA that a CA in scope issued, by signature). issuedBy: the id of the in-scope CA whose
    key verifies this one's signature; None for the named CA. registered: False only for a named CA that
    is registered nowhere here, whose caCertificateId is then the SHA-256 of its DER. status and
    autoRegistrationStatus: as DescribeCACertificate reported them ("" when not registered).
    """

    caCertificateId: str
    relation: Relation
    issuedBy: str | None = None
    registered: bool
    status: str = ""
    autoRegistrationStatus: str = ""
    certificatePem: str = ""


class ScopeCaState(_Frozen):
    """One line of scope/ca-states.json (DeactivateCas): a CA in scope with its statuses as this execution
    first saw them and after its deactivation ("" for a CA registered nowhere here, or deleted since
    discovery listed it). changed: this execution deactivated it (now or in an earlier attempt)."""

    caCertificateId: str
    relation: Relation
    issuedBy: str | None = None
    registered: bool
    statusBefore: str = ""
    autoRegistrationStatusBefore: str = ""
    statusAfter: str = ""
    autoRegistrationStatusAfter: str = ""
    changed: bool = False


class RegisteredCaIndex(_Frozen):
    """One line of scope/registered.json: a registered CA, and whether it is in scope."""

    caCertificateId: str
    inScope: bool


class ScopeCaCounts(_Frozen):
    """Certificates found per CA in scope: listed (its ListCertificatesByCA) and unlinked (issuer scan)."""

    caCertificateId: str
    listed: int = Field(default=0, ge=0)
    unlinked: int = Field(default=0, ge=0)


class DiscoveryState(_Frozen):
    """DiscoverScope's state ($.discovery), handed from one invocation to the next until complete.

    phase: cas -> linked -> scan -> complete (scan skipped when scanUnlinked is false); complete is
    phase == "complete", for the state machine's Choice.
    caIndex/marker: position in the ListCertificatesByCA listing of scope/registered.json's CAs.
    scanMarker/scanOffset: the ListCertificates marker of the page being scanned and how many of its
    entries are done (a page can take longer than what is left of the time budget); scanResumeId: the
    certificateId the scan stopped before (the page listed again resumes at it, wherever it moved).
    pageCount/certificateCount: pages written (pages/{n:06d}.json) and certificates in them.
    unlinkedScanned: certificates described by the scan; unlinkedInScope: of those, issued by a CA in scope.
    caCounts: per in-scope CA (one entry each; their number is small, the only list that travels).
    """

    phase: DiscoveryPhase = "cas"
    complete: bool = False
    scanUnlinked: bool = True
    caIndex: int = Field(default=0, ge=0)
    marker: str | None = None
    scanMarker: str | None = None
    scanOffset: int = Field(default=0, ge=0)
    scanResumeId: str | None = None
    registeredCaCount: int = Field(default=0, ge=0)
    casInScope: int = Field(default=0, ge=0)
    linkedChunkCount: int = Field(default=0, ge=0)
    linkedCount: int = Field(default=0, ge=0)
    pageCount: int = Field(default=0, ge=0)
    certificateCount: int = Field(default=0, ge=0)
    unlinkedScanned: int = Field(default=0, ge=0)
    unlinkedInScope: int = Field(default=0, ge=0)
    caCounts: tuple[ScopeCaCounts, ...] = ()
    invocations: int = Field(default=0, ge=0)
    scopeKey: str | None = None
    manifestKey: str | None = None
    batchesKey: str | None = None
    expectedRevocation: ExpectedRevocation | None = None
    startNotice: StartNotice | None = None


class DiscoveryInput(BaseModel):
    """Input of DiscoverScope: {"request", "context", "discovery"?, "purpose"?}.

    purpose "revoke" writes under the execution's prefix; "verify" (the re-discovery of VerifyRevocation)
    under ``{reportPrefix}verify/``, so that the second discovery never overwrites the pages revoked.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    request: ScopeRequest
    context: ExecutionContext
    discovery: DiscoveryState = Field(default_factory=DiscoveryState)
    purpose: Literal["revoke", "verify"] = "revoke"


class DeactivateInput(TaskInput):
    """Input of DeactivateCas: {"request", "context", "discovery"} (discovery past its "cas" phase, so
    scope/cas.json exists under the execution's prefix)."""

    discovery: DiscoveryState


class GatherState(_Frozen):
    """VerifyRevocation's gathering ($.gather, verify_revocation.gather), handed from one invocation to the
    next until complete.

    position: the next object to gather, in the order of verify_revocation.gather.gather_keys (a part
    boundary); total: how many objects there are to gather; parts: verify-gather/ parts written;
    invocations: gathering invocations so far.
    """

    position: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)
    parts: int = Field(default=0, ge=0)
    invocations: int = Field(default=0, ge=0)
    complete: bool = False


class VerifyInput(TaskInput):
    """Input of VerifyRevocation: {"request", "context", "ca", "discovery", "verifyDiscovery",
    "revocation", "gather"?, "purpose"?}.

    discovery: the first discovery (its pages were revoked); verifyDiscovery: the re-discovery from AWS IoT
    after the revocation (under ``{reportPrefix}verify/``); revocation: the Map's result, or its error
    ({Error, Cause}) when the Map itself failed. purpose "gather": copy the objects the report reads into
    parts, from ``gather``'s position (GatherVerification); "report" (default): verify and write the
    report, from the gathered parts when ``gather`` is complete, else from the objects themselves.
    """

    ca: CaState
    discovery: DiscoveryState
    verifyDiscovery: DiscoveryState
    revocation: dict[str, object] = Field(default_factory=dict)
    gather: GatherState | None = None
    purpose: Literal["gather", "report"] = "report"
