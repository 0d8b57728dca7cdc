"""EventBridge pattern matching for the tests, with LocalStack's rule engine (localstack-core).

moto's EventBridge is not a faithful pattern engine (it neither implements TestEventPattern nor matches
arrays of objects); LocalStack's ``EventRuleEngine`` implements the documented pattern syntax, including
arrays of objects, and ``EventPatternCompiler`` refuses invalid patterns as PutRule would.
Known difference: it matches each field of a pattern on any element of an array independently; a
Security Hub "Findings - Imported" event carries one finding, so the rules here never depend on it.
"""

from __future__ import annotations

import json
from typing import Any

from localstack.services.events.event_rule_engine import EventPatternCompiler, EventRuleEngine

from tests.support.events import ACCOUNT, REGION

PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


def resolve(node: Any, resources: dict[str, Any]) -> Any:
    """Resolve what CloudFormation would in an event pattern: Ref, Fn::Join, Fn::GetAtt."""
    if isinstance(node, list):
        return [resolve(item, resources) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        name = node["Ref"]
        return PSEUDO.get(name, f"ref:{name}")
    if set(node) == {"Fn::Join"}:
        delimiter, items = node["Fn::Join"]
        return delimiter.join(str(resolve(item, resources)) for item in items)
    if set(node) == {"Fn::GetAtt"}:
        logical_id, attribute = node["Fn::GetAtt"]
        if attribute == "ActionTargetArn":  # what CreateActionTarget returns for this Id
            action_id = resources[logical_id]["Properties"]["Id"]
            return f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{action_id}"
        return f"getatt:{logical_id}.{attribute}"
    return {key: resolve(value, resources) for key, value in node.items()}


def rule_patterns(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> resolved EventPattern of every AWS::Events::Rule of the template."""
    resources = template["Resources"]
    return {
        logical_id: resolve(resource["Properties"]["EventPattern"], resources)
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Events::Rule"
    }


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether EventBridge would deliver ``event`` to a rule with ``pattern``."""
    compiled = EventPatternCompiler().compile_event_pattern(pattern)
    return bool(EventRuleEngine().evaluate_pattern_on_event(compiled, json.dumps(event)))
