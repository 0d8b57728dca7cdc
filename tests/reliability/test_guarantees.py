"""Nothing lost under faults: the guarantees of docs/reliability.md, each shown on the emulator.

Faults: the emulator's AWS IoT quota below the workflow's pacing (ThrottlingException), injected 5xx
(ServiceUnavailableException / InternalFailureException) and task invocations that crash part-way
(Lambda.Unknown). All are transient, so every run must end verified with failed 0, every certificate
counted exactly once, each in its documented end state, and nothing outside the CA touched.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract.functions import REVOCATION_FUNCTIONS
from emulator.fleet import PREEXISTING_STATUSES
from emulator.lambda_runtime import CrashRecord
from tests.reliability.end_state import (
    EVERY_STATUS,
    IOT_STATE,
    assert_end_state,
    assert_only_own_writes,
    expected_counts,
    outcomes_of,
)
from tests.reliability.faults import PACE_TPS, inject
from tests.support.statuses import ca_status, statuses
from tests.support.workflow import finish_workflow, revokes_page, run_workflow, start_workflow

# Every task of the revocation but the failure path's (crashing it would test nothing of the guarantees).
TASKS = tuple(name for name in REVOCATION_FUNCTIONS if name != "SummarizeFailure")


def test_the_fleets_here_start_in_every_status_a_certificate_can_be_in():
    assert {"ACTIVE", *EVERY_STATUS} == PREEXISTING_STATUSES


def crash_page_zero_part_way(function: str, event: Any, attempt: int) -> int | None:
    """Crash plan: the first attempt of page 0 dies after 120 AWS calls (GetObject of its outcomes, missing,
    GetObject of the page and 118 updates); every other invocation is left to the crash rate."""
    if revokes_page(function, event, 0) and attempt == 1:
        return 120
    return None


@pytest.mark.slow
@pytest.mark.parametrize(("target", "fault_seed"), [("REVOKED", 71_000), ("INACTIVE", 71_001)])
def test_throttling_5xx_and_crashes_end_verified_with_every_certificate_once(
    emulator, new_fleet, target, fault_seed
):
    fleet = new_fleet(300, preexisting=EVERY_STATUS)
    # The quota is half the pacing the workflow was deployed with: sustained throttling. 10 % of the IoT
    # calls fail with a 5xx, 30 % of the task invocations crash, and page 0 surely crashes part-way.
    inject(
        emulator,
        quota_tps=PACE_TPS / 2,
        fault_rate=0.1,
        crash_rate=0.3,
        crash_plan=crash_page_zero_part_way,
        seed=fault_seed,
    )

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "targetStatus": target})

    assert_end_state(emulator, fleet, result, target)
    iot, tasks = emulator.iot_layer.stats, emulator.lambda_runtime.stats
    assert sum(iot.throttled.values()) > 0
    assert sum(iot.faults.values()) > 0
    assert ("RevokeCertificates", 1, 120, False) in [
        (c.function, c.attempt, c.calls_done, c.at_end) for c in tasks.crash_log
    ]
    # Retries re-sent updates (idempotent) but each certificate is in exactly one outcome (checked above)
    # and only the CA's own certificates were written.
    changed = [cid for api, cid in iot.writes if api == "UpdateCertificate"]
    assert len(changed) > result.report["certificates"]["revoked"]


def test_a_task_that_crashed_part_way_left_work_half_done_and_its_retry_settled_it(emulator, new_fleet):
    fleet = new_fleet(250)
    seen: list[tuple[CrashRecord, dict[str, int]]] = []

    def crash_first_page_attempt_after_101_calls(function: str, event: Any, attempt: int) -> int | None:
        return 101 if function == "RevokeCertificates" and attempt == 1 else None

    def snapshot(record: CrashRecord) -> None:
        now = statuses(IOT_STATE, fleet.certificate_ids).values()
        seen.append((record, {status: list(now).count(status) for status in set(now)}))

    inject(emulator, crash_plan=crash_first_page_attempt_after_101_calls)
    emulator.lambda_runtime.crash_hook = snapshot

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    # The crash came after GetObject(outcomes: missing, so the page is to do), GetObject(page) and 99
    # UpdateCertificate calls: 99 revoked, 151 not yet.
    ((record, at_crash),) = seen
    assert (record.function, record.attempt, record.calls_done, record.at_end) == (
        "RevokeCertificates",
        1,
        101,
        False,
    )
    assert at_crash == {"REVOKED": 99, "ACTIVE": 151}
    # The retry read the same page (all ACTIVE when listed), re-sent the 99 updates (REVOKED -> REVOKED is
    # idempotent) and did the rest; each certificate counts once, as revoked by this run.
    assert_end_state(emulator, fleet, result, "REVOKED")
    assert result.report["certificates"]["revoked"] == 250
    assert emulator.iot_layer.stats.calls["UpdateCertificate"] == 250 + 99
    assert outcomes_of(emulator, result).counts() == {"REVOKED": 250}


@pytest.mark.parametrize("function", TASKS)
@pytest.mark.parametrize("where", ["after its first AWS call", "after all its work"])
def test_a_crash_of_any_task_is_retried_without_harm(emulator, new_fleet, function, where):
    fleet = new_fleet(40, preexisting={"REVOKED": 3, "PENDING_TRANSFER": 2})
    after_calls = 1 if where == "after its first AWS call" else 10_000

    def plan(name: str, event: Any, attempt: int) -> int | None:
        return after_calls if name == function and attempt == 1 else None

    inject(emulator, crash_plan=plan)

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert_end_state(emulator, fleet, result, "REVOKED")
    crashes = emulator.lambda_runtime.stats.crash_log
    # Every invocation of the task crashes on its first attempt: one for most tasks; DiscoverScope's state
    # loops (an invocation per position, for the discovery and the re-discovery), each crashed once;
    # VerifyRevocation runs twice, its gathering (GatherVerification) and its report.
    assert crashes and {(crash.function, crash.attempt) for crash in crashes} == {(function, 1)}
    assert len(crashes) == {"DiscoverScope": len(crashes), "VerifyRevocation": 2}.get(function, 1)
    for crash in crashes:
        if where == "after all its work":
            assert crash.at_end
        else:  # NormalizeInput makes no AWS call: it can only die at its end
            assert crash.calls_done == (0 if function == "NormalizeInput" else 1)
    invocations = emulator.lambda_runtime.stats.by_function[f"iot-ca-revocation-{function}"]
    assert invocations == 2 * len(crashes)


def test_a_crash_on_the_failure_path_keeps_the_original_error(emulator, new_fleet):
    """SummarizeFailure (no AWS call) dies after its work on every attempt: the execution still fails
    with the error that sent it down the failure path, and nothing was changed."""
    fleet = new_fleet(3)

    def summarize_always_crashes(name: str, event: Any, attempt: int) -> int | None:
        return 0 if name == "SummarizeFailure" else None

    inject(emulator, crash_plan=summarize_always_crashes)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "targetStatus": "ACTIVE"})

    assert (result.status, result.error, result.exit_code) == ("FAILED", "InvalidInput", 2)
    assert "targetStatus" in result.cause
    assert emulator.lambda_runtime.stats.crashes >= 1
    assert emulator.iot_layer.stats.calls == {}
    assert set(statuses(IOT_STATE, fleet.certificate_ids).values()) == {"ACTIVE"}


def test_the_report_keeps_the_ca_status_before_a_crash_in_deactivate(emulator, new_fleet):
    fleet = new_fleet(5)

    def crash_after_the_update(name: str, event: Any, attempt: int) -> int | None:
        # DescribeCACertificate, UpdateCACertificate, then the crash before the second describe.
        return 2 if name == "DeactivateCa" and attempt == 1 else None

    inject(emulator, crash_plan=crash_after_the_update)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert emulator.lambda_runtime.stats.crashes == 1
    assert ca_status(IOT_STATE, fleet.ca_certificate_id) == ("INACTIVE", "DISABLE")
    assert result.report["ca"]["statusBefore"] == "ACTIVE"


def test_a_repeated_execution_under_faults_does_no_harm(emulator, new_fleet):
    fleet = new_fleet(300, preexisting=EVERY_STATUS)
    inject(emulator, fault_rate=0.1, crash_rate=0.3, seed=21)
    first = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})
    assert_end_state(emulator, fleet, first, "REVOKED")
    inject(emulator, fault_rate=0.1, crash_rate=0.3, seed=22)

    second = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    settled = len(fleet.certificate_ids) - len(fleet.preexisting_ids["PENDING_TRANSFER"])
    assert second.report["certificates"] == {
        "total": 300,
        "revoked": 0,
        "alreadyRevoked": settled,
        "skipped": len(fleet.preexisting_ids["PENDING_TRANSFER"]),
        "failed": 0,
    }
    assert second.report["ca"]["statusBefore"] == "INACTIVE"
    # It wrote nothing at all: every certificate was settled from its listed status.
    assert emulator.iot_layer.stats.writes == []
    assert emulator.lambda_runtime.stats.crashes > 0
    assert statuses(IOT_STATE, fleet.certificate_ids) == {
        cid: ("PENDING_TRANSFER" if fleet.status_of(cid) == "PENDING_TRANSFER" else "REVOKED")
        for cid in fleet.certificate_ids
    }


def test_a_run_cut_short_is_reported_as_it_is_and_the_next_execution_completes_it(emulator, new_fleet):
    """A page task that crashes on every attempt exhausts its retries: the run fails VerificationFailed,
    its report counts what really happened (read back from AWS IoT), and a second execution finishes the
    job without redoing anything. (RedriveExecution is not implemented by moto 5.2.5; on AWS a redrive
    reruns the failed Map children, which is the same as this second execution for the certificates.)"""
    fleet = new_fleet(300, preexisting={"REVOKED": 4})

    def page_one_always_crashes_after_30_calls(name: str, event: Any, attempt: int) -> int | None:
        return 30 if revokes_page(name, event, 1) else None

    inject(emulator, crash_plan=page_one_always_crashes_after_30_calls)
    first = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert (first.status, first.error, first.exit_code) == ("FAILED", "VerificationFailed", 3)
    page_one = fleet.certificate_ids[:50]  # the listing runs newest first: page 1 holds the 50 oldest
    done = [cid for cid, status in statuses(IOT_STATE, page_one).items() if status == "REVOKED"]
    pre_revoked = set(fleet.preexisting_ids["REVOKED"])
    # GetObject of its outcomes (missing), GetObject of the page and 28 UpdateCertificate before each
    # crash (the same 28 on every attempt).
    newly_done = [cid for cid in done if cid not in pre_revoked]
    assert len(newly_done) == 28
    assert len(emulator.lambda_runtime.stats.crash_log) == 7  # the first attempt and 6 retries
    counts = first.report["certificates"]
    assert counts["total"] == 300
    assert counts["failed"] == 300 - 250 - len(done)
    assert counts["revoked"] + counts["alreadyRevoked"] == 250 + len(done)
    assert first.report["verification"]["verified"] is False
    assert first.report["verification"]["missingPages"] == 1
    assert {entry["certificateId"] for entry in first.report["failedCertificates"]} == set(page_one) - set(
        done
    )

    inject(emulator)
    second = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert second.status == "SUCCEEDED", (second.error, second.cause)
    assert second.report["certificates"] == {
        "total": 300,
        "revoked": counts["failed"],
        "alreadyRevoked": 300 - counts["failed"],
        "skipped": 0,
        "failed": 0,
    }
    assert len(emulator.iot_layer.stats.writes) == counts["failed"]  # only what the first run left
    assert set(statuses(IOT_STATE, fleet.certificate_ids).values()) == {"REVOKED"}


@pytest.mark.slow
def test_a_dry_run_under_faults_changes_nothing(emulator, new_fleet):
    fleet = new_fleet(300, preexisting=EVERY_STATUS)
    before = statuses(IOT_STATE, fleet.certificate_ids)
    inject(emulator, quota_tps=PACE_TPS / 2, fault_rate=0.1, crash_rate=0.3, seed=31)

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "dryRun": True})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.report["verification"]["verified"] is True
    counts = expected_counts(fleet)
    assert result.report["certificates"] == {
        **counts,
        "revoked": 0,
        "skipped": counts["skipped"] + counts["revoked"],
    }
    assert emulator.iot_layer.stats.writes == []
    assert statuses(IOT_STATE, fleet.certificate_ids) == before
    assert ca_status(IOT_STATE, fleet.ca_certificate_id) == ("ACTIVE", "ENABLE")


@pytest.mark.slow
def test_two_cas_revoked_at_once_under_faults_touch_only_their_own(emulator, new_fleet):
    first = new_fleet(260)
    second = new_fleet(240, preexisting={"REVOKED": 5})
    inject(emulator, fault_rate=0.1, crash_rate=0.2, seed=41)
    arns = [
        start_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id}) for fleet in (first, second)
    ]
    results = [finish_workflow(emulator, arn) for arn in arns]

    for fleet, result in zip((first, second), results, strict=True):
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        assert result.report["certificates"] == expected_counts(fleet)
        assert set(statuses(IOT_STATE, fleet.certificate_ids).values()) == {"REVOKED"}
        assert set(statuses(IOT_STATE, fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    assert_only_own_writes(emulator, first, second)
    written = {cid for _, cid in emulator.iot_layer.stats.writes}
    assert written & set(first.certificate_ids) and written & set(second.certificate_ids)
