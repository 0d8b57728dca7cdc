"""Issue 13, "Affected Things": the workflow on the emulator lists the Things of every certificate in scope
into the affected-Things CSV, which equals ListPrincipalThings (read back with boto3) certificate by
certificate; ``ca-revoke report --csv`` prints it; the demo's fleet's Things are all in it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

import cli.run
from cli.demo import demo_fleet
from cli.main import main
from emulator.session import EmulatorSession
from tests.support.fleet import fleet_seed
from tests.support.workflow import run_workflow

COLUMNS = ["certificateId", "thingName", "statusBefore", "statusAfter", "outcome"]


def _csv_rows(emulator: EmulatorSession, location: str) -> list[dict[str, str]]:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    text = emulator.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def _principal_things(iot: Any, certificate_id: str) -> list[str]:
    """ListPrincipalThings of the certificate, every page (boto3's paginator follows nextToken)."""
    arn = iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]["certificateArn"]
    pages = iot.get_paginator("list_principal_things").paginate(
        principal=arn, PaginationConfig={"PageSize": 100}
    )
    return [name for page in pages for name in page["things"]]


def test_the_csv_rows_equal_list_principal_things_of_every_certificate_in_scope(emulator, new_fleet):
    fleet = new_fleet(40, decoys=4, unlinked=4, preexisting={"REVOKED": 2}, things=True)
    iot = emulator.client("iot")
    scope = fleet.in_scope_certificate_ids
    # A Thing shared by two certificates, and one certificate with more Things than one page (250).
    iot.create_thing(thingName="shared-gateway")
    busy = scope[1]
    for cid in scope[:2]:
        iot.attach_thing_principal(thingName="shared-gateway", principal=_arn(iot, cid))
    for n in range(260):
        iot.create_thing(thingName=f"busy-{n:03d}")
        iot.attach_thing_principal(thingName=f"busy-{n:03d}", principal=_arn(iot, busy))

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    assert result.status == "SUCCEEDED", result.error
    report = result.report
    rows = _csv_rows(emulator, report["affectedThingsLocation"])
    listed = {cid: _principal_things(iot, cid) for cid in scope}
    by_certificate: dict[str, list[str]] = {}
    for row in rows:
        by_certificate.setdefault(row["certificateId"], []).append(row["thingName"])
        assert row["statusAfter"] == "REVOKED"
        assert row["outcome"] in ("REVOKED", "ALREADY_IN_TARGET")
    assert set(by_certificate) == set(scope)  # no decoy
    for cid in scope:
        assert sorted(by_certificate[cid]) == sorted(listed[cid] or [""]), cid
    assert any(not names for names in listed.values())  # certificates with no Thing: one empty row each
    assert len(listed[busy]) > 250 and "shared-gateway" in listed[scope[0]]
    assert report["affectedThings"] == len({name for names in listed.values() for name in names})


def test_report_csv_prints_the_csv(emulator, new_fleet, monkeypatch, capsys):
    fleet = new_fleet(5, decoys=2, things=True)
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "dryRun": True})
    assert result.status == "SUCCEEDED", result.error
    clients = (emulator.client("stepfunctions"), emulator.client("s3"))
    monkeypatch.setattr(cli.run, "aws_clients", lambda args: clients)
    capsys.readouterr()
    assert main(["report", result.execution_arn, "--csv"]) == 0
    printed = capsys.readouterr().out
    rows = _csv_rows(emulator, result.report["affectedThingsLocation"])
    assert list(csv.DictReader(io.StringIO(printed))) == rows
    assert {row["outcome"] for row in rows} == {"SKIPPED"}  # a dry run lists too, and changes nothing
    assert {row["certificateId"] for row in rows} == set(fleet.in_scope_certificate_ids)


def test_the_csv_of_the_demos_fleet_lists_every_thing_attached_to_a_revoked_certificate(emulator):
    iot = emulator.client("iot")
    fleet = demo_fleet(iot, certificates=60, decoys=8, seed=fleet_seed("demo-things"))
    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})
    assert result.status == "SUCCEEDED", result.error
    rows = _csv_rows(emulator, result.report["affectedThingsLocation"])
    revoked = {row["certificateId"] for row in rows if row["outcome"] == "REVOKED"}
    assert revoked == set(fleet.in_scope_certificate_ids)
    pairs = {(row["certificateId"], row["thingName"]) for row in rows if row["thingName"]}
    seeded = {(cid, name) for cid in revoked for name in fleet.things[cid]}
    assert pairs == seeded and seeded


def _arn(iot: Any, certificate_id: str) -> str:
    return str(
        iot.describe_certificate(certificateId=certificate_id)["certificateDescription"]["certificateArn"]
    )


pytestmark = pytest.mark.timeout(300)
