"""cfn-lint on the synthesized template: no errors (warnings are reported, not failed on)."""

from __future__ import annotations

import pytest
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

from tests.support.synth import Synthesized

pytestmark = pytest.mark.synth

# Regions the template is linted for: resource and property availability differ between Regions.
REGIONS = ["us-east-1", "eu-west-1"]


def test_template_has_no_cfn_lint_errors(synthesized: Synthesized) -> None:
    matches = lint_file(synthesized.template_path, config=ManualArgs(regions=REGIONS))
    errors = [
        f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}"
        for m in matches
        if m.rule.id.startswith("E")
    ]
    assert errors == []
