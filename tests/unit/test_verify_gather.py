"""VerifyRevocation's gathering (verify_revocation.gather): resumable with a position and a time budget,
and a report made from the gathered parts is the report made from the objects themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from revocation_common.scope_models import GatherState, VerifyInput
from revocation_common.store import (
    ca_states_key,
    gather_part_key,
    outcome_key,
    page_key,
    scope_cas_key,
    verify_prefix,
)
from verify_revocation.gather import GATHER_PART_OBJECTS, GatheredStore, gather, gather_keys
from verify_revocation.verify import build_report

from tests.support.fakes import MemoryStore
from tests.support.task_inputs import StepClock, execution_context

pytestmark = pytest.mark.unit

CA = "a" * 64
PREFIX = "executions/run-1/"
PAGES = 450  # 900 objects to gather: five parts, the last one short
MISSING = (7, 301)  # pages whose task failed: no outcomes object


@dataclass
class CountingStore(MemoryStore):
    reads: int = 0

    def get_json(self, key: str) -> Any:
        self.reads += 1
        return super().get_json(key)


def _cid(page: int, n: int) -> str:
    return f"{page:060d}{n:04d}"


def seeded() -> tuple[CountingStore, VerifyInput]:
    """Two certificates a page; each missing page has one certificate REVOKED now (an attempt that did not
    record it) and one still ACTIVE (FAILED)."""
    store = CountingStore()
    ca = {"caCertificateId": CA, "relation": "named", "issuedBy": None, "registered": True}
    store.put_json(ca_states_key(PREFIX), [{**ca, "statusBefore": "ACTIVE"}])
    store.put_json(
        scope_cas_key(verify_prefix(PREFIX)),
        [{**ca, "status": "INACTIVE", "autoRegistrationStatus": "DISABLE", "certificatePem": ""}],
    )
    for page in range(PAGES):
        ids = [_cid(page, 0), _cid(page, 1)]
        store.put_json(
            page_key(PREFIX, page), [{"certificateId": c, "status": "ACTIVE", "foundBy": CA} for c in ids]
        )
        now = ["REVOKED", "ACTIVE"] if page in MISSING else ["REVOKED", "REVOKED"]
        store.put_json(
            page_key(verify_prefix(PREFIX), page),
            [{"certificateId": c, "status": s, "foundBy": CA} for c, s in zip(ids, now, strict=True)],
        )
        if page not in MISSING:
            outcomes = [
                {
                    "certificateId": c,
                    "statusBefore": "ACTIVE",
                    "statusAfter": "REVOKED",
                    "outcome": "REVOKED",
                    "reason": "",
                    "foundBy": CA,
                    "issuedBy": "",
                }
                for c in ids
            ]
            store.put_json(outcome_key(PREFIX, page), {"pageNumber": page, "outcomes": outcomes})
    event = VerifyInput.model_validate(
        {
            "request": {"caCertificateId": CA},
            "context": execution_context(PREFIX),
            "ca": {
                "caCertificateId": CA,
                "statusBefore": "ACTIVE",
                "statusAfter": "INACTIVE",
                "autoRegistrationStatusBefore": "ENABLE",
                "autoRegistrationStatusAfter": "DISABLE",
                "changed": True,
                "statesKey": ca_states_key(PREFIX),
            },
            "discovery": {
                "phase": "complete",
                "complete": True,
                "pageCount": PAGES,
                "certificateCount": 2 * PAGES,
            },
            "verifyDiscovery": {"phase": "complete", "complete": True, "pageCount": PAGES},
        }
    )
    return store, event


def gathered(store: CountingStore, event: VerifyInput) -> GatherState:
    clock, state = StepClock(), GatherState()
    while not state.complete:
        state = gather(
            store, event, GatherState.model_validate(state.model_dump()), deadline=clock.now + 1, clock=clock
        )
        assert state.invocations < 100, "the gathering does not progress"
    return state


def _document(report: Any) -> dict[str, Any]:
    document = report.document()
    document["verification"].pop("checkedAt")
    return document


def test_a_report_from_the_gathered_parts_is_the_report_from_the_objects():
    store, event = seeded()
    direct = build_report(store, event)
    assert direct.certificates.total == 2 * PAGES and direct.certificates.failed == len(MISSING)
    assert direct.verification.missingPages == len(MISSING) and not direct.verification.verified

    state = gathered(store, event)
    assert (state.total, state.parts, state.position) == (2 * PAGES, 5, 2 * PAGES)
    assert state.invocations == 5  # a part per invocation at this budget, resumed from its position
    store.reads = 0
    report = build_report(
        GatheredStore(store, PREFIX, gather_keys(event)), event.model_copy(update={"gather": state})
    )

    assert _document(report) == _document(direct)
    # Five parts, the two CA objects and the first listing's pages of the two missing pages, instead of
    # 900 objects: the report's reads no longer grow with the pages.
    assert store.reads == 5 + 2 + len(MISSING)


def test_a_retried_invocation_rewrites_the_same_parts():
    store, event = seeded()
    first = gather(store, event, GatherState(), deadline=0.0, clock=lambda: 1.0)
    written = store.objects[gather_part_key(PREFIX, 0)]
    again = gather(store, event, GatherState(), deadline=0.0, clock=lambda: 1.0)
    assert (first.position, again.position) == (GATHER_PART_OBJECTS, GATHER_PART_OBJECTS)
    assert store.objects[gather_part_key(PREFIX, 0)] == written
    assert first.complete is False


def test_a_missing_part_fails_the_report_and_is_never_read_as_missing_outcomes():
    store, event = seeded()
    gathered(store, event)
    del store.objects[gather_part_key(PREFIX, 3)]
    with pytest.raises(RuntimeError, match="gathered part 3 is missing"):
        build_report(GatheredStore(store, PREFIX, gather_keys(event)), event)


def test_nothing_to_gather_is_complete_at_once():
    store, event = seeded()
    empty = event.model_copy(
        update={
            "discovery": event.discovery.model_copy(update={"pageCount": 0}),
            "verifyDiscovery": event.verifyDiscovery.model_copy(update={"pageCount": 0}),
        }
    )
    state = gather(store, empty, GatherState(), deadline=0.0, clock=lambda: 1.0)
    assert (state.complete, state.parts, state.total) == (True, 0, 0)
