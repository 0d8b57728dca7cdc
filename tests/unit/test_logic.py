"""The tasks' plain functions against the in-memory ports: the rules, without a handler around them."""

from __future__ import annotations

import pytest
from deactivate_ca.deactivate import deactivate_scope
from revocation_common.models import CanonicalRequest, PageEntry
from revocation_common.notification import console_link, error_detail
from revocation_common.pacing import RatePacer
from revocation_common.store import ca_states_key, scope_cas_key
from revocation_common.things import attached_things, certificate_arn
from revoke_certificates.revoke import revoke_certificate
from verify_revocation.report import merge_outcomes
from verify_revocation.things import AffectedThings, affected_things_csv

from tests.support.fakes import FakeIot, MemoryStore
from tests.unit.task_events import CA_ID, certificate_id

pytestmark = pytest.mark.unit

FAST = RatePacer(1_000_000)


INTERMEDIATE = "e" * 64


def _scope(store: MemoryStore, prefix: str, *, unregistered: bool = False) -> None:
    """scope/cas.json as discovery writes it: the named CA first, then an intermediate."""
    named = {"caCertificateId": CA_ID, "relation": "named", "registered": not unregistered}
    inter = {
        "caCertificateId": INTERMEDIATE,
        "relation": "intermediate",
        "issuedBy": CA_ID,
        "registered": True,
    }
    store.put_json(scope_cas_key(prefix), [named, inter])


def test_deactivate_keeps_the_first_seen_status_of_every_ca_across_a_retried_attempt():
    iot, store = FakeIot(), MemoryStore()
    iot.add_ca(CA_ID)
    iot.add_ca(INTERMEDIATE, "INACTIVE", "ENABLE")
    request = CanonicalRequest(caCertificateId=CA_ID)
    for prefix in ("executions/a/", "executions/b/"):
        _scope(store, prefix)
    first = deactivate_scope(iot, store, request, prefix="executions/a/")
    retried = deactivate_scope(iot, store, request, prefix="executions/a/")
    other = deactivate_scope(iot, store, request, prefix="executions/b/")
    assert (first.statusBefore, first.statusAfter, first.changed) == ("ACTIVE", "INACTIVE", True)
    assert (first.casInScope, first.casRegistered, first.casDeactivated) == (2, 2, 2)
    assert (retried.statusBefore, retried.changed) == ("ACTIVE", True)
    assert (other.statusBefore, other.changed, other.casDeactivated) == ("INACTIVE", False, 0)
    # The named CA first, then the intermediate: each once, each with its own status before.
    assert iot.calls.count("UpdateCACertificate") == 2
    states = store.get_json(ca_states_key("executions/a/"))
    assert [(s["caCertificateId"], s["statusBefore"], s["autoRegistrationStatusBefore"]) for s in states] == [
        (CA_ID, "ACTIVE", "ENABLE"),
        (INTERMEDIATE, "INACTIVE", "ENABLE"),
    ]
    assert iot.cas[INTERMEDIATE] == ["INACTIVE", "DISABLE"]


def test_a_dry_run_deactivates_nothing_and_a_ca_registered_nowhere_is_skipped():
    iot, store = FakeIot(), MemoryStore()
    iot.add_ca(INTERMEDIATE)
    _scope(store, "executions/c/", unregistered=True)
    dry = deactivate_scope(
        iot, store, CanonicalRequest(caCertificateId=CA_ID, dryRun=True), prefix="executions/c/"
    )
    assert (dry.registered, dry.statusBefore, dry.changed, dry.casRegistered) == (False, "", False, 1)
    assert "UpdateCACertificate" not in iot.calls


