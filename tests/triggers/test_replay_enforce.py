"""Replaying a Security Hub finding on an emulator deployed with automaticResponseMode enforce."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.session import EmulatorOptions, EmulatorSession
from tests.support.statuses import ca_status, statuses
from tests.support.workflow import FAST_CONTEXT
from tests.triggers.replay import ca_revoke_run, sample_for


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorSession]:
    with EmulatorSession(
        EmulatorOptions(context={**FAST_CONTEXT, "automaticResponseMode": "enforce"})
    ) as session:
        yield session


def test_with_enforce_a_finding_revokes(emulator, new_fleet, capsys, tmp_path):
    fleet = new_fleet(40)
    path = sample_for("securityhub-imported-revoked-ca.json", fleet.ca_certificate_id, tmp_path)

    code, report = ca_revoke_run(capsys, "--input-file", str(path))

    assert code == 0, report
    assert (report["dryRun"], report["source"]) == (False, "securityhub:finding")
    assert report["certificates"]["revoked"] == 40
    assert report["verification"]["verified"] is True
    assert set(statuses(emulator.client("iot"), fleet.certificate_ids).values()) == {"REVOKED"}
    assert ca_status(emulator.client("iot"), fleet.ca_certificate_id).status == "INACTIVE"
    assert set(statuses(emulator.client("iot"), fleet.decoy_certificate_ids).values()) == {"ACTIVE"}
