"""Issue 9 on the emulator: one run by the named CA's id reaches everything its key signed (the
intermediate CAs, the certificates registered under each, the certificates registered without a CA) and
nothing else (another CA's certificates, name-spoofing certificates, an impostor CA carrying the CA's
name, a self-signed CA registered beside), with no loop on a cross-certificate back to the named CA.

Each test runs in a fresh emulator (the account holds only its fleet), so the scope's counts are exact.
Statuses are read back from the emulator's AWS IoT state (tests.support.fleet.assert_scope_revoked).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from rich.console import Console

from cli.report_view import print_report
from emulator.fleet import Intermediate
from emulator.session import EmulatorSession
from tests.support.fleet import assert_scope_revoked, scope_emulator
from tests.support.statuses import IotStateReader, ca_status
from tests.support.workflow import run_workflow


@pytest.fixture
def emulator() -> Iterator[EmulatorSession]:
    with scope_emulator() as session:
        yield session


def _rows(report: dict) -> dict[str, dict]:
    return {row["caCertificateId"]: row for row in report["scope"]["cas"]}


def test_one_run_by_the_roots_id_revokes_the_intermediates_and_the_ca_less_certificates(emulator, new_fleet):
    # Done when: a root with an intermediate (certificates registered under both) and CA-less
    # certificates signed by each, beside decoys of every kind that needs no extra CA.
    fleet = new_fleet(
        12, unlinked=5, intermediates=[Intermediate(certificates=7, unlinked=4)], decoys=6, spoofs=3
    )
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding
    intermediate = fleet.ca("intermediate-1")

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "reason": "key leaked"})

    report = assert_scope_revoked(emulator, fleet, result)
    assert report["certificates"]["total"] == 12 + 5 + 7 + 4
    rows = _rows(report)
    assert list(rows) == [fleet.ca_certificate_id, intermediate.certificate_id]
    assert rows[fleet.ca_certificate_id]["relation"] == "named"
    assert rows[fleet.ca_certificate_id].get("issuedBy") is None  # absent for the named CA
    assert rows[intermediate.certificate_id]["issuedBy"] == fleet.ca_certificate_id
    assert rows[fleet.ca_certificate_id]["certificates"]["total"] == 12 + 5
    assert rows[intermediate.certificate_id]["certificates"]["revoked"] == 7 + 4
    # Described by the scan: every certificate linked to no registered CA (in scope or a decoy).
    assert report["scope"]["unlinkedScanned"] == fleet.unlinked_certificate_count == 5 + 4 + 3 + 3
    assert report["scope"]["unlinkedInScope"] == 9
    assert report["ca"]["statusAfter"] == "INACTIVE"
    assert result.exit_code == 0
    # The CLI's table: both CAs with their relation, issuer and counts, and the scan's numbers.
    console = Console(record=True, width=240)
    print_report(result, console)
    text = console.export_text()
    assert f"#1 │ {fleet.ca_certificate_id} │ named        │ -" in text
    assert f"#2 │ {intermediate.certificate_id} │ intermediate │ #1" in text
    assert "11: 11 changed, 0 already, 0 skipped, 0 failed" in text
    assert "15 certificates linked to no registered CA described, 9 of them signed by a CA in scope" in text


def test_the_name_spoofing_decoys_and_an_impostor_ca_are_untouched(emulator, new_fleet):
    # Their issuer name (and authority key identifier) is the named CA's subject; another key signed them.
    fleet = new_fleet(4, unlinked=2, decoys=0, spoofs=4, impostor_ca=3)
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding
    impostor = fleet.ca("impostor")

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    report = assert_scope_revoked(emulator, fleet, result)
    assert len(fleet.decoys["name-spoof"]) == 4 and len(fleet.decoys["impostor-ca"]) == 3
    assert impostor.certificate_id not in _rows(report)
    assert ca_status(IotStateReader(), impostor.certificate_id) == ("ACTIVE", "DISABLE")
    assert report["scope"]["unlinkedScanned"] == 2 + 4
    assert report["scope"]["unlinkedInScope"] == 2


def test_a_chain_of_depth_three(emulator, new_fleet):
    fleet = new_fleet(
        3,
        unlinked=1,
        intermediates=[Intermediate(certificates=4, unlinked=2), Intermediate(certificates=5, unlinked=3)],
        decoys=2,
    )
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding
    level2, level3 = fleet.ca("intermediate-1"), fleet.ca("intermediate-2")

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    report = assert_scope_revoked(emulator, fleet, result)
    rows = _rows(report)
    assert list(rows) == [fleet.ca_certificate_id, level2.certificate_id, level3.certificate_id]
    assert rows[level2.certificate_id]["issuedBy"] == fleet.ca_certificate_id
    assert rows[level3.certificate_id]["issuedBy"] == level2.certificate_id
    assert rows[level3.certificate_id]["certificates"]["total"] == 5 + 3
    assert report["certificates"]["total"] == 3 + 1 + 4 + 2 + 5 + 3


def test_no_loop_on_a_self_signed_ca_beside_and_a_cross_certificate_back_to_the_root(emulator, new_fleet):
    # The cross-certificate carries the root's subject and key and is signed by the intermediate, which
    # the root signed: each issues the other, by signature. A self-signed CA registered beside issues
    # itself only. The run must end, with each registered CA in scope once.
    fleet = new_fleet(
        3, intermediates=[Intermediate(certificates=2, unlinked=2)], cross_signed=2, self_signed_ca=3
    )
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding
    cross, intermediate = fleet.ca("cross"), fleet.ca("intermediate-1")
    self_signed = fleet.ca("self-signed")
    # A CA cannot be registered twice in an account and Region (RegisterCACertificate refuses it).
    with pytest.raises(ClientError) as refused:
        emulator.client("iot").register_ca_certificate(
            caCertificate=fleet.ca_certificate_pem, setAsActive=True
        )
    assert refused.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    report = assert_scope_revoked(emulator, fleet, result)
    ids = [row["caCertificateId"] for row in report["scope"]["cas"]]
    assert sorted(ids) == sorted([fleet.ca_certificate_id, intermediate.certificate_id, cross.certificate_id])
    assert len(ids) == len(set(ids)) == 3
    rows = _rows(report)
    # The root's key signed the intermediate, and the cross-certificate carries that key.
    assert rows[intermediate.certificate_id]["issuedBy"] in {fleet.ca_certificate_id, cross.certificate_id}
    assert rows[cross.certificate_id]["issuedBy"] == intermediate.certificate_id
    assert self_signed.certificate_id not in rows
    assert ca_status(IotStateReader(), self_signed.certificate_id) == ("ACTIVE", "DISABLE")
    assert len(fleet.decoys["self-signed-ca"]) == 3