@pytest.mark.parametrize(
    ("listed", "actual", "target", "outcome", "after"),
    [
        ("ACTIVE", "ACTIVE", "REVOKED", "REVOKED", "REVOKED"),
        ("REVOKED", "REVOKED", "REVOKED", "ALREADY_IN_TARGET", "REVOKED"),
        ("ACTIVE", "PENDING_TRANSFER", "REVOKED", "SKIPPED", "PENDING_TRANSFER"),  # stale listing
        ("ACTIVE", "REVOKED", "INACTIVE", "SKIPPED", "REVOKED"),  # REVOKED is final
        ("ACTIVE", None, "REVOKED", "SKIPPED", ""),  # deleted since it was listed
    ],
)
def test_revoke_settles_from_the_status_aws_iot_reports(listed, actual, target, outcome, after):
    iot = FakeIot()
    cid = certificate_id(1)
    if actual is not None:
        iot.add_certificate(cid, CA_ID, actual)
    result = revoke_certificate(
        iot, FAST, PageEntry(certificateId=cid, status=listed), target=target, dry_run=False
    )
    assert (result.outcome, result.statusAfter) == (outcome, after)
    assert (result.reason == "") == (outcome in ("REVOKED", "ALREADY_IN_TARGET"))


def test_merge_counts_every_listed_certificate_once_when_a_page_has_no_outcomes():
    store = MemoryStore()
    ids = [certificate_id(n) for n in range(4)]
    store.put_json(
        "x/outcomes/000000.json",
        {
            "outcomes": [
                {
                    "certificateId": ids[0],
                    "statusBefore": "ACTIVE",
                    "statusAfter": "REVOKED",
                    "outcome": "REVOKED",
                    "reason": "",
                },
            ]
        },
    )
    store.put_json("x/pages/000001.json", [{"certificateId": cid, "status": "ACTIVE"} for cid in ids[1:]])
    merged = merge_outcomes(
        store, "x/", 2, "States.TaskFailed: boom", current={ids[1]: "REVOKED", ids[2]: "ACTIVE"}
    )
    assert merged.counts.as_report() == {
        "total": 4,
        "revoked": 2,
        "alreadyRevoked": 0,
        "skipped": 1,
        "failed": 1,
    }
    assert merged.missing_pages == 1
    assert [entry.certificateId for entry in merged.failed] == [ids[2]]
    assert "States.TaskFailed: boom" in merged.failed[0].reason
    assert merged.excepted_ids == {ids[3]}  # deleted since listed: skipped with its reason


def test_notification_helpers():
    arn = "arn:aws:states:eu-west-1:123456789012:execution:iot-ca-revocation:run"
    assert console_link(arn).startswith(
        "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#"
    )
    assert console_link("not-an-arn") == ""
    assert error_detail('{"errorMessage": "m", "errorType": "T", "stackTrace": []}') == "m"
    assert error_detail("plain cause") == "plain cause"


def test_the_certificate_arn_is_built_in_the_executions_partition_region_and_account():
    arn = "arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:iot-ca-revocation:run-1"
    assert (
        certificate_arn(arn, "ab" * 32) == f"arn:aws-us-gov:iot:us-gov-west-1:123456789012:cert/{'ab' * 32}"
    )
    with pytest.raises(ValueError, match=r"^executionArn: expected arn:PARTITION:states:"):
        certificate_arn("run-1", "ab" * 32)


def test_attached_things_follows_next_token_and_lists_each_thing_once():
    iot = FakeIot()
    for n in range(251):
        iot.attach_thing("c1", f"t{n}")
    iot.attach_thing("c1", "t0")  # attached twice: listed once
    assert attached_things(iot, FAST, "arn:aws:iot:r:a:cert/c1") == [f"t{n}" for n in range(251)]
    assert attached_things(iot, FAST, "arn:aws:iot:r:a:cert/unknown") == []
    assert iot.calls.count("ListPrincipalThings") == 3


def test_the_affected_things_csv_quotes_what_needs_quoting():
    things = AffectedThings()
    things.add(
        {
            "certificateId": "c1",
            "statusBefore": "ACTIVE",
            "statusAfter": "REVOKED",
            "outcome": "REVOKED",
            "thingNames": ["a,b", "plain"],
        }
    )
    things.add({"certificateId": "c2", "statusBefore": "ACTIVE", "statusAfter": "", "outcome": "FAILED"})
    text = affected_things_csv(things.rows)
    assert text.splitlines() == [
        "certificateId,thingName,statusBefore,statusAfter,outcome",
        'c1,"a,b",ACTIVE,REVOKED,REVOKED',
        "c1,plain,ACTIVE,REVOKED,REVOKED",
        "c2,,ACTIVE,,FAILED",
    ]
    assert things.names == {"a,b", "plain"}
