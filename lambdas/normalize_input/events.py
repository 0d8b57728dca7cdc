"""EventBridge event shapes that can start the workflow.

The EventBridge rules pass the event as it is (no input transformer), so the execution input is the
whole event: {"version", "id", "detail-type", "source", "account", "time", "region", "resources",
"detail"}. Three shapes are understood; anything else is refused with InvalidInput.

- The project's custom event, for other tools: source "iot-ca-revoke", detail-type "IoT CA Revocation
  Requested", detail {caCertificateId, reason?, incidentId?, dryRun?, targetStatus?, registeredAfter?}.
  The sender chooses dryRun (default false, as on the console).
- "Security Hub Findings - Imported" (source aws.securityhub): an AWS IoT Device Defender audit finding
  about a CA. Automatic: a dry run unless the deployment's automatic-response mode is "enforce"; refused
  with AutomaticResponseDisabled when it is "off".
- "Security Hub Findings - Custom Action" (source aws.securityhub): an analyst chose "Revoke IoT CA"
  (enforce) or "Preview CA revoke" (dry run) on one or more findings of one CA.

Sources: Amazon EventBridge User Guide, "Amazon EventBridge events" (event structure); AWS Security Hub
User Guide, "EventBridge event formats for Security Hub CSPM" and "Creating a custom action".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from revocation_common.errors import AutomaticResponseDisabled, InvalidInput
from revocation_common.models import CanonicalRequest
from revocation_common.settings import TaskSettings

from normalize_input.findings import (
    Deployment,
    check_automatic_trigger,
    finding_summary,
    findings_of,
    single_ca,
)
from normalize_input.request import INCIDENT_ID, build_request

CUSTOM_EVENT_SOURCE: Final = "iot-ca-revoke"
CUSTOM_EVENT_DETAIL_TYPE: Final = "IoT CA Revocation Requested"
CUSTOM_EVENT_FIELDS: Final = (
    "caCertificateId",
    "dryRun",
    "targetStatus",
    "reason",
    "incidentId",
    "registeredAfter",
)

SECURITY_HUB_SOURCE: Final = "aws.securityhub"
FINDINGS_IMPORTED: Final = "Security Hub Findings - Imported"
FINDINGS_CUSTOM_ACTION: Final = "Security Hub Findings - Custom Action"

# Security Hub custom action ids (CreateActionTarget Id) -> dryRun. infra/triggers.py creates them.
CUSTOM_ACTIONS: Final = {"RevokeIotCa": False, "PreviewIotCaRevoke": True}
_ACTION_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{12}:action/custom/(?P<id>[A-Za-z0-9]+)"
)

MAX_REASON: Final = 1024


def request_from_event(
    event: Mapping[str, Any], settings: TaskSettings, deployment: Deployment | None = None
) -> CanonicalRequest:
    """The canonical request for one of the three event shapes.

    ``deployment`` (account and Region of the state machine) is checked against the CA a finding names.
    Raises InvalidInput naming the field for any other shape or a malformed event, and
    AutomaticResponseDisabled for an imported finding while the automatic-response mode is "off".
    """
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        raise InvalidInput("detail", "expected an object")
    source, detail_type = event.get("source"), event.get("detail-type")
    if deployment is not None:
        forwarded = source == SECURITY_HUB_SOURCE and detail_type == FINDINGS_IMPORTED
        _check_envelope(event, deployment, settings.deployment_regions if forwarded else ())
    if source == CUSTOM_EVENT_SOURCE and detail_type == CUSTOM_EVENT_DETAIL_TYPE:
        return _custom_event(detail, settings)
    if source == SECURITY_HUB_SOURCE and detail_type == FINDINGS_IMPORTED:
        return _imported_finding(event, detail, settings, deployment)
    if source == SECURITY_HUB_SOURCE and detail_type == FINDINGS_CUSTOM_ACTION:
        return _custom_action(event, detail, settings, deployment)
    raise InvalidInput(
        "detail-type",
        f'expected source "{CUSTOM_EVENT_SOURCE}" with detail-type "{CUSTOM_EVENT_DETAIL_TYPE}", or source '
        f'"{SECURITY_HUB_SOURCE}" with "{FINDINGS_IMPORTED}" or "{FINDINGS_CUSTOM_ACTION}"',
    )


def _check_envelope(
    event: Mapping[str, Any], deployment: Deployment, forwarding_regions: tuple[str, ...]
) -> None:
    """Refuse an event whose envelope ``account`` or ``region`` is not this deployment's.

    EventBridge sets both on every event (Amazon EventBridge User Guide, "Amazon EventBridge events":
    account "the 12-digit number identifying an AWS account", region "the AWS Region where the event
    originated"); an event of another account or Region is not this deployment's to act on (a replay, a
    cross-account bus, a hand-started execution). A finding forwarded from another Region keeps the
    ``region`` it originated in ("Sending and receiving events between AWS Regions in Amazon
    EventBridge"): its envelope may name any Region of ``forwarding_regions`` (the app's Regions, whose
    stacks forward findings to the Region they name) when this Region is one of them; the finding's own
    Region is then checked to be this one (findings.py), so a finding is acted on only where its CA is.
    """
    account = event.get("account")
    if account != deployment.account:
        raise InvalidInput(
            "account", f"expected this deployment's account {deployment.account}, got {str(account)[:30]!r}"
        )
    region = event.get("region")
    if region == deployment.region:
        return
    if deployment.region in forwarding_regions and region in forwarding_regions:
        return
    expected = (
        f"this deployment's region {deployment.region}"
        if deployment.region not in forwarding_regions
        else f"this deployment's region {deployment.region}, or for a forwarded finding one of the app's "
        f"Regions {', '.join(forwarding_regions)}"
    )
    raise InvalidInput("region", f"expected {expected}, got {str(region)[:30]!r}")


def _custom_event(detail: Mapping[str, Any], settings: TaskSettings) -> CanonicalRequest:
    for key in detail:
        if key not in CUSTOM_EVENT_FIELDS:
            raise InvalidInput(
                f"detail.{str(key)[:64]}", f"unknown field; expected only {', '.join(CUSTOM_EVENT_FIELDS)}"
            )
    if "caCertificateId" not in detail:
        raise InvalidInput("detail.caCertificateId", "required; 64 lowercase hexadecimal characters")
    return build_request(
        ca_certificate_id=detail.get("caCertificateId"),
        dry_run=detail.get("dryRun", False),
        target_status=detail.get("targetStatus", settings.default_target_status),
        reason=detail.get("reason", ""),
        incident_id=detail.get("incidentId", ""),
        registered_after=detail.get("registeredAfter"),
        source="eventbridge:custom",
        field_prefix="detail.",
    )


def _imported_finding(
    event: Mapping[str, Any], detail: Mapping[str, Any], settings: TaskSettings, deployment: Deployment | None
) -> CanonicalRequest:
    findings = findings_of(detail)
    check_names = [
        check_automatic_trigger(finding, f"detail.findings[{index}]", settings.security_hub_check_names)
        for index, finding in enumerate(findings)
    ]
    ca_id = single_ca(findings, "detail.findings", deployment)
    mode = settings.automatic_response_mode
    if mode == "off":
        raise AutomaticResponseDisabled(
            f"a {check_names[0]} finding names CA {ca_id}, but automaticResponseMode is off: nothing was "
            "started; start a run from the console or CI, or use the Security Hub custom action"
        )
    return build_request(
        ca_certificate_id=ca_id,
        dry_run=mode != "enforce",
        target_status=settings.default_target_status,
        reason=_reason(f"Security Hub {check_names[0]}: {finding_summary(findings[0])}"),
        incident_id=_incident_id(event),
        source="securityhub:finding",
    )


def _custom_action(
    event: Mapping[str, Any], detail: Mapping[str, Any], settings: TaskSettings, deployment: Deployment | None
) -> CanonicalRequest:
    resources = event.get("resources")
    action_id = None
    if isinstance(resources, list):
        for resource in resources:
            match = _ACTION_ARN.fullmatch(resource) if isinstance(resource, str) else None
            if match and match["id"] in CUSTOM_ACTIONS:
                action_id = match["id"]
    if action_id is None:
        raise InvalidInput(
            "resources",
            "expected the ARN of the custom action "
            + " or ".join(f"action/custom/{name}" for name in CUSTOM_ACTIONS),
        )
    findings = findings_of(detail)
    ca_id = single_ca(findings, "detail.findings", deployment)
    action_name = detail.get("actionName") if isinstance(detail.get("actionName"), str) else action_id
    return build_request(
        ca_certificate_id=ca_id,
        dry_run=CUSTOM_ACTIONS[action_id],
        target_status=settings.default_target_status,
        reason=_reason(f"Security Hub custom action {action_name!r} on {finding_summary(findings[0])}"),
        incident_id=_incident_id(event),
        source="securityhub:custom-action",
    )


def _reason(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def _incident_id(event: Mapping[str, Any]) -> str:
    """The EventBridge event id (a UUID), which ties the run to the delivery that started it."""
    event_id = event.get("id")
    return event_id if isinstance(event_id, str) and INCIDENT_ID.fullmatch(event_id) else ""
