"""The whole state machine on the emulator: the same ASL and handlers as the CDK stack."""

from __future__ import annotations

import json

import pytest

from tests.support.statuses import ca_status, statuses
from tests.support.workflow import run_workflow


@pytest.mark.parametrize("count", [0, 1, 250, 251, 501])
def test_revokes_every_certificate_of_the_ca(emulator, new_fleet, count):
    fleet = new_fleet(count)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "reason": "key leaked"})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    report = result.report
    assert report["certificates"] == {
        "total": count,
        "revoked": count,
        "alreadyRevoked": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert report["verification"]["verified"] is True
    assert report["verification"]["remaining"] == {}
    assert report["listing"]["pageCount"] == -(-count // 250)
    assert ca_status(emulator.client("iot"), fleet.ca_certificate_id) == ("INACTIVE", "DISABLE")
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) <= {"REVOKED"}
    # Decoys: the other CA's certificates and those registered without a CA stay ACTIVE.
    assert set(statuses(emulator.client("iot"), fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(emulator.client("iot"), fleet.other_ca_certificate_id).status == "ACTIVE"
    assert result.exit_code == 0


def test_preexisting_statuses_end_in_the_documented_state(emulator, new_fleet):
    preexisting = {
        "REVOKED": 3,
        "INACTIVE": 2,
        "PENDING_TRANSFER": 2,
        "PENDING_ACTIVATION": 1,
        "REGISTER_INACTIVE": 1,
    }
    fleet = new_fleet(40, preexisting=preexisting)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    counts = result.report["certificates"]
    assert counts == {"total": 40, "revoked": 35, "alreadyRevoked": 3, "skipped": 2, "failed": 0}
    skipped = {entry["certificateId"]: entry for entry in result.report["skippedCertificates"]}
    assert set(skipped) == set(fleet.preexisting_ids["PENDING_TRANSFER"])
    assert all("PENDING_TRANSFER" in entry["reason"] for entry in skipped.values())
    assert result.report["verification"] == result.report["verification"] | {
        "verified": True,
        "remaining": {"PENDING_TRANSFER": 2},
        "unaccounted": 0,
    }
    after = statuses(emulator.client("iot"), fleet.certificate_ids)
    for cid in fleet.certificate_ids:
        expected = "PENDING_TRANSFER" if cid in skipped else "REVOKED"
        assert after[cid] == expected


def test_inactive_target_is_a_reversible_quarantine(emulator, new_fleet):
    fleet = new_fleet(12, preexisting={"REVOKED": 2})
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "targetStatus": "INACTIVE"})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.report["certificates"] == {
        "total": 12,
        "revoked": 10,
        "alreadyRevoked": 0,
        "skipped": 2,
        "failed": 0,
    }
    after = statuses(emulator.client("iot"), fleet.certificate_ids)
    revoked_before = set(fleet.preexisting_ids["REVOKED"])
    assert {after[c] for c in revoked_before} == {"REVOKED"}
    assert {after[c] for c in fleet.certificate_ids if c not in revoked_before} == {"INACTIVE"}


def test_dry_run_changes_nothing(emulator, new_fleet):
    fleet = new_fleet(260, preexisting={"REVOKED": 4})
    before = statuses(emulator.client("iot"), fleet.certificate_ids)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "dryRun": True})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    report = result.report
    assert report["dryRun"] is True
    assert report["certificates"] == {
        "total": 260,
        "revoked": 0,
        "alreadyRevoked": 4,
        "skipped": 256,
        "failed": 0,
    }
    assert report["verification"]["verified"] is True
    assert statuses(emulator.client("iot"), fleet.certificate_ids) == before
    assert ca_status(emulator.client("iot"), fleet.ca_certificate_id) == ("ACTIVE", "ENABLE")


def test_second_run_is_a_no_op(emulator, new_fleet):
    fleet = new_fleet(30)
    emulator.iot_layer.reset_stats()
    first = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})
    assert first.report["certificates"]["revoked"] == 30
    assert emulator.iot_layer.stats.calls["UpdateCertificate"] == 30
    emulator.iot_layer.reset_stats()

    second = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.report["certificates"] == {
        "total": 30,
        "revoked": 0,
        "alreadyRevoked": 30,
        "skipped": 0,
        "failed": 0,
    }
    assert second.report["ca"]["statusBefore"] == "INACTIVE"
    stats = emulator.iot_layer.stats
    assert stats.calls.get("UpdateCertificate", 0) == 0
    assert stats.calls.get("UpdateCACertificate", 0) == 0


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"caCertificateId": "ABC"}, "caCertificateId"),
        ({"caCertificateId": "g" * 64}, "caCertificateId"),
        ({}, "caCertificateId"),
        ("[1, 2]", "$"),
        ({"caCertificateId": "a" * 64, "targetStatus": "ACTIVE"}, "targetStatus"),
        ({"caCertificateId": "a" * 64, "dryRun": "yes"}, "dryRun"),
        ({"caCertificateId": "a" * 64, "dryrun": True}, "dryrun"),
    ],
)
def test_bad_input_fails_with_invalid_input_and_changes_nothing(emulator, new_fleet, document, field):
    fleet = new_fleet(3)
    if isinstance(document, dict) and document.get("caCertificateId") == "a" * 64:
        document = {**document, "caCertificateId": fleet.ca_certificate_id}
    emulator.iot_layer.reset_stats()

    result = run_workflow(emulator, document)

    assert result.status == "FAILED"
    assert result.error == "InvalidInput"
    assert field in result.cause
    assert result.exit_code == 2
    assert sum(emulator.iot_layer.stats.calls.values()) == 0
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(emulator.client("iot"), fleet.ca_certificate_id) == ("ACTIVE", "ENABLE")


def test_unknown_ca_fails_with_ca_not_found(emulator):
    result = run_workflow(emulator, {"caCertificateId": "0" * 64})

    assert result.status == "FAILED"
    assert result.error == "CaNotFound"
    assert result.exit_code == 4


def test_tasks_emit_their_metrics(emulator, new_fleet):
    fleet = new_fleet(260)
    already = len(emulator.metric_log)

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    totals: dict[str, float] = {}
    for document in emulator.metric_log[already:]:
        emf = json.loads(document)
        for metric in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            values = emf[metric["Name"]]
            totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                values if isinstance(values, list) else [values]
            )
    assert totals["CertificatesRevoked"] == 260
    assert totals["CertificatesListed"] == 260
    assert totals["CaDeactivated"] == 1
    assert totals["RevocationVerified"] == 1
