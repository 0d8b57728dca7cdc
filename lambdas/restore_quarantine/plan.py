"""PrepareRestore's logic: validate a restore request against the execution it names, and write the pages
of the certificates that execution set INACTIVE. Reads only; nothing in AWS IoT is changed here.

Source: AWS Step Functions API reference, DescribeExecution (status RUNNING, SUCCEEDED, FAILED, TIMED_OUT,
ABORTED, PENDING_REDRIVE; ExecutionDoesNotExist); AWS IoT API reference, UpdateCertificate ("REVOKED ...
cannot be changed", so only a quarantine can be restored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError
from revocation_common.errors import InvalidInput
from revocation_common.models import CanonicalRequest, CertificateOutcome, PageEntry
from revocation_common.ports import ExecutionsPort, ObjectMissing, ObjectStore
from revocation_common.scope_models import ScopeCaState
from revocation_common.store import (
    ca_states_key,
    execution_prefix,
    manifest_key,
    outcome_key,
    page_key,
    report_key,
)
from revocation_common.vocabulary import QUARANTINE_STATUS, RESTORE_STATE_MACHINE_SUFFIX

from restore_quarantine.models import EXECUTION_ARN, CaToRestore, RestorePlan, RestoreRequest

PAGE_LIMIT: Final = 250
REQUEST_FIELDS: Final = tuple(RestoreRequest.model_fields)
UNFINISHED: Final = frozenset({"RUNNING", "PENDING_REDRIVE"})
RESTORE_SOURCE: Final = "restore"


def parse_restore_request(raw: Any) -> RestoreRequest:
    """The restore request in the execution input.

    Input: {"action": "restore", "executionArn": ARN, "includeCa"?: bool, "dryRun"?: bool, "reason"?,
    "incidentId"?}. Errors: InvalidInput naming the field (not an object, an unknown field, action not
    "restore", an executionArn that is not a Step Functions execution ARN, a non-boolean flag).
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("$", 'expected a JSON object {"action": "restore", "executionArn": "..."}')
    for key in raw:
        if key not in REQUEST_FIELDS:
            raise InvalidInput(str(key)[:64], f"unknown field; expected only {', '.join(REQUEST_FIELDS)}")
    if raw.get("action") != "restore":
        raise InvalidInput("action", 'expected "restore" (this is the restore state machine)')
    arn = raw.get("executionArn")
    if not isinstance(arn, str) or not EXECUTION_ARN.match(arn):
        raise InvalidInput(
            "executionArn",
            "expected the ARN of a revocation execution, arn:aws:states:<region>:<account>:execution:"
            "<state machine>:<name>",
        )
    for flag in ("includeCa", "dryRun"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise InvalidInput(flag, "expected true or false")
    try:
        return RestoreRequest.model_validate(dict(raw))
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(".".join(str(p) for p in first["loc"]) or "$", str(first["msg"])) from None


def revocation_machine_of(restore_state_machine_arn: str) -> str:
    """The revocation state machine's name, from this restore state machine's ARN (``<name>-restore``)."""
    name = restore_state_machine_arn.rsplit(":", 1)[-1]
    return name.removesuffix(RESTORE_STATE_MACHINE_SUFFIX)


def _quarantined_report(
    request: RestoreRequest, executions: ExecutionsPort, store: ObjectStore, revocation_machine: str
) -> tuple[dict[str, Any], str]:
    """The named execution's report and its S3 prefix, or InvalidInput saying why it cannot be restored."""
    match = EXECUTION_ARN.match(request.executionArn)
    assert match is not None  # parse_restore_request checked it
    if match["machine"] != revocation_machine:
        raise InvalidInput(
            "executionArn",
            f"expected an execution of the revocation state machine {revocation_machine}, "
            f"got one of {match['machine']}",
        )
    status = executions.status(request.executionArn)
    if status == "DOES_NOT_EXIST":
        raise InvalidInput("executionArn", "no such execution in this account and Region")
    if status in UNFINISHED:
        raise InvalidInput("executionArn", f"the execution is not finished ({status}): wait for it to end")
    prefix = execution_prefix(match["name"])
    try:
        report = store.get_json(report_key(prefix))
    except ObjectMissing:
        raise InvalidInput(
            "executionArn", f"the execution ({status}) wrote no report: there is no quarantine to restore"
        ) from None
    if report.get("dryRun"):
        raise InvalidInput("executionArn", "the execution was a dry run: it changed nothing to restore")
    if report.get("targetStatus") != QUARANTINE_STATUS:
        raise InvalidInput(
            "executionArn",
            f"the execution's target was {report.get('targetStatus')}, not INACTIVE: REVOKED is final in "
            "AWS IoT, only a quarantine can be restored",
        )
    return report, prefix


def _set_inactive_by(store: ObjectStore, prefix: str, page_number: int) -> tuple[list[PageEntry], int]:
    """The certificates of one page of the quarantined execution that it set INACTIVE, and how many of
    the page it did not. A page without an outcomes object (its task failed after its retries) counts the
    certificates listed as something other than INACTIVE: that execution's attempt is what can have set
    them INACTIVE; the restore then reactivates only those still INACTIVE."""
    try:
        recorded = store.get_json(outcome_key(prefix, page_number))["outcomes"]
    except ObjectMissing:
        entries = [PageEntry.model_validate(item) for item in store.get_json(page_key(prefix, page_number))]
        chosen = [e for e in entries if e.status != QUARANTINE_STATUS]
        return chosen, len(entries) - len(chosen)
    outcomes = [CertificateOutcome.model_validate(item) for item in recorded]
    chosen = [
        PageEntry(
            certificateId=o.certificateId, status=QUARANTINE_STATUS, foundBy=o.foundBy, issuedBy=o.issuedBy
        )
        for o in outcomes
        if o.outcome == "REVOKED" and o.statusAfter == QUARANTINE_STATUS
    ]
    return chosen, len(outcomes) - len(chosen)


def _cas_deactivated_by(store: ObjectStore, prefix: str) -> list[CaToRestore]:
    try:
        states = [ScopeCaState.model_validate(item) for item in store.get_json(ca_states_key(prefix))]
    except ObjectMissing:
        return []
    return [
        CaToRestore(
            caCertificateId=s.caCertificateId,
            statusBefore=s.statusBefore,
            autoRegistrationStatusBefore=s.autoRegistrationStatusBefore,
        )
        for s in states
        if s.changed and s.registered
    ]


def prepare_restore(
    raw: Any,
    executions: ExecutionsPort,
    store: ObjectStore,
    *,
    restore_state_machine_arn: str,
    prefix: str,
) -> tuple[CanonicalRequest, RestorePlan]:
    """Validate the restore request and plan it.

    Input: the execution input; this restore state machine's ARN; this execution's S3 prefix.
    Output: the request the lock and the failure path read (the quarantined CA's id, source "restore"),
    and the plan (pages written to pages/ and manifest.json under ``prefix``).
    Errors: InvalidInput (bad input; an unknown execution, one of another state machine, one not finished,
    one without a report, a dry run, a REVOKED run), TransientAwsError. Nothing is changed in AWS IoT.
    """
    request = parse_restore_request(raw)
    report, past_prefix = _quarantined_report(
        request, executions, store, revocation_machine_of(restore_state_machine_arn)
    )
    try:
        manifest = store.get_json(manifest_key(past_prefix))
    except ObjectMissing:
        manifest = []
    chosen: list[PageEntry] = []
    not_restorable = 0
    for item in manifest:
        entries, others = _set_inactive_by(store, past_prefix, int(item["pageNumber"]))
        chosen += entries
        not_restorable += others
    pages = [chosen[start : start + PAGE_LIMIT] for start in range(0, len(chosen), PAGE_LIMIT)]
    for number, page in enumerate(pages):
        store.put_json(page_key(prefix, number), [entry.model_dump() for entry in page])
    store.put_json(
        manifest_key(prefix),
        [{"pageKey": page_key(prefix, number), "pageNumber": number} for number in range(len(pages))],
    )
    lock_request = CanonicalRequest(
        caCertificateId=str(report["caCertificateId"]),
        dryRun=request.dryRun,
        targetStatus=QUARANTINE_STATUS,
        reason=request.reason,
        incidentId=request.incidentId,
        source=RESTORE_SOURCE,
    )
    plan = RestorePlan(
        restoreOf=request.executionArn,
        request=request,
        manifestKey=manifest_key(prefix),
        pageCount=len(pages),
        certificates=len(chosen),
        notRestorable=not_restorable,
        cas=_cas_deactivated_by(store, past_prefix) if request.includeCa else [],
    )
    return lock_request, plan
