"""EventBridge event shapes that can start the workflow."""

from __future__ import annotations

from typing import Any

from revocation_common.errors import InvalidInput
from revocation_common.models import CanonicalRequest
from revocation_common.settings import TaskSettings

from normalize_input.request import build_request

CUSTOM_EVENT_SOURCE = "iot-ca-revoke"
CUSTOM_EVENT_DETAIL_TYPE = "IoT CA Revocation Requested"


def request_from_event(event: dict[str, Any], settings: TaskSettings) -> CanonicalRequest:
    """The project's custom event: source "iot-ca-revoke", detail-type "IoT CA Revocation Requested",
    detail {caCertificateId, reason?, incidentId?, dryRun?, targetStatus?}.

    Raises InvalidInput naming the field for any other shape.
    """
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise InvalidInput("detail", "expected an object")
    if event.get("source") == CUSTOM_EVENT_SOURCE and event.get("detail-type") == CUSTOM_EVENT_DETAIL_TYPE:
        return build_request(
            ca_certificate_id=detail.get("caCertificateId"),
            dry_run=detail.get("dryRun", False),
            target_status=detail.get("targetStatus", settings.default_target_status),
            reason=detail.get("reason", ""),
            incident_id=detail.get("incidentId", ""),
            source="eventbridge:custom",
            field_prefix="detail.",
        )
    raise InvalidInput(
        "detail-type",
        f'expected source "{CUSTOM_EVENT_SOURCE}" with detail-type "{CUSTOM_EVENT_DETAIL_TYPE}"',
    )
