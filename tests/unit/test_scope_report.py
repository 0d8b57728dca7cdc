"""VerifyRevocation over a re-discovered scope (unit tier, in-memory store): the verdict, the report's
scope block, and the notification's words for a quarantine and a dry run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from revocation_common.notification import notification
from revocation_common.report_model import FAILED_PAGES_STATE_LIMIT, Report, ReportPageFailure
from revocation_common.scope_models import VerifyInput
from revocation_common.store import ca_states_key, outcome_key, page_key, scope_cas_key, verify_prefix
from verify_revocation.verify import build_report

from tests.support.fakes import MemoryStore
from tests.support.task_inputs import execution_context

pytestmark = pytest.mark.unit

ROOT, INTER, FP = "a" * 64, "b" * 64, "c" * 64
PREFIX = "executions/run-1/"


def ca_entry(ca_id: str, relation: str, status: str, auto: str, *, registered: bool = True) -> dict[str, Any]:
    return {
        "caCertificateId": ca_id,
        "relation": relation,
        "issuedBy": ROOT if relation == "intermediate" else None,
        "registered": registered,
        "status": status,
        "autoRegistrationStatus": auto,
        "certificatePem": "",
    }


def event(
    store: MemoryStore,
    *,
    first: list[dict[str, Any]],
    fresh_cas: list[dict[str, Any]],
    fresh_pages: list[list[dict[str, str]]],
    outcomes: list[list[dict[str, Any]]],
    dry_run: bool = False,
    target: str = "REVOKED",
    named: str = ROOT,
) -> VerifyInput:
    """Writes what DiscoverScope, DeactivateCas, the Map children and RediscoverScope would have written."""
    states = [
        {
            "caCertificateId": e["caCertificateId"],
            "relation": e["relation"],
            "issuedBy": e["issuedBy"],
            "registered": e["registered"],
            "statusBefore": "ACTIVE" if e["registered"] else "",
        }
        for e in first
    ]
    store.put_json(ca_states_key(PREFIX), states)
    store.put_json(scope_cas_key(verify_prefix(PREFIX)), fresh_cas)
    for number, page in enumerate(outcomes):
        store.put_json(
            page_key(PREFIX, number),
            [{"certificateId": o["certificateId"], "status": "ACTIVE"} for o in page],
        )
        store.put_json(outcome_key(PREFIX, number), {"pageNumber": number, "outcomes": page})
    for number, page in enumerate(fresh_pages):
        store.put_json(page_key(verify_prefix(PREFIX), number), page)
    count = sum(len(page) for page in outcomes)
    return VerifyInput.model_validate(
        {
            "request": {"caCertificateId": named, "dryRun": dry_run, "targetStatus": target},
            "context": execution_context(PREFIX),
            "ca": {
                "caCertificateId": named,
                "statusBefore": "ACTIVE",
                "statusAfter": "INACTIVE",
                "autoRegistrationStatusBefore": "ENABLE",
                "autoRegistrationStatusAfter": "DISABLE",
                "changed": not dry_run,
                "statesKey": ca_states_key(PREFIX),
            },
            "discovery": {
                "phase": "complete",
                "complete": True,
                "pageCount": len(outcomes),
                "certificateCount": count,
            },
            "verifyDiscovery": {"phase": "complete", "complete": True, "pageCount": len(fresh_pages)},
        }
    )


def revoked(cid: str, found_by: str, issued_by: str = "") -> dict[str, Any]:
    return {
        "certificateId": cid,
        "statusBefore": "ACTIVE",
        "statusAfter": "REVOKED",
        "outcome": "REVOKED",
        "reason": "",
        "foundBy": found_by,
        "issuedBy": issued_by,
    }


def test_root_and_intermediate_are_counted_per_ca_and_verified():
    store = MemoryStore()
    first = [ca_entry(ROOT, "named", "ACTIVE", "ENABLE"), ca_entry(INTER, "intermediate", "ACTIVE", "ENABLE")]
    fresh = [
        ca_entry(ROOT, "named", "INACTIVE", "DISABLE"),
        ca_entry(INTER, "intermediate", "INACTIVE", "DISABLE"),
    ]
    outcomes = [[revoked("c1", ROOT), revoked("c2", INTER), revoked("c3", "issuer-scan", INTER)]]
    fresh_pages = [[{"certificateId": c, "status": "REVOKED"} for c in ("c1", "c2", "c3")]]
    report = build_report(
        store, event(store, first=first, fresh_cas=fresh, fresh_pages=fresh_pages, outcomes=outcomes)
    )
    assert report.verification.verified and report.certificates.total == 3
    assert report.scope is not None
    assert [(c.caCertificateId, c.relation, c.certificates.revoked) for c in report.scope.cas] == [
        (ROOT, "named", 1),
        (INTER, "intermediate", 2),
    ]
    assert report.scope.cas[1].statusAfter == "INACTIVE" and report.scope.changed == 3


def test_a_certificate_found_only_by_the_re_discovery_is_not_verified():
    store = MemoryStore()
    first = [ca_entry(ROOT, "named", "ACTIVE", "ENABLE")]
    fresh = [ca_entry(ROOT, "named", "INACTIVE", "DISABLE")]
    fresh_pages = [
        [{"certificateId": "c1", "status": "REVOKED"}, {"certificateId": "late", "status": "ACTIVE"}]
    ]
    report = build_report(
        store,
        event(store, first=first, fresh_cas=fresh, fresh_pages=fresh_pages, outcomes=[[revoked("c1", ROOT)]]),
    )
    assert not report.verification.verified and report.verification.unaccounted == 1


def test_an_intermediate_left_active_fails_verification():
    store = MemoryStore()
    first = [ca_entry(ROOT, "named", "ACTIVE", "ENABLE"), ca_entry(INTER, "intermediate", "ACTIVE", "ENABLE")]
    fresh = [
        ca_entry(ROOT, "named", "INACTIVE", "DISABLE"),
        ca_entry(INTER, "intermediate", "ACTIVE", "ENABLE"),
    ]
    report = build_report(store, event(store, first=first, fresh_cas=fresh, fresh_pages=[], outcomes=[]))
    assert not report.verification.verified and not report.verification.caInactive


def test_a_ca_registered_nowhere_that_signed_nothing_is_verified_with_total_zero():
    store = MemoryStore()
    unregistered = [ca_entry(FP, "named", "", "", registered=False)]
    report = build_report(
        store, event(store, first=unregistered, fresh_cas=unregistered, fresh_pages=[], outcomes=[], named=FP)
    )
    assert report.verification.verified and report.certificates.total == 0
    assert report.scope is not None and report.scope.cas[0].registered is False
    assert (report.ca.statusAfter, report.ca.autoRegistrationStatusAfter) == ("", "")


def _report(store: MemoryStore, **kwargs: Any) -> Report:
    first = [ca_entry(ROOT, "named", "ACTIVE", "ENABLE")]
    fresh = [ca_entry(ROOT, "named", "INACTIVE", "DISABLE")]
    return build_report(
        store, event(store, first=first, fresh_cas=fresh, fresh_pages=[], outcomes=[], **kwargs)
    )


def test_a_quarantine_is_announced_as_quarantined_and_a_dry_run_never_as_verified():
    quarantine = notification(_report(MemoryStore(), target="INACTIVE"), "")
    assert "quarantined" in quarantine["subject"] and "revoked" not in quarantine["subject"]
    assert "CA named:" in quarantine["message"]
    store = MemoryStore()
    first = [ca_entry(ROOT, "named", "ACTIVE", "ENABLE")]
    dry = build_report(
        store, event(store, first=first, fresh_cas=first, fresh_pages=[], outcomes=[], dry_run=True)
    )
    text = notification(dry, "")
    assert dry.verification.verified
    assert "VERIFIED" not in text["subject"] and "VERIFIED" not in text["message"].splitlines()[0]
    assert text["subject"].startswith("IoT CA dry run CHECKED")
    assert text["message"].startswith("IoT CA revocation DRY RUN CHECKED")


def test_the_state_output_bounds_failed_pages_and_the_report_keeps_them_all():
    # 200 failed pages with causes of 2,000 characters (the most a page-failure record keeps): about 400 KB,
    # past the 256 KiB a state's output may hold (Step Functions service quotas); the run can still verify.
    failures = [
        ReportPageFailure(
            pageNumber=n, pageKey=f"pages/{n:06d}.json", error="States.TaskFailed", cause="x" * 2000
        )
        for n in range(200)
    ]
    report = _report(MemoryStore()).model_copy(update={"failedPages": failures})

    small = report.state_output()

    assert len(json.dumps(small).encode()) < 256 * 1024 // 2
    assert [page["pageNumber"] for page in small["failedPages"]] == list(range(FAILED_PAGES_STATE_LIMIT))
    assert small["failedPagesTruncated"] is True
    assert len(report.document()["failedPages"]) == 200  # report.json in S3 keeps every one
    assert "failedPagesTruncated" not in _report(MemoryStore()).state_output()
