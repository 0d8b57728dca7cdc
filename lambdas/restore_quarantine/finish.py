"""FinishRestore's logic: set back the CAs (with includeCa), re-read from AWS IoT every certificate and CA
the restore touched, write the report.

Source: AWS IoT API reference, ListCertificatesByCA (statuses of a CA's certificates, 250 a page),
DescribeCertificate, DescribeCACertificate, UpdateCACertificate.
"""

from __future__ import annotations

from typing import Any, Final

from revocation_common.errors import CaNotFound
from revocation_common.models import PageEntry
from revocation_common.pacing import RatePacer
from revocation_common.ports import IotPort, ObjectMissing, ObjectStore
from revocation_common.scope_models import ISSUER_SCAN
from revocation_common.store import outcome_key, page_key, report_key
from revocation_common.vocabulary import QUARANTINE_STATUS, RESTORED_STATUS

from restore_quarantine.models import CaToRestore, RestoreCounts, RestoreOutcome, RestoreTaskInput

LISTED_LIMIT: Final = 100
"""Skipped and failed certificates listed in the report (all of them are in outcomes/)."""
UNRECORDED = "set ACTIVE by an attempt that did not record its outcome; read back by FinishRestore"
PAGE_FAILED = "the page's task failed after its retries (page-failures/): not restored"


def restore_cas(iot: IotPort, cas: list[CaToRestore], *, dry_run: bool) -> list[dict[str, str]]:
    """Set each CA the quarantine deactivated back to its statusBefore/autoRegistrationStatusBefore, only
    when it is still INACTIVE (one changed since is left and reported). Output: one entry per CA."""
    results = []
    for ca in cas:
        try:
            status, auto = iot.describe_ca(ca.caCertificateId)
        except CaNotFound:
            results.append({"caCertificateId": ca.caCertificateId, "outcome": "SKIPPED", "reason": "DELETED"})
            continue
        entry = {"caCertificateId": ca.caCertificateId, "statusBefore": status}
        if (status, auto) == (ca.statusBefore, ca.autoRegistrationStatusBefore):
            results.append({**entry, "outcome": "ALREADY_RESTORED"})
        elif status != QUARANTINE_STATUS:
            results.append({**entry, "outcome": "SKIPPED", "reason": f"{status} now: changed since"})
        elif dry_run:
            results.append({**entry, "outcome": "SKIPPED", "reason": f"DRY_RUN: would set {ca.statusBefore}"})
        else:
            iot.restore_ca(ca.caCertificateId, ca.statusBefore, ca.autoRegistrationStatusBefore)
            results.append({**entry, "outcome": "RESTORED"})
    return results


def _statuses_now(
    iot: IotPort, entries: list[PageEntry], list_pacer: RatePacer, describe_pacer: RatePacer
) -> dict[str, str | None]:
    """certificateId -> its status read now (None: deleted). Certificates a registered CA's listing found
    are read by ListCertificatesByCA of that CA; the others (issuer scan, a CA deleted since) one by one."""
    wanted: dict[str, list[str]] = {}
    for entry in entries:
        wanted.setdefault(entry.foundBy, []).append(entry.certificateId)
    now: dict[str, str | None] = {}
    for ca_id, ids in wanted.items():
        if ca_id and ca_id != ISSUER_SCAN:
            listed: dict[str, str] = {}
            marker: str | None = None
            try:
                while True:
                    list_pacer.wait()
                    page = iot.list_certificate_page(ca_id, marker)
                    listed.update((e.certificateId, e.status) for e in page.certificates)
                    marker = page.next_marker
                    if marker is None:
                        break
            except CaNotFound:
                listed = {}
            now.update((cid, listed[cid]) for cid in ids if cid in listed)
        for cid in (cid for cid in ids if cid not in now):
            describe_pacer.wait()
            now[cid] = iot.certificate_status(cid)
    return now


def _recorded_outcomes(
    store: ObjectStore, task: RestoreTaskInput
) -> tuple[list[RestoreOutcome], list[PageEntry]]:
    """The outcomes the pages recorded, and the entries of the pages that recorded none."""
    prefix = task.context.reportPrefix
    outcomes: list[RestoreOutcome] = []
    unrecorded: list[PageEntry] = []
    for number in range(task.restore.pageCount):
        try:
            recorded = store.get_json(outcome_key(prefix, number))["outcomes"]
        except ObjectMissing:
            unrecorded += [PageEntry.model_validate(e) for e in store.get_json(page_key(prefix, number))]
            continue
        outcomes += [RestoreOutcome.model_validate(item) for item in recorded]
    return outcomes, unrecorded


