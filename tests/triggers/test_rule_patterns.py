"""The synthesized EventBridge rules against realistic events and near misses (LocalStack's rule engine)."""

from __future__ import annotations

import pytest

from infra.triggers import CUSTOM_ACTIONS, imported_findings_pattern
from tests.support.events import EVENTS_DIR, load_event
from tests.support.synth import Synthesized
from tests.triggers.patterns import matches, rule_patterns

pytestmark = pytest.mark.synth

FINDINGS = "SecurityHubFindingsRule"
CUSTOM_ACTION = "CustomActionRule"
CUSTOM_EVENT = "CustomEventRule"
ENDED = "ExecutionEndedWithoutNotice"

# Every sample event and the rules (by construct id) that must match it; all others must not.
EXPECTED = {
    "securityhub-imported-revoked-ca.json": {FINDINGS},
    "securityhub-imported-ca-key-quality.json": {FINDINGS},
    "near-miss-intermediate-ca-check.json": set(),
    "securityhub-imported-bare-ca-id.json": {FINDINGS},
    "near-miss-finding-other-account.json": set(),
    "near-miss-finding-other-region.json": set(),
    "near-miss-product-arn-other-region.json": set(),
    "near-miss-other-partition.json": set(),
    "near-miss-envelope-other-account.json": {FINDINGS},  # the rule matches findings; the normalizer refuses
    "near-miss-envelope-other-region.json": {FINDINGS},
    "near-miss-custom-event-other-account.json": set(),
    "securityhub-custom-action.json": {CUSTOM_ACTION},
    "custom-event.json": {CUSTOM_EVENT},
    "near-miss-other-check.json": set(),
    "near-miss-ca-expiring-check.json": set(),
    "near-miss-archived.json": set(),
    "near-miss-workflow-notified.json": set(),
    "near-miss-workflow-suppressed.json": set(),
    "near-miss-check-summary.json": set(),
    "near-miss-aggregated-other-region.json": set(),
    # Another Region's finding: forwarded by a multi-Region app (tests/triggers/test_forwarding.py).
    "securityhub-imported-aggregated-eu-west-1.json": set(),
    "near-miss-other-account.json": set(),
    "near-miss-custom-product.json": set(),
    "near-miss-detect-violation.json": set(),
    "near-miss-other-custom-action.json": set(),
    "near-miss-custom-event-other-source.json": set(),
}


def _by_construct_id(synthesized: Synthesized) -> dict[str, dict]:
    patterns = rule_patterns(synthesized.template_json)
    named = {}
    for rule_id in (FINDINGS, CUSTOM_ACTION, CUSTOM_EVENT):
        rule = synthesized.stack.triggers.rules[rule_id]
        named[rule_id] = patterns[synthesized.stack.get_logical_id(rule.node.default_child)]
    (ended,) = [p for k, p in patterns.items() if k.startswith("Monitoring")]
    named[ENDED] = ended
    assert len(patterns) == len(named), "a rule of the template is not covered by these tests"
    return named


def test_every_sample_event_is_covered() -> None:
    assert {p.name for p in EVENTS_DIR.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rules_match_exactly_the_expected_events(synthesized: Synthesized, name: str) -> None:
    event = load_event(name)
    matched = {rule for rule, pattern in _by_construct_id(synthesized).items() if matches(pattern, event)}
    assert matched == EXPECTED[name]


def test_findings_rule_matches_each_configured_check_and_no_other(synthesized: Synthesized) -> None:
    pattern = _by_construct_id(synthesized)[FINDINGS]
    event = load_event("securityhub-imported-revoked-ca.json")
    finding = event["detail"]["findings"][0]
    for check in synthesized.stack.settings.security_hub_check_names:
        finding["ProductFields"]["CheckName"] = check
        assert matches(pattern, event), check
    for check in (
        "REVOKED_DEVICE_CERTIFICATE_STILL_ACTIVE_CHECK",
        "CA_CERTIFICATE_EXPIRING_CHECK",
        "",
        "revoked_ca_certificate_still_active_check",
    ):
        finding["ProductFields"]["CheckName"] = check
        assert not matches(pattern, event), check
    del finding["ProductFields"]["CheckName"]
    assert not matches(pattern, event)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("RecordState",), "ARCHIVED"),
        (("Workflow", "Status"), "RESOLVED"),
        (("Workflow", "Status"), "NOTIFIED"),
        (("ProductFields", "ReportType"), "CheckSummary"),
        (("AwsAccountId",), "111122223333"),
        (("Region",), "eu-west-1"),
    ],
)
def test_findings_rule_refuses_each_near_miss_field(
    synthesized: Synthesized, path: tuple[str, ...], value: str
) -> None:
    pattern = _by_construct_id(synthesized)[FINDINGS]
    event = load_event("securityhub-imported-revoked-ca.json")
    assert matches(pattern, event)
    target = event["detail"]["findings"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not matches(pattern, event)


def test_findings_rule_is_the_documented_pattern(synthesized: Synthesized) -> None:
    rule = synthesized.stack.triggers.rules[FINDINGS]
    resolved = synthesized.stack.resolve(imported_findings_pattern(synthesized.stack.settings))
    assert (
        synthesized.resources[synthesized.stack.get_logical_id(rule.node.default_child)]["Properties"][
            "EventPattern"
        ]
        == resolved
    )


def test_custom_action_rule_matches_both_actions_only(synthesized: Synthesized) -> None:
    pattern = _by_construct_id(synthesized)[CUSTOM_ACTION]
    event = load_event("securityhub-custom-action.json")
    for action_id, _, _ in CUSTOM_ACTIONS:
        event["resources"] = [f"arn:aws:securityhub:us-east-1:123456789012:action/custom/{action_id}"]
        assert matches(pattern, event), action_id
    event["resources"] = ["arn:aws:securityhub:us-east-1:210987654321:action/custom/RevokeIotCa"]
    assert not matches(pattern, event), "another account's action of the same Id"


@pytest.mark.parametrize("machine_index", [0, 1], ids=["revocation", "restore"])
def test_execution_ended_rule_matches_timed_out_and_aborted_executions_of_both_machines(
    synthesized: Synthesized, machine_index: int
) -> None:
    pattern = _by_construct_id(synthesized)[ENDED]
    # The revocation and the quarantine restore: a restore that times out or is aborted is announced too.
    assert len(pattern["detail"]["stateMachineArn"]) == 2
    machine = pattern["detail"]["stateMachineArn"][machine_index]
    event = {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": "123456789012",
        "time": "2026-11-30T04:00:00Z",
        "region": "us-east-1",
        "resources": [f"{machine}:run-1"],
        "detail": {"executionArn": f"{machine}:run-1", "stateMachineArn": machine, "status": "ABORTED"},
    }
    assert matches(pattern, event)
    event["detail"]["status"] = "TIMED_OUT"
    assert matches(pattern, event)
    for status in ("FAILED", "SUCCEEDED", "RUNNING"):
        event["detail"]["status"] = status
        assert not matches(pattern, event), status
    event["detail"] |= {
        "status": "ABORTED",
        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:other",
    }
    assert not matches(pattern, event)
