"""The README's first command and the multi-Region demo, as a new user runs them (slow: the whole fleets).

Issue 9's Done-when: ``ca-revoke demo`` ends verified with every decoy untouched, the intermediate and the
CA-less certificates in scope. Issue 10's: ``ca-revoke demo --regions`` of three Regions ends verified in
each, with per-Region counts that sum to the totals.
"""

from __future__ import annotations

import json

import pytest

from cli.main import main


@pytest.mark.slow
def test_the_readme_demo_ends_verified_with_every_decoy_untouched(capsys):
    code = main(["demo", "--json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 0
    demo = report["demo"]
    assert report["verification"]["verified"] is True
    assert demo["inScopeAtTarget"] == demo["certificates"] == report["certificates"]["total"]
    assert demo["casAtTarget"] == demo["cas"] == len(report["scope"]["cas"]) == 2
    assert [ca["relation"] for ca in report["scope"]["cas"]] == ["named", "intermediate"]
    assert demo["unlinkedInScope"] > 0
    assert demo["decoysUntouched"] == demo["decoys"] == sum(demo["decoysByKind"].values()) > 0
    assert set(demo["decoysByKind"]) == {"impostor-ca", "name-spoof", "other-ca", "unlinked-other-ca"}
    assert demo["decoyCasUntouched"] == demo["decoyCas"] > 0
    assert demo["foreignWrites"] == 0


@pytest.mark.slow
def test_the_demo_of_three_regions_ends_verified_in_each_and_sums_to_the_totals(capsys):
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    code = main(["demo", "--regions", ",".join(regions), "--json"])
    combined = json.loads(capsys.readouterr().out)

    assert code == 0
    assert combined["verified"] is True
    assert [entry["region"] for entry in combined["regions"]] == regions
    assert all(entry["verified"] and entry["status"] == "SUCCEEDED" for entry in combined["regions"])
    for field, total in combined["totals"].items():
        assert total == sum(entry["report"]["certificates"][field] for entry in combined["regions"])
    sizes = [entry["report"]["certificates"]["total"] for entry in combined["regions"]]
    assert len(set(sizes)) == 3 and combined["totals"]["total"] == sum(sizes) > 0