def finish_restore(
    iot: IotPort,
    store: ObjectStore,
    task: RestoreTaskInput,
    *,
    list_pacer: RatePacer,
    describe_pacer: RatePacer,
) -> dict[str, Any]:
    """Restore the CAs (includeCa), verify, write ``report.json``; return the report.

    Verified when every certificate reported RESTORED or ALREADY_ACTIVE reads ACTIVE now, none FAILED, and
    every CA restored reads its statusBefore (a dry run: nothing failed and nothing changed).
    Output: the report (docs/data-contract.md, "Restore report"). Errors: TransientAwsError.
    """
    plan = task.restore
    dry_run = plan.request.dryRun
    cas = restore_cas(iot, plan.cas, dry_run=dry_run)
    outcomes, unrecorded = _recorded_outcomes(store, task)
    touched = [
        PageEntry(certificateId=o.certificateId, status=o.statusAfter, foundBy=o.foundBy) for o in outcomes
    ]
    now = _statuses_now(iot, touched + unrecorded, list_pacer, describe_pacer)
    for entry in unrecorded:
        status = now.get(entry.certificateId)
        if status == RESTORED_STATUS and not dry_run:
            outcome, reason = "RESTORED", UNRECORDED
        elif status == QUARANTINE_STATUS:
            outcome, reason = "FAILED", PAGE_FAILED
        else:
            outcome, reason = "SKIPPED", f"{status or 'DELETED'} now: changed since the quarantine"
        outcomes.append(
            RestoreOutcome(
                certificateId=entry.certificateId,
                statusBefore=QUARANTINE_STATUS,
                statusAfter=status or "",
                outcome=outcome,
                reason=reason,
                foundBy=entry.foundBy,
            )
        )
    counts = RestoreCounts()
    for o in outcomes:
        counts.add(o.outcome)
    should_be_active = [o for o in outcomes if o.outcome in ("RESTORED", "ALREADY_ACTIVE")]
    not_active = sorted(
        o.certificateId for o in should_be_active if now.get(o.certificateId) != RESTORED_STATUS
    )
    ca_targets = {ca.caCertificateId: ca.statusBefore for ca in plan.cas}
    cas_not_restored = []
    for ca in cas:
        if ca["outcome"] in ("RESTORED", "ALREADY_RESTORED"):
            try:
                status, _ = iot.describe_ca(ca["caCertificateId"])
            except CaNotFound:
                status = ""
            ca["statusAfter"] = status
            if status != ca_targets[ca["caCertificateId"]]:
                cas_not_restored.append(ca["caCertificateId"])
        else:
            ca["statusAfter"] = ca.get("statusBefore", "")
    verified = not not_active and counts.failed == 0 and not cas_not_restored
    prefix, bucket = task.context.reportPrefix, task.context.reportBucket
    report = {
        "executionArn": task.context.executionArn,
        "action": "restore",
        "result": ("DRY_RUN" if dry_run else "RESTORED") if verified else "VERIFICATION_FAILED",
        "restoreOf": plan.restoreOf,
        "caCertificateId": task.request.caCertificateId,
        "dryRun": dry_run,
        "includeCa": plan.request.includeCa,
        "reason": plan.request.reason,
        "incidentId": plan.request.incidentId,
        "certificates": {**counts.as_report(), "notSetInactiveByThatRun": plan.notRestorable},
        "skippedCertificates": [
            {"certificateId": o.certificateId, "statusNow": o.statusAfter, "reason": o.reason}
            for o in outcomes
            if o.outcome == "SKIPPED"
        ][:LISTED_LIMIT],
        "failedCertificates": [
            {"certificateId": o.certificateId, "reason": o.reason} for o in outcomes if o.outcome == "FAILED"
        ][:LISTED_LIMIT],
        "cas": cas,
        "verification": {
            "verified": verified,
            "notActive": len(not_active),
            "notActiveSample": not_active[:LISTED_LIMIT],
            "casNotRestored": cas_not_restored,
        },
        "reportLocation": f"s3://{bucket}/{report_key(prefix)}",
        "outcomesLocation": f"s3://{bucket}/{prefix}outcomes/",
        "startedAt": task.context.startTime,
    }
    store.put_json(report_key(prefix), report)
    return report


def restore_notification(report: dict[str, Any]) -> dict[str, str]:
    """The SNS subject and plain-text message of a finished restore (at most 100 characters of subject,
    Amazon SNS API reference, Publish Subject)."""
    counts = report["certificates"]
    headline = "restore DRY RUN" if report["dryRun"] else "quarantine RESTORED"
    lines = [
        f"IoT CA {headline}: {counts['restored']} of {counts['total']} quarantined certificates set back to "
        f"ACTIVE; {counts['alreadyActive']} already ACTIVE, {counts['skipped']} skipped (revoked or changed "
        f"since), {counts['failed']} failed.",
        "",
        f"CA: {report['caCertificateId']}",
        f"Quarantine restored: {report['restoreOf']}",
        "CAs: "
        + (
            ", ".join(f"{c['caCertificateId']} {c['outcome']}" for c in report["cas"])
            or "not restored (includeCa false)"
        ),
        f"Reason: {report['reason'] or '-'}",
        f"Incident: {report['incidentId'] or '-'}",
        f"Report: {report['reportLocation']}",
        f"Execution: {report['executionArn']}",
    ]
    return {"subject": f"IoT CA {headline}"[:100], "message": "\n".join(lines) + "\n"}
