"""Replaying a Security Hub finding on an emulator deployed with automaticResponseMode enforce."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorOptions, EmulatorSession
from tests.triggers.replay import FAST_CONTEXT, ca_revoke_run, ca_status, new_fleet, sample_for, statuses


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    with EmulatorSession(
        EmulatorOptions(context={**FAST_CONTEXT, "automaticResponseMode": "enforce"})
    ) as session:
        yield session


def test_with_enforce_a_finding_revokes(emulator, capsys, tmp_path):
    fleet = new_fleet(emulator, 40)
    path = sample_for("securityhub-imported-revoked-ca.json", fleet.ca_certificate_id, tmp_path)

    code, report = ca_revoke_run(capsys, "--input-file", str(path))

    assert code == 0, report
    assert (report["dryRun"], report["source"]) == (False, "securityhub:finding")
    assert report["certificates"]["revoked"] == 40
    assert report["verification"]["verified"] is True
    assert statuses(emulator, fleet.certificate_ids) == {"REVOKED"}
    assert ca_status(emulator, fleet.ca_certificate_id) == "INACTIVE"
    assert set(statuses(emulator, fleet.decoy_certificate_ids)) == {"ACTIVE"}
