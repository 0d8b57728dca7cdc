"""``ca-revoke follow`` / ``report`` and how every run's end is told: the report (table or --json, which
names the error of a failed run), and one line on stderr for anything but VERIFIED.

The AWS side is an in-memory fake answering as the Step Functions API reference documents DescribeExecution
(status, error, cause, output) and GetExecutionHistory (the recorded, botocore-shaped events).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import cli.run
from cli.main import main
from cli.report_view import print_report
from cli.workflow import ExecutionResult

ARN = "arn:aws:states:us-east-1:123456789012:execution:iot-ca-revocation:ca-revoke-20261130T041502Z-3f9c2a1b"
BUCKET = "iot-ca-revocation-reports-123456789012"
KEY = "executions/ca-revoke-20261130T041502Z-3f9c2a1b/report.json"
CA_ID = "a379f90349bc0536e20c9e76b4cfe526d5c750345cbd2d95d3b519b59cf4c11d"
RECORDED = json.loads((Path(__file__).parent / "recorded_history.json").read_text())


def _report(**changes: Any) -> dict[str, Any]:
    report = {
        "caCertificateId": CA_ID,
        "dryRun": False,
        "targetStatus": "REVOKED",
        "reason": "CA private key exposed in build logs",
        "incidentId": "INC-2041",
        "ca": {"statusBefore": "ACTIVE", "statusAfter": "INACTIVE", "autoRegistrationStatusAfter": "DISABLE"},
        "certificates": {"total": 1, "revoked": 1, "alreadyRevoked": 0, "skipped": 0, "failed": 0},
        "skippedCertificates": [],
        "failedCertificates": [],
        "verification": {"verified": True, "remaining": {}},
        "reportLocation": f"s3://{BUCKET}/{KEY}",
    }
    report.update(changes)
    return report


class FakeBody:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self) -> bytes:
        return self.data


class FakeS3:
    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": FakeBody(self.objects[(Bucket, Key)])}


class FakeSfn:
    """Answers DescribeExecution with ``descriptions`` in turn (the last one from then on)."""

    def __init__(self, descriptions: list[dict[str, Any]]) -> None:
        self.descriptions = descriptions
        self.calls: list[str] = []

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.calls.append("DescribeExecution")
        assert executionArn == ARN
        description = self.descriptions.pop(0) if len(self.descriptions) > 1 else self.descriptions[0]
        return {"executionArn": ARN, **description}

    def get_execution_history(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("GetExecutionHistory")
        return {"events": list(reversed(RECORDED))}

    def list_map_runs(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("ListMapRuns")
        return {"mapRuns": []}

    def describe_map_run(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("DescribeMapRun")
        return {"itemCounts": {"total": 3, "succeeded": 3, "failed": 0}}


VERIFICATION_FAILED = {
    "status": "FAILED",
    "error": "VerificationFailed",
    "cause": json.dumps(
        {
            "errorType": "VerificationFailed",
            "errorMessage": f"1 certificate not at REVOKED; report: s3://{BUCKET}/{KEY}",
        }
    ),
}


@pytest.fixture
def aws(monkeypatch):
    """Installs fakes as the CLI's clients; returns a function taking the DescribeExecution answers."""

    def install(descriptions: list[dict[str, Any]], report: dict[str, Any] | None = None) -> FakeSfn:
        sfn = FakeSfn(descriptions)
        s3 = FakeS3({(BUCKET, KEY): json.dumps(report or _report()).encode()})
        monkeypatch.setattr(cli.run, "aws_clients", lambda args: (sfn, s3))
        monkeypatch.setattr(cli.run, "POLL_SECONDS", 0.0)
        return sfn

    return install


