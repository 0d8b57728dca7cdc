"""Restore of a quarantine on the embedded emulator (issue: restore a quarantine): the certificates a
revocation with target INACTIVE set INACTIVE go back to ACTIVE, those changed since are skipped, and the
refused restores change nothing."""

from __future__ import annotations

import pytest

from tests.support.statuses import ca_status, statuses
from tests.support.workflow import run_restore, run_workflow


def quarantine(emulator, fleet, **request):
    result = run_workflow(
        emulator,
        {
            "caCertificateId": fleet.ca_certificate_id,
            "targetStatus": "INACTIVE",
            "reason": "false alarm?",
            **request,
        },
    )
    assert result.exit_code == 0, (result.error, result.cause)
    return result


def test_quarantine_600_revoke_5_by_hand_then_restore(emulator, new_fleet):
    fleet = new_fleet(600)
    iot = emulator.client("iot")
    quarantined = quarantine(emulator, fleet)
    assert set(statuses(iot, fleet.certificate_ids).values()) == {"INACTIVE"}
    by_hand = fleet.certificate_ids[:5]
    for certificate_id in by_hand:
        iot.update_certificate(certificateId=certificate_id, newStatus="REVOKED")

    restored = run_restore(emulator, {"action": "restore", "executionArn": quarantined.execution_arn})

    assert restored.exit_code == 0, (restored.error, restored.cause)
    report = restored.report
    assert report["certificates"]["restored"] == 595
    assert report["certificates"]["skipped"] == 5
    assert sorted(s["certificateId"] for s in report["skippedCertificates"]) == sorted(by_hand)
    assert all("REVOKED now" in s["reason"] for s in report["skippedCertificates"])
    now = statuses(iot, fleet.certificate_ids)
    assert [cid for cid, status in now.items() if status != "ACTIVE"] == list(by_hand)
    assert set(statuses(iot, fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    # Without includeCa the CA stays deactivated.
    assert ca_status(iot, fleet.ca_certificate_id).status == "INACTIVE"


def test_restore_with_include_ca_sets_the_ca_back(emulator, new_fleet):
    fleet = new_fleet(30)
    iot = emulator.client("iot")
    before = ca_status(iot, fleet.ca_certificate_id)
    quarantined = quarantine(emulator, fleet)
    assert ca_status(iot, fleet.ca_certificate_id).status == "INACTIVE"

    restored = run_restore(
        emulator, {"action": "restore", "executionArn": quarantined.execution_arn, "includeCa": True}
    )

    assert restored.exit_code == 0, (restored.error, restored.cause)
    assert ca_status(iot, fleet.ca_certificate_id) == before
    assert [ca["outcome"] for ca in restored.report["cas"]] == ["RESTORED"]
    assert set(statuses(iot, fleet.certificate_ids).values()) == {"ACTIVE"}


def test_a_restore_dry_run_changes_nothing(emulator, new_fleet):
    fleet = new_fleet(30)
    iot = emulator.client("iot")
    quarantined = quarantine(emulator, fleet)

    dry = run_restore(
        emulator,
        {"action": "restore", "executionArn": quarantined.execution_arn, "includeCa": True, "dryRun": True},
    )

    assert dry.exit_code == 0, (dry.error, dry.cause)
    assert dry.report["certificates"]["skipped"] == 30
    assert set(statuses(iot, fleet.certificate_ids).values()) == {"INACTIVE"}
    assert ca_status(iot, fleet.ca_certificate_id).status == "INACTIVE"


@pytest.mark.parametrize("case", ["revoked", "dry-run", "unknown", "other-machine", "bad-field"])
def test_a_refused_restore_names_why_and_changes_nothing(emulator, new_fleet, case):
    fleet = new_fleet(10)
    iot = emulator.client("iot")
    if case == "revoked":
        arn = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id}).execution_arn
    elif case == "dry-run":
        arn = quarantine(emulator, fleet, dryRun=True).execution_arn
    else:
        arn = quarantine(emulator, fleet).execution_arn
    before = statuses(iot, fleet.certificate_ids)
    document = {"action": "restore", "executionArn": arn}
    if case == "unknown":
        document["executionArn"] = arn.rsplit(":", 1)[0] + ":no-such-execution"
    elif case == "other-machine":
        document["executionArn"] = arn.replace(":iot-ca-revocation:", ":someone-elses-machine:")
    elif case == "bad-field":
        document["includeCA"] = True

    refused = run_restore(emulator, document)

    assert (refused.status, refused.error) == ("FAILED", "InvalidInput")
    expected = {
        "revoked": "REVOKED is final",
        "dry-run": "was a dry run",
        "unknown": "no such execution",
        "other-machine": "expected an execution of the revocation state machine iot-ca-revocation",
        "bad-field": "includeCA: unknown field",
    }[case]
    assert expected in refused.cause
    assert statuses(iot, fleet.certificate_ids) == before


def test_a_restore_of_a_running_execution_is_refused(emulator, new_fleet):
    from tests.support.workflow import start_workflow

    fleet = new_fleet(10)
    arn = start_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "targetStatus": "INACTIVE"})
    refused = run_restore(emulator, {"action": "restore", "executionArn": arn})
    assert refused.error == "InvalidInput"
    assert "the execution is not finished (RUNNING)" in refused.cause
