"""cdk.json ``listAffectedThings: false``: no ListPrincipalThings call, no CSV, the report's
affectedThings and affectedThingsLocation null, and ``ca-revoke report --csv`` says there is none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import cli.run
from cli.main import main
from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.fleet import new_fleet
from tests.support.workflow import FAST_CONTEXT, run_workflow

__all__ = ["new_fleet"]  # the fixture


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    """This module's emulator: the workflow deployed with listAffectedThings false."""
    with EmulatorSession(EmulatorOptions(context={**FAST_CONTEXT, "listAffectedThings": False})) as session:
        yield session


def test_list_affected_things_false_lists_nothing_and_writes_no_csv(emulator, new_fleet, monkeypatch, capsys):
    fleet = new_fleet(6, decoys=2, things=True)
    emulator.iot_layer.reset_stats()
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert result.status == "SUCCEEDED", result.error
    report = result.report
    assert report["affectedThings"] is None and report["affectedThingsLocation"] is None
    assert emulator.iot_layer.stats.calls.get("ListPrincipalThings", 0) == 0
    bucket, _, key = report["reportLocation"].removeprefix("s3://").partition("/")
    prefix = key.removesuffix("report.json")
    listing = emulator.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)
    assert not [item["Key"] for item in listing.get("Contents", []) if item["Key"].endswith(".csv")]

    clients = (emulator.client("stepfunctions"), emulator.client("s3"))
    monkeypatch.setattr(cli.run, "aws_clients", lambda args: clients)
    capsys.readouterr()
    assert main(["report", result.execution_arn, "--csv"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "has no affected-Things CSV" in captured.err
