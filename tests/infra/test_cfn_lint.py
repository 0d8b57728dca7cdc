"""cfn-lint on the synthesized template: no errors (warnings are reported, not failed on)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_file  # type: ignore[import-untyped]

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.synth

# Regions the template is linted for: resource and property availability differ between Regions.
REGIONS = ["us-east-1", "eu-west-1"]


def _is_known_false_positive(match: Any, template: dict[str, Any]) -> bool:
    """E3601 on InputPath/OutputPath of a JSONPath Succeed state.

    The Amazon States Language specification allows InputPath and OutputPath on Succeed states (its
    state type table), and Step Functions accepts them, but cfn-lint 1.58's Step Functions schema
    (data/schemas/other/step_functions/statemachine.json, "succeed") lists only Type, Comment and
    Output. Only that exact finding is tolerated.
    """
    path = list(match.path)
    if (
        match.rule.id != "E3601"
        or "DefinitionString" not in path
        or path[-1] not in ("InputPath", "OutputPath")
    ):
        return False
    states_at = path.index("DefinitionString") + 1
    if path[states_at] != "States" or len(path) != states_at + 3:
        return False
    resource = template["Resources"][path[1]]
    definition = json.loads(resource["Properties"]["DefinitionString"])
    return bool(definition["States"][path[states_at + 1]]["Type"] == "Succeed")


def test_template_has_no_cfn_lint_errors(synthesized: Synthesized) -> None:
    matches = lint_file(synthesized.template_path, config=ManualArgs(regions=REGIONS))
    errors = [
        f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}"
        for m in matches
        if m.rule.id.startswith("E") and not _is_known_false_positive(m, synthesized.template_json)
    ]
    assert errors == []
