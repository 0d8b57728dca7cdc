"""Dispatch of the supported start shapes to their parsers."""

from __future__ import annotations

from typing import Any

from revocation_common.errors import InvalidInput
from revocation_common.models import CanonicalRequest
from revocation_common.settings import TaskSettings

from normalize_input.findings import Deployment
from normalize_input.request import request_from_console


def normalize(raw: Any, settings: TaskSettings, deployment: Deployment | None = None) -> CanonicalRequest:
    """Turn the execution input into the canonical request.

    Input: the execution input as it is: the console/CI object, or an EventBridge event (Security Hub
    finding, Security Hub custom action, the project's custom event; normalize_input.events).
    ``deployment``: the account and Region of the state machine, which a finding's CA must be in.
    Output: CanonicalRequest. Raises InvalidInput (Step Functions error "InvalidInput") naming the field,
    or AutomaticResponseDisabled (a finding while automaticResponseMode is off).
    """
    if not isinstance(raw, dict):
        raise InvalidInput("$", "expected a JSON object (the request or an EventBridge event)")
    if "detail-type" in raw or "detail" in raw:
        from normalize_input.events import request_from_event

        return request_from_event(raw, settings, deployment)
    return request_from_console(raw, default_target_status=settings.default_target_status)