def test_report_json_of_a_verification_failed_run_names_the_error(aws, capsys):
    failed = _report(
        certificates={"total": 1, "revoked": 0, "alreadyRevoked": 0, "skipped": 0, "failed": 1},
        verification={"verified": False, "remaining": {"ACTIVE": 1}},
    )
    aws([VERIFICATION_FAILED], failed)
    assert main(["report", ARN, "--json"]) == 3
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["error"] == "VerificationFailed"
    assert document["cause"].startswith("1 certificate not at REVOKED")
    assert document["certificates"]["failed"] == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ca-revoke report: FAILED VerificationFailed: 1 certificate not at REVOKED")
    assert ARN in lines[0]


@pytest.mark.parametrize(
    "description, code",
    [
        ({"status": "FAILED", "error": "CaNotFound", "cause": '{"errorMessage": "no such CA"}'}, 4),
        ({"status": "TIMED_OUT"}, 1),
        ({"status": "ABORTED"}, 1),
    ],
)
def test_every_failure_is_also_one_line_on_stderr(aws, capsys, description, code):
    aws([description])
    assert main(["report", ARN]) == code
    captured = capsys.readouterr()
    assert description["status"] in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and description["status"] in lines[0] and ARN in lines[0]


def test_follow_waits_with_progress_and_exits_as_run_wait(aws, capsys):
    done = {"status": "SUCCEEDED", "output": json.dumps(_report())}
    sfn = aws([{"status": "RUNNING"}, {"status": "RUNNING"}, done])
    assert main(["follow", ARN, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["verification"]["verified"] is True
    assert "progress: notifying (Succeeded)" in captured.err
    assert "GetExecutionHistory" in sfn.calls
    assert sfn.calls.count("DescribeExecution") == 3


def test_report_of_a_running_execution_points_at_follow(aws, capsys):
    aws([{"status": "RUNNING"}])
    assert main(["report", ARN]) == 1
    assert "ca-revoke follow" in capsys.readouterr().err


def _table(report: dict[str, Any], width: int = 60) -> str:
    sink = io.StringIO()
    result = ExecutionResult(execution_arn=ARN, status="SUCCEEDED", report={**report, "executionArn": ARN})
    print_report(result, Console(file=sink, width=width, force_terminal=False, highlight=False))
    return sink.getvalue()


def test_table_keeps_identifiers_whole_and_shows_reason_incident_and_console_link():
    skipped = [
        {"certificateId": "f" * 64, "status": "PENDING_TRANSFER", "reason": "PENDING_TRANSFER: a transfer"}
    ]
    text = _table(_report(skippedCertificates=skipped, verification={"verified": True, "remaining": {}}))
    lines = text.splitlines()
    console_url = (
        f"https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/{ARN}"
    )
    for identifier in (ARN, CA_ID, f"s3://{BUCKET}/{KEY}", console_url, "f" * 64):
        assert any(identifier in line for line in lines), identifier
    assert any("CA private key exposed in build logs" in line for line in lines)
    assert any("INC-2041" in line for line in lines)
    assert "{}" not in text
    assert "1 certificate:" in text and "1 certificates" not in text


def test_demo_summary_names_injected_faults_only_when_asked_for():
    from cli.report_view import print_demo_summary

    demo = {
        "certificates": 3,
        "inScopeAtTarget": 3,
        "unlinkedInScope": 1,
        "cas": 1,
        "casAtTarget": 1,
        "decoys": 1,
        "decoysUntouched": 1,
        "decoysByKind": {"name-spoof": 1},
        "decoyCas": 1,
        "decoyCasUntouched": 1,
        "foreignWrites": 0,
        "workflowSeconds": 2.5,
        "faults": {
            "seed": 0,
            "iotThrottled": 3,
            "iotServerErrors": 0,
            "iotCalls": 9,
            "taskCrashes": 0,
            "taskInvocations": 5,
        },
    }
    for asked in (False, True):
        sink = io.StringIO()
        print_demo_summary(demo, Console(file=sink, width=200), faults_requested=asked)
        assert ("Injected" in sink.getvalue()) is asked
        assert "1/1 certificate (1 name-spoof)" in sink.getvalue()
