"""``ca-revoke run --regions`` on the embedded emulator deployed in three Regions: the same CA registered
in two of them (ABSENT in the third), decoys untouched in each, and one Region's run failing on an
injected fault that exhausts its retries."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator

import pytest

from cli.main import main
from cli.regions import deployed_regions
from emulator.fleet import Fleet, seed_fleet
from emulator.lambda_runtime import InvocationFaults
from emulator.regional_clients import invocation_region
from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.fleet import fleet_seed
from tests.support.workflow import FAST_CONTEXT

pytestmark = pytest.mark.slow

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


@pytest.fixture(scope="module")
def regional() -> Iterator[EmulatorSession]:
    options = EmulatorOptions(context=FAST_CONTEXT, retry_delay_scale=0.01)
    with EmulatorSession(options, regions=REGIONS) as session:
        yield session


def _statuses(emulator: EmulatorSession, region: str, ids: list[str]) -> set[str]:
    iot = emulator.client("iot", region)
    return {iot.describe_certificate(certificateId=i)["certificateDescription"]["status"] for i in ids}


def _seed(emulator: EmulatorSession, region: str, certificates: int, seed: int) -> Fleet:
    return seed_fleet(emulator.client("iot", region), certificates=certificates, decoys=2, seed=seed)


def _run(capsys: pytest.CaptureFixture[str], ca_id: str) -> tuple[int, dict, str]:
    code = main(["run", "--regions", ",".join(REGIONS), "--ca-certificate-id", ca_id, "--wait", "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_same_ca_in_two_regions_absent_in_the_third(regional, capsys, request) -> None:
    seed = fleet_seed(request.node.nodeid)
    fleets = {
        "us-east-1": _seed(regional, "us-east-1", 30, seed),
        "eu-west-1": _seed(regional, "eu-west-1", 12, seed),
    }
    # ap-southeast-2 has other certificates (another CA's), none of this CA.
    bystanders = _seed(regional, "ap-southeast-2", 5, seed + 1)
    ca_id = fleets["us-east-1"].ca_certificate_id
    assert fleets["eu-west-1"].ca_certificate_id == ca_id

    code, combined, err = _run(capsys, ca_id)

    assert code == 0, err
    by_region = {entry["region"]: entry for entry in combined["regions"]}
    assert [entry["region"] for entry in combined["regions"]] == list(REGIONS)
    assert by_region["us-east-1"]["status"] == by_region["eu-west-1"]["status"] == "SUCCEEDED"
    assert by_region["ap-southeast-2"]["status"] == "ABSENT"
    assert by_region["ap-southeast-2"]["verified"] is True
    assert by_region["us-east-1"]["report"]["certificates"]["revoked"] == 30
    assert by_region["eu-west-1"]["report"]["certificates"]["revoked"] == 12
    assert (
        combined["totals"]["total"]
        == 42
        == sum(
            (entry["report"] or {}).get("certificates", {}).get("total", 0) for entry in combined["regions"]
        )
    )
    assert combined["verified"] is True
    for region, fleet in fleets.items():
        assert _statuses(regional, region, fleet.certificate_ids) == {"REVOKED"}, region
        assert _statuses(regional, region, fleet.decoy_certificate_ids) == {"ACTIVE"}, region
    assert _statuses(
        regional, "ap-southeast-2", [*bystanders.certificate_ids, *bystanders.decoy_certificate_ids]
    ) == {"ACTIVE"}


def test_one_region_failing_sets_the_exit_code_and_is_named(regional, capsys, request) -> None:
    seed = fleet_seed(request.node.nodeid)
    fleets = {region: _seed(regional, region, 8, seed) for region in REGIONS}
    ca_id = fleets["us-east-1"].ca_certificate_id

    def crash_in_eu_west_1(function: str, event: object, attempt: int) -> int | None:
        # Every DeactivateCa attempt in eu-west-1 dies before its first AWS call: the ASL's retries
        # of Lambda.Unknown are exhausted and the execution fails.
        return 0 if function == "DeactivateCa" and invocation_region() == "eu-west-1" else None

    assert regional.lambda_runtime is not None
    regional.lambda_runtime.configure_faults(InvocationFaults(crash_plan=crash_in_eu_west_1))
    try:
        code, combined, err = _run(capsys, ca_id)
    finally:
        regional.lambda_runtime.configure_faults(InvocationFaults())

    by_region = {entry["region"]: entry for entry in combined["regions"]}
    assert code == 1 == combined["exitCode"]
    assert combined["verified"] is False
    assert by_region["eu-west-1"]["status"] == "FAILED"
    assert by_region["eu-west-1"]["error"] == "Lambda.Unknown"
    assert by_region["eu-west-1"]["exitCode"] == 1
    assert [region for region, entry in by_region.items() if not entry["verified"]] == ["eu-west-1"]
    assert "ca-revoke run: eu-west-1: FAILED Lambda.Unknown" in err
    for region in ("us-east-1", "ap-southeast-2"):
        assert by_region[region]["status"] == "SUCCEEDED"
        assert _statuses(regional, region, fleets[region].certificate_ids) == {"REVOKED"}
    # eu-west-1's CA was never deactivated and its certificates are untouched; decoys everywhere too.
    assert _statuses(regional, "eu-west-1", fleets["eu-west-1"].certificate_ids) == {"ACTIVE"}
    for region in REGIONS:
        assert _statuses(regional, region, fleets[region].decoy_certificate_ids) == {"ACTIVE"}


def test_all_regions_finds_every_region_with_the_state_machine(regional) -> None:
    args = argparse.Namespace(endpoint_url=None, region=None)
    assert sorted(deployed_regions(args, "iot-ca-revocation")) == sorted(REGIONS)


def test_regions_send_the_ca_certificate_file_and_scan_unlinked_as_run_does(
    regional, capsys, request, tmp_path
) -> None:
    # run --regions builds its request with run's own builder: --ca-certificate-file alone names the CA
    # (no id), and --no-scan-unlinked reaches every Region (a copy of the builder had dropped both:
    # "caCertificateId: required"). 6 certificates in two Regions: the point is the request, not the size.
    seed = fleet_seed(request.node.nodeid)
    fleets = {region: _seed(regional, region, 6, seed) for region in REGIONS[:2]}
    pem_file = tmp_path / "ca.pem"
    pem_file.write_text(fleets["us-east-1"].ca_certificate_pem)

    named_by_file = ["--ca-certificate-file", str(pem_file), "--no-scan-unlinked"]
    code = main(["run", "--regions", ",".join(REGIONS[:2]), *named_by_file, "--wait", "--json"])
    captured = capsys.readouterr()

    assert code == 0, captured.err
    combined = json.loads(captured.out)
    for entry in combined["regions"]:
        assert entry["status"] == "SUCCEEDED", entry
        assert entry["report"]["scope"]["scanUnlinked"] is False, entry["region"]
        assert entry["report"]["certificates"]["revoked"] == 6, entry["region"]
    for region, fleet in fleets.items():
        assert _statuses(regional, region, fleet.certificate_ids) == {"REVOKED"}, region
        assert _statuses(regional, region, fleet.decoy_certificate_ids) == {"ACTIVE"}, region
