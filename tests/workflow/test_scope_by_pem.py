"""Issue 9 on the emulator: a CA named by its PEM certificate (caCertificatePem, ``ca-revoke run
--ca-certificate-file``), registered here or not; and bad PEM inputs refused with no change.

Each test runs in a fresh emulator (the account holds only its fleet). ``ca-revoke run`` runs in this
process against the in-process emulator (boto3 calls go to moto's mock, as in the demo).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from emulator.fleet import Intermediate
from emulator.fleet_x509 import fingerprint
from emulator.session import EmulatorSession
from tests.support.fleet import assert_scope_revoked, issued_pems, scope_emulator
from tests.support.statuses import IotStateReader, ca_status, statuses
from tests.support.workflow import run_workflow
from tests.support.x509 import Pki, pem, private_key_pem


@pytest.fixture
def emulator() -> Iterator[EmulatorSession]:
    with scope_emulator() as session:
        yield session


def _run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(["run", *args, "--wait", "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


def test_a_ca_registered_nowhere_named_by_its_file_has_its_ca_less_certificates_revoked(
    emulator, new_fleet, tmp_path, capsys
):
    # Done when: a CA that is not registered, named by --ca-certificate-file.
    fleet = new_fleet(0, register_ca=False, unlinked=6, decoys=4, spoofs=2)
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding
    (tmp_path / "ca.pem").write_text(fleet.ca_certificate_pem)

    code, report, err = _run_cli(capsys, "--ca-certificate-file", str(tmp_path / "ca.pem"))

    assert code == 0, err
    assert report["status"] == "SUCCEEDED"
    assert report["verification"]["verified"] is True
    assert report["certificates"]["revoked"] == 6
    # Named by PEM only: the run names the CA by the SHA-256 of its DER, registered nowhere here.
    assert report["caCertificateId"] == fleet.ca_certificate_id == fingerprint(fleet.ca_certificate_pem)
    (row,) = report["scope"]["cas"]
    assert (row["caCertificateId"], row["relation"], row["registered"]) == (
        fleet.ca_certificate_id,
        "named",
        False,
    )
    assert report["scope"]["unlinkedScanned"] == 6 + 2 + 2
    assert report["scope"]["unlinkedInScope"] == 6
    assert statuses(IotStateReader(), fleet.unlinked_in_scope_ids) == dict.fromkeys(
        fleet.unlinked_in_scope_ids, "REVOKED"
    )
    assert set(statuses(IotStateReader(), fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(IotStateReader(), fleet.other_ca_certificate_id).status == "ACTIVE"


def test_an_unregistered_root_named_by_pem_reaches_its_registered_intermediate(emulator, new_fleet):
    # Multi-account registration: the root is registered nowhere here, the intermediate it signed is.
    fleet = new_fleet(0, register_ca=False, unlinked=3, intermediates=[Intermediate(4, 2)])
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding

    result = run_workflow(emulator, {"caCertificatePem": fleet.ca_certificate_pem})

    report = assert_scope_revoked(emulator, fleet, result)
    assert fleet.in_scope_ca_ids == (fleet.ca("intermediate-1").certificate_id,)
    assert report["certificates"]["total"] == 3 + 4 + 2


def test_id_and_pem_of_the_same_registered_ca(emulator, new_fleet):
    fleet = new_fleet(5, unlinked=2)
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding

    result = run_workflow(
        emulator,
        {"caCertificateId": fleet.ca_certificate_id, "caCertificatePem": fleet.ca_certificate_pem},
    )

    assert_scope_revoked(emulator, fleet, result)


def test_a_ca_registered_nowhere_that_signed_nothing_here_is_verified_with_total_zero(
    emulator, new_fleet, request, tmp_path, capsys
):
    fleet = new_fleet(3, unlinked=2)  # another CA's fleet: none of it is in scope
    stranger = issued_pems(request.node.nodeid + "/stranger").ca_certificate_pem
    (tmp_path / "stranger.pem").write_text(stranger)
    emulator.iot_layer.reset_stats()

    code, report, err = _run_cli(capsys, "--ca-certificate-file", str(tmp_path / "stranger.pem"))

    assert code == 0, err
    assert report["verification"]["verified"] is True
    assert report["certificates"] == {
        "total": 0,
        "revoked": 0,
        "alreadyRevoked": 0,
        "skipped": 0,
        "failed": 0,
    }
    (row,) = report["scope"]["cas"]
    assert (row["caCertificateId"], row["registered"]) == (fingerprint(stranger), False)
    assert report["scope"]["unlinkedInScope"] == 0
    assert emulator.iot_layer.stats.writes == []
    assert set(statuses(IotStateReader(), fleet.in_scope_certificate_ids).values()) == {"ACTIVE"}


PKI = Pki.build()
BAD_PEMS = {
    "garbage": "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    "two certificates": pem(PKI.root.cert) + pem(PKI.other.cert),
    "a leaf certificate": pem(PKI.other_leaf),
    "a private key": private_key_pem(PKI.root.key),
}


@pytest.mark.parametrize("kind", list(BAD_PEMS))
def test_bad_pem_inputs_are_refused_with_invalid_input_and_no_change(emulator, new_fleet, kind):
    fleet = new_fleet(3, unlinked=2)
    emulator.iot_layer.reset_stats()

    result = run_workflow(emulator, {"caCertificatePem": BAD_PEMS[kind]})

    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert "caCertificatePem" in result.cause
    assert result.exit_code == 2
    assert sum(emulator.iot_layer.stats.calls.values()) == 0  # refused before any AWS IoT call
    assert set(statuses(IotStateReader(), fleet.in_scope_certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(IotStateReader(), fleet.ca_certificate_id) == ("ACTIVE", "ENABLE")


def test_an_id_and_the_pem_of_another_ca_are_refused_before_any_change(emulator, new_fleet):
    fleet = new_fleet(3, unlinked=1)
    emulator.iot_layer.reset_stats()

    result = run_workflow(
        emulator, {"caCertificateId": fleet.ca_certificate_id, "caCertificatePem": pem(PKI.root.cert)}
    )

    assert (result.status, result.error) == ("FAILED", "InvalidInput")
    assert "caCertificatePem" in result.cause
    stats = emulator.iot_layer.stats
    assert stats.calls.get("UpdateCertificate", 0) == stats.calls.get("UpdateCACertificate", 0) == 0
    assert stats.writes == []
    assert ca_status(IotStateReader(), fleet.ca_certificate_id) == ("ACTIVE", "ENABLE")


@pytest.mark.parametrize("kind", list(BAD_PEMS))
def test_the_cli_refuses_a_bad_file_before_any_aws_call(emulator, tmp_path, capsys, kind):
    path = tmp_path / "ca.pem"
    path.write_text(BAD_PEMS[kind])
    sfn = emulator.client("stepfunctions")
    assert emulator.deployment is not None
    arn = emulator.deployment.state_machine_arn
    before = len(sfn.list_executions(stateMachineArn=arn)["executions"])

    code, _, err = _run_cli(capsys, "--ca-certificate-file", str(path))

    assert code == 2
    assert err.startswith("ca-revoke run: --ca-certificate-file:")
    assert err.strip().count("\n") == 0
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == before


def test_the_cli_refuses_an_unreadable_file(capsys, tmp_path):
    missing = Path(tmp_path / "missing.pem")
    code = main(["run", "--ca-certificate-file", str(missing), "--wait"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--ca-certificate-file" in err and "cannot read" in err
