"""Replaying the sample events through ``ca-revoke run --input-file`` on the emulator (default mode dry-run),
and the per-CA lock: one revocation of a CA at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.statuses import ca_status, statuses
from tests.support.workflow import FAST_CONTEXT, finish_workflow, start_workflow
from tests.triggers.replay import ca_revoke_run, notifications, sample_for


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    """The emulator deployed with the cdk.json context (automaticResponseMode dry-run)."""
    with EmulatorSession(EmulatorOptions(context=FAST_CONTEXT)) as session:
        yield session


@pytest.mark.parametrize(
    "name",
    [
        "securityhub-imported-revoked-ca.json",
        "securityhub-imported-ca-key-quality.json",
    ],
)
def test_a_finding_runs_a_dry_run_by_default_and_changes_nothing(emulator, new_fleet, capsys, tmp_path, name):
    fleet = new_fleet(30)
    emulator.iot_layer.reset_stats()

    code, report = ca_revoke_run(
        capsys, "--input-file", str(sample_for(name, fleet.ca_certificate_id, tmp_path))
    )

    assert code == 0, report
    assert (report["status"], report["dryRun"], report["source"]) == (
        "SUCCEEDED",
        True,
        "securityhub:finding",
    )
    assert report["caCertificateId"] == fleet.ca_certificate_id
    assert report["certificates"]["total"] == 30
    assert report["certificates"]["revoked"] == 0
    assert report["verification"]["verified"] is True
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(emulator.client("iot"), fleet.ca_certificate_id).status == "ACTIVE"
    calls = emulator.iot_layer.stats.calls
    assert calls.get("UpdateCertificate", 0) == calls.get("UpdateCACertificate", 0) == 0
    # NotifyStart's notice, then the end's.
    start, notice = notifications(emulator)
    assert start["Subject"] == "IoT CA DRY RUN started: 30 certificates"
    assert "expected" in start["Message"]
    assert notice["Subject"].startswith("IoT CA dry run CHECKED")  # a dry run never reads VERIFIED
    assert "DRY RUN (nothing changed)" in notice["Message"]


def test_the_custom_action_revokes(emulator, new_fleet, capsys, tmp_path):
    fleet = new_fleet(20)
    path = sample_for("securityhub-custom-action.json", fleet.ca_certificate_id, tmp_path)

    code, report = ca_revoke_run(capsys, "--input-file", str(path))

    assert code == 0, report
    assert (report["dryRun"], report["source"], report["certificates"]["revoked"]) == (
        False,
        "securityhub:custom-action",
        20,
    )
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) == {"REVOKED"}
    assert set(statuses(emulator.client("iot"), fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    notifications(emulator)


def test_the_custom_event_revokes(emulator, new_fleet, capsys, tmp_path):
    fleet = new_fleet(10)
    path = sample_for("custom-event.json", fleet.ca_certificate_id, tmp_path)

    code, report = ca_revoke_run(capsys, "--input-file", str(path))

    assert code == 0, report
    assert (report["source"], report["incidentId"], report["certificates"]["revoked"]) == (
        "eventbridge:custom",
        "INC-2041",
        10,
    )
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) == {"REVOKED"}
    notifications(emulator)


@pytest.mark.parametrize("name", ["near-miss-archived.json", "near-miss-other-check.json"])
def test_a_near_miss_is_refused_with_invalid_input_and_a_readable_notice(
    emulator, new_fleet, capsys, tmp_path, name
):
    fleet = new_fleet(3)
    emulator.iot_layer.reset_stats()

    code, document = ca_revoke_run(
        capsys, "--input-file", str(sample_for(name, fleet.ca_certificate_id, tmp_path))
    )

    assert code == 2
    assert (document["status"], document["error"]) == ("FAILED", "InvalidInput")
    assert sum(emulator.iot_layer.stats.calls.values()) == 0
    (notice,) = notifications(emulator)
    assert notice["Subject"] == "IoT CA revocation refused: InvalidInput"
    assert "Console:" in notice["Message"]
    assert "stackTrace" not in notice["Message"]


def _lock_item(emulator: EmulatorSession, ca_certificate_id: str):
    assert emulator.deployment is not None
    return (
        emulator.client("dynamodb")
        .get_item(TableName=emulator.deployment.lock_table, Key={"caCertificateId": {"S": ca_certificate_id}})
        .get("Item")
    )


def test_two_executions_at_once_for_one_ca_one_revokes_the_other_names_it(emulator, new_fleet):
    fleet = new_fleet(600)
    notifications(emulator)
    emulator.iot_layer.reset_stats()

    arns = [
        start_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id}),
        start_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id}),
    ]
    results = {arn: finish_workflow(emulator, arn) for arn in arns}

    succeeded = [r for r in results.values() if r.status == "SUCCEEDED"]
    refused = [r for r in results.values() if r.status == "FAILED"]
    assert len(succeeded) == len(refused) == 1, [(r.status, r.error) for r in results.values()]
    winner, loser = succeeded[0], refused[0]
    assert winner.report["certificates"]["revoked"] == 600
    assert loser.error == "RevocationAlreadyInProgress"
    assert winner.execution_arn in loser.cause
    assert loser.exit_code == 5
    # Only the winner touched AWS IoT: one UpdateCertificate per certificate, one CA deactivation.
    assert emulator.iot_layer.stats.calls["UpdateCertificate"] == 600
    assert emulator.iot_layer.stats.calls["UpdateCACertificate"] == 1
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) == {"REVOKED"}
    # The winner released the lock; the loser never held it.
    assert _lock_item(emulator, fleet.ca_certificate_id) is None
    subjects = sorted(n["Subject"] for n in notifications(emulator))
    assert (
        subjects
        == sorted(
            [
                f"IoT CA revocation already in progress: {fleet.ca_certificate_id[:12]}",
                "IoT CA revocation started: 600 certificates",  # NotifyStart, of the winner only
                f"IoT CA revoked VERIFIED: {fleet.ca_certificate_id[:12]} (600 changed of 600)",
            ]
        )
    )

    again = finish_workflow(emulator, start_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id}))
    assert again.status == "SUCCEEDED"
    assert again.report["certificates"]["alreadyRevoked"] == 600


@pytest.mark.parametrize("holder", ["never-ran", "finished"])
def test_a_lock_whose_holder_has_ended_is_taken_over(emulator, new_fleet, holder):
    fleet = new_fleet(5)
    assert emulator.deployment is not None
    if holder == "finished":
        other = new_fleet(1)
        arn = start_workflow(emulator, {"caCertificateId": other.ca_certificate_id})
        assert finish_workflow(emulator, arn).status == "SUCCEEDED"
    else:
        arn = emulator.deployment.state_machine_arn.replace(":stateMachine:", ":execution:") + ":never-ran"
    # A lock left behind, as by an aborted execution (no end path ran to release it).
    emulator.client("dynamodb").put_item(
        TableName=emulator.deployment.lock_table,
        Item={
            "caCertificateId": {"S": fleet.ca_certificate_id},
            "executionArn": {"S": arn},
            "acquiredAt": {"S": "2026-11-30T00:00:00+00:00"},
            "expiresAt": {"N": "4102444800"},
        },
    )

    result = finish_workflow(emulator, start_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id}))

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.report["certificates"]["revoked"] == 5
    assert _lock_item(emulator, fleet.ca_certificate_id) is None
    notifications(emulator)


def test_a_failed_run_releases_its_lock_and_says_why(emulator):
    result = finish_workflow(emulator, start_workflow(emulator, {"caCertificateId": "0" * 64}))

    assert (result.status, result.error, result.exit_code) == ("FAILED", "CaNotFound", 4)
    assert _lock_item(emulator, "0" * 64) is None
    (notice,) = notifications(emulator)
    assert notice["Subject"] == "IoT CA revocation FAILED: 000000000000 (CaNotFound)"
    for line in (
        "CA certificate:  " + "0" * 64,
        "Mode:            ENFORCE (target REVOKED)",
        "Error:           CaNotFound",
    ):
        assert line in notice["Message"]
    assert result.execution_arn in notice["Message"]
