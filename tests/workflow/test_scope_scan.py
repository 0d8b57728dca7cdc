"""Issue 9 on the emulator: the issuer scan of the certificates linked to no registered CA.

It describes only those (ListCertificates minus every registered CA's ListCertificatesByCA), finds the
ones an in-scope CA's key signed, and can be turned off per request (scanUnlinked false). Each test runs
in a fresh emulator, so the scan's counts are exactly the test's fleet.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorSession
from tests.support.fleet import assert_scope_revoked, scope_emulator
from tests.support.statuses import IotStateReader, ca_status, statuses
from tests.support.workflow import run_workflow


@pytest.fixture
def emulator() -> Iterator[EmulatorSession]:
    with scope_emulator() as session:
        yield session


@pytest.mark.slow
def test_a_scan_of_two_thousand_ca_less_certificates_finds_the_five_hundred_in_scope(emulator, new_fleet):
    # 2,000 CA-less: 500 signed by the CA, 1,000 by an unregistered CA, 500 name-spoofing; and 1,000
    # certificates of another registered CA, which the scan must subtract without describing them.
    fleet = new_fleet(100, unlinked=500, decoys=2000, spoofs=500)
    assert fleet.unlinked_certificate_count == 2000
    emulator.iot_layer.reset_stats()

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    report = assert_scope_revoked(emulator, fleet, result)
    assert report["scope"]["unlinkedScanned"] == 2000
    assert report["scope"]["unlinkedInScope"] == 500
    assert report["certificates"]["total"] == 600
    calls = emulator.iot_layer.stats.calls
    # Described: the CA-less certificates only, once for the revocation and at most once more for the
    # re-discovery of the verification (never the 1,100 linked to a registered CA).
    assert 2000 <= calls["DescribeCertificate"] <= 2 * 2000
    assert calls["UpdateCertificate"] == 600


def test_the_scan_off_leaves_the_ca_less_certificates_and_says_so(emulator, new_fleet):
    fleet = new_fleet(8, unlinked=5, decoys=2, spoofs=1)
    emulator.iot_layer.reset_stats()

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id, "scanUnlinked": False})

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    report = result.report
    assert report["verification"]["verified"] is True
    assert report["certificates"]["total"] == report["certificates"]["revoked"] == 8
    assert report["scope"]["scanUnlinked"] is False
    assert report["scope"]["unlinkedScanned"] == 0
    assert report["scope"]["unlinkedInScope"] == 0
    assert statuses(IotStateReader(), fleet.certificate_ids) == dict.fromkeys(
        fleet.certificate_ids, "REVOKED"
    )
    # Signed by the CA but registered without one: not examined, so still ACTIVE.
    assert set(statuses(IotStateReader(), fleet.unlinked_in_scope_ids).values()) == {"ACTIVE"}
    assert set(statuses(IotStateReader(), fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
    assert ca_status(IotStateReader(), fleet.ca_certificate_id) == ("INACTIVE", "DISABLE")
    assert emulator.iot_layer.stats.calls.get("DescribeCertificate", 0) == 0
    assert emulator.iot_layer.stats.calls.get("ListCertificates", 0) == 0


def test_the_scan_on_by_default_is_reported_on(emulator, new_fleet):
    fleet = new_fleet(2, unlinked=1, decoys=0)
    emulator.iot_layer.reset_stats()  # what the run writes, not the seeding

    result = run_workflow(emulator, {"caCertificateId": fleet.ca_certificate_id})

    report = assert_scope_revoked(emulator, fleet, result)
    assert report["scope"]["scanUnlinked"] is True
    assert (report["scope"]["unlinkedScanned"], report["scope"]["unlinkedInScope"]) == (1, 1)
