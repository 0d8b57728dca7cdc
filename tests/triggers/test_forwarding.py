"""Multi-Region forwarding (context ``regions``): which findings each Region's rules match, with
LocalStack's rule engine on the synthesized templates (tests/triggers/patterns.py).

A finding about eu-west-1 that Security Hub's cross-Region aggregation delivers to us-east-1 is forwarded
as it is to eu-west-1's default bus (EventBridge User Guide, "Sending and receiving events between AWS
Regions"), where eu-west-1's own SecurityHubFindingsRule matches it; a finding about a Region outside
``regions`` matches no rule anywhere.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support.events import load_event
from tests.support.synth import MULTI_REGION, synthesize_regions_once
from tests.triggers.patterns import matches, resolve

pytestmark = pytest.mark.synth

FORWARDED = "securityhub-imported-aggregated-eu-west-1.json"


def _in_region(node: Any, region: str) -> Any:
    """The pattern as CloudFormation resolves it in ``region`` (AWS::Region is that Region)."""
    if isinstance(node, list):
        return [_in_region(item, region) for item in node]
    if isinstance(node, dict):
        if node == {"Ref": "AWS::Region"}:
            return region
        return {key: _in_region(value, region) for key, value in node.items()}
    return node


def _matched(region: str, event: dict[str, Any]) -> set[str]:
    """The construct ids of ``region``'s stack's rules that match ``event``."""
    synthesized = synthesize_regions_once()
    stack = synthesized.stacks[region]
    resources = synthesized.templates[region]["Resources"]
    named = {
        **stack.triggers.rules,
        **{f"ForwardTo:{r}": rule for r, rule in stack.triggers.forwarding_rules.items()},
    }
    found = set()
    for name, rule in named.items():
        pattern = resources[stack.get_logical_id(rule.node.default_child)]["Properties"]["EventPattern"]
        if matches(resolve(_in_region(pattern, region), resources), event):
            found.add(name)
    return found


def test_another_regions_finding_is_forwarded_to_that_region_only() -> None:
    event = load_event(FORWARDED)
    assert _matched("us-east-1", event) == {"ForwardTo:eu-west-1"}
    assert _matched("ap-southeast-2", event) == {"ForwardTo:eu-west-1"}


def test_the_forwarded_event_starts_that_regions_own_execution() -> None:
    event = load_event(FORWARDED)  # forwarded as it is: the same event arrives on eu-west-1's bus
    assert _matched("eu-west-1", event) == {"SecurityHubFindingsRule"}


def test_a_region_outside_regions_is_forwarded_nowhere() -> None:
    event = load_event("near-miss-aggregated-other-region.json")  # about us-west-2
    for region in MULTI_REGION:
        assert _matched(region, event) == set(), region


def test_a_forwarding_rule_keeps_the_findings_rule_filters() -> None:
    event = load_event(FORWARDED)
    for field, value in (("RecordState", "ARCHIVED"), ("AwsAccountId", "210987654321")):
        changed = copy.deepcopy(event)
        changed["detail"]["findings"][0][field] = value
        assert _matched("us-east-1", changed) == set(), field
    other_product = copy.deepcopy(event)
    other_product["detail"]["findings"][0]["ProductArn"] = (
        "arn:aws:securityhub:us-east-1::product/aws/iot-device-defender-audit"
    )
    assert _matched("us-east-1", other_product) == set()
