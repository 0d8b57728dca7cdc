"""Verification of the end state: the re-discovered scope compared with the target, the outcomes merged,
the verdict and the report.

The re-discovery (DiscoverScope, purpose "verify", under ``{reportPrefix}verify/``) re-read AWS IoT after
the revocation: every registered CA in scope with DescribeCACertificate, every certificate in scope with
ListCertificatesByCA or DescribeCertificate. This module reads what it wrote; it calls no AWS IoT API.
Source: AWS IoT Developer Guide, "Deactivate a CA certificate" and "Manage your CA certificates".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from revocation_common.models import PageEntry
from revocation_common.page_failures import PageFailure
from revocation_common.ports import ObjectStore, TextStore
from revocation_common.report_model import Report, Verification
from revocation_common.scope_models import ScopeCa, ScopeCaState, VerifyInput
from revocation_common.store import ca_states_key, page_key, scope_cas_key, verify_prefix

from verify_revocation.report import (
    MergedOutcomes,
    assemble_report,
    merge_outcomes,
    scope_block,
    write_report,
)
from verify_revocation.things import write_affected_things

DEACTIVATED = ("INACTIVE", "DISABLE")


@dataclass(frozen=True)
class Rediscovered:
    """The scope as the re-discovery found it: the CAs (statuses now) and certificateId -> status now."""

    cas: list[ScopeCa]
    certificates: dict[str, str]


def read_rediscovered(store: ObjectStore, event: VerifyInput) -> Rediscovered:
    """The re-discovery's scope/cas.json and pages (under ``{reportPrefix}verify/``)."""
    prefix = verify_prefix(event.context.reportPrefix)
    cas = [ScopeCa.model_validate(item) for item in store.get_json(scope_cas_key(prefix))]
    certificates: dict[str, str] = {}
    for number in range(event.verifyDiscovery.pageCount):
        for item in store.get_json(page_key(prefix, number)):
            entry = PageEntry.model_validate(item)
            certificates[entry.certificateId] = entry.status
    return Rediscovered(cas=cas, certificates=certificates)


def verify_end_state(
    event: VerifyInput,
    merged: MergedOutcomes,
    *,
    rediscovered: Rediscovered,
    first_cas: Sequence[str] = (),
    now: datetime | None = None,
) -> Verification:
    """The verdict.

    verified (enforcing run): every registered CA of the re-discovered scope is INACTIVE with
    auto-registration DISABLE (vacuously true when none is registered, e.g. a CA registered nowhere
    here), no certificate FAILED, and no certificate of the re-discovered scope is in a status other than
    the target unless reported SKIPPED with its reason (a certificate found only by the re-discovery,
    e.g. registered during the run, is not at target and so not verified).
    verified (dry run): every page has its outcomes, nothing was changed, every certificate found now was
    in the plan, and the CAs in
    scope now are those of the plan (``first_cas``).
    """
    target = event.request.targetStatus
    listed_now = rediscovered.certificates
    registered = [ca for ca in rediscovered.cas if ca.registered]
    remaining = Counter(status for status in listed_now.values() if status != target)
    unaccounted = sum(
        1 for cid, status in listed_now.items() if status != target and cid not in merged.excepted_ids
    )
    ca_inactive = all(ca.status == DEACTIVATED[0] for ca in registered)
    auto_disabled = all(ca.autoRegistrationStatus == DEACTIVATED[1] for ca in registered)
    if event.request.dryRun:
        verified = (
            merged.missing_pages == 0
            and set(listed_now) <= merged.seen_ids
            and merged.counts.revoked == 0
            and not event.ca.changed
            and {ca.caCertificateId for ca in rediscovered.cas} <= set(first_cas)
        )
    else:
        verified = ca_inactive and auto_disabled and merged.counts.failed == 0 and unaccounted == 0
    return Verification(
        verified=verified,
        caInactive=ca_inactive,
        autoRegistrationDisabled=auto_disabled,
        listedCertificates=len(listed_now),
        remaining=dict(sorted(remaining.items())),
        unaccounted=unaccounted,
        missingPages=merged.missing_pages,
        checkedAt=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
    )


def named_ca_after(event: VerifyInput, cas: Sequence[ScopeCa]) -> tuple[str, str]:
    """The named CA's (status, autoRegistrationStatus) now: the re-discovery's entry of the id DeactivateCas
    reported, else its first registered named entry, else ("", "") (registered nowhere here)."""
    for ca in cas:
        if ca.caCertificateId == event.ca.caCertificateId and ca.registered:
            return ca.status, ca.autoRegistrationStatus
    for ca in cas:
        if ca.relation == "named" and ca.registered:
            return ca.status, ca.autoRegistrationStatus
    return "", ""


def build_report(
    store: ObjectStore,
    event: VerifyInput,
    *,
    page_failures: Sequence[PageFailure] = (),
    things_store: TextStore | None = None,
) -> Report:
    """Read the re-discovered scope, merge the outcomes, write ``report.json`` to ``store``; return it.

    ``page_failures``: the execution's page-failures/ records (revocation_common.page_failures).
    ``things_store``: when given (cdk.json listAffectedThings), the affected-Things CSV is written there
    (verify_revocation.things) before the report, which gives its location and the distinct Things.
    Errors: DeploymentError (S3 refused an object), TransientAwsError.
    """
    request, ctx = event.request, event.context
    page_error = ""
    if "Error" in event.revocation:
        page_error = f"{event.revocation.get('Error')}: {event.revocation.get('Cause', '')}"
    rediscovered = read_rediscovered(store, event)
    merged = merge_outcomes(
        store,
        ctx.reportPrefix,
        event.discovery.pageCount,
        page_error,
        current=rediscovered.certificates,
        target=request.targetStatus,
        dry_run=request.dryRun,
        page_failures=page_failures,
        collect_things=things_store is not None,
    )
    things_location = None
    if things_store is not None and merged.things is not None:
        things_location = write_affected_things(
            things_store, ctx.reportBucket, ctx.reportPrefix, merged.things
        )
    states_key = event.ca.statesKey or ca_states_key(ctx.reportPrefix)
    states = [ScopeCaState.model_validate(item) for item in store.get_json(states_key)]
    verification = verify_end_state(
        event, merged, rediscovered=rediscovered, first_cas=[state.caCertificateId for state in states]
    )
    scope = scope_block(
        states,
        rediscovered.cas,
        merged,
        unlinked_scanned=event.discovery.unlinkedScanned,
        unlinked_in_scope=event.discovery.unlinkedInScope,
        scan_unlinked=event.discovery.scanUnlinked,
    )
    report = assemble_report(
        event,
        merged,
        ca_after=named_ca_after(event, rediscovered.cas),
        verification=verification,
        page_error=page_error,
        scope=scope,
        page_failures=page_failures,
        affected_things_location=things_location,
    )
    write_report(store, ctx.reportPrefix, report)
    return report
