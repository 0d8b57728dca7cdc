"""Properties of NormalizeInput over generated inputs (hypothesis).

Whatever the execution input, normalize() either returns a canonical request that is safe to act on, or
refuses with InvalidInput (or AutomaticResponseDisabled for a finding while automatic response is off),
naming the field; it never fails any other way and never calls AWS.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from normalize_input.findings import Deployment
from normalize_input.normalize import normalize
from revocation_common.errors import AutomaticResponseDisabled, InvalidInput
from revocation_common.models import CanonicalRequest
from revocation_common.settings import TaskSettings

from tests.security.bad_inputs import (
    ACCOUNT,
    REGION,
    audit_finding,
    cacert_arn,
    custom_action,
    custom_event,
    imported,
)

CHECKS = (
    "REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",
    "CA_CERTIFICATE_KEY_QUALITY_CHECK",
)
DEPLOYMENT = Deployment(account=ACCOUNT, region=REGION)
CA_ID = re.compile(r"[0-9a-f]{64}")
INCIDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def task_settings(mode: str = "enforce", target: str = "REVOKED") -> TaskSettings:
    return TaskSettings(
        report_bucket="reports",
        update_certificate_tps=10,
        list_certificates_tps=10,
        revoke_max_concurrency=10,
        default_target_status=target,
        automatic_response_mode=mode,
        list_time_budget_seconds=780,
        security_hub_check_names=CHECKS,
    )


SETTINGS = task_settings()
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ca_ids = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
# Printable text plus tab and newline (normalize_input.request.REASON refuses other control characters).
reasons = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, [*range(9), *range(11, 32), 127]))
    ),
    max_size=1024,
) | st.just("line one\nline two\ttabbed")
incident_ids = st.from_regex(INCIDENT_ID, fullmatch=True) | st.just("")
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80)
# Keys are printable and non-empty here; other keys are test_an_unknown_field_is_named_printably's subject.
json_keys = st.text(min_size=1, max_size=20).filter(str.isprintable)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=4),
    max_leaves=20,
)


@pytest.fixture(autouse=True)
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any, operation_name: str, api_params: Any) -> Any:
        raise AssertionError(f"the normalizer called AWS ({operation_name})")

    monkeypatch.setattr("botocore.client.BaseClient._make_api_call", refuse)


def outcome(raw: Any, settings_: TaskSettings = SETTINGS) -> CanonicalRequest | InvalidInput:
    """normalize(raw), or the InvalidInput it raised; any other exception fails the property."""
    try:
        return normalize(raw, settings_, DEPLOYMENT)
    except InvalidInput as error:
        return error
    except AutomaticResponseDisabled:
        assert settings_.automatic_response_mode == "off"
        raise


def assert_safe(request: CanonicalRequest) -> None:
    """What the later states rely on: an id that is 64 lowercase hex (no path, no ARN), a settable target,
    a bounded single-purpose reason and incident id."""
    assert CA_ID.fullmatch(request.caCertificateId)
    assert request.targetStatus in ("REVOKED", "INACTIVE")
    assert isinstance(request.dryRun, bool)
    assert len(request.reason) <= 1024 and not CONTROL.search(request.reason)
    assert request.incidentId == "" or INCIDENT_ID.fullmatch(request.incidentId)


def assert_well_formed(error: InvalidInput) -> None:
    assert str(error) == f"{error.field}: {error.expected}"
    assert error.field and error.expected


# ----------------------------------------------------------------------------------------- valid inputs
@PROPERTY
@given(
    ca=ca_ids,
    dry_run=st.none() | st.booleans(),
    target=st.none() | st.sampled_from(["REVOKED", "INACTIVE"]),
    reason=st.none() | reasons,
    incident=st.none() | incident_ids,
    default_target=st.sampled_from(["REVOKED", "INACTIVE"]),
)
def test_a_valid_console_request_is_kept_as_it_is(ca, dry_run, target, reason, incident, default_target):
    raw: dict[str, Any] = {"caCertificateId": ca}
    for key, value in (
        ("dryRun", dry_run),
        ("targetStatus", target),
        ("reason", reason),
        ("incidentId", incident),
    ):
        if value is not None:
            raw[key] = value

    request = outcome(raw, task_settings(target=default_target))

    assert isinstance(request, CanonicalRequest), request
    assert_safe(request)
    assert request == CanonicalRequest(
        caCertificateId=ca,
        dryRun=bool(dry_run),
        targetStatus=target or default_target,
        reason=reason or "",
        incidentId=incident or "",
        source="console",
    )


@PROPERTY
@given(ca=ca_ids, dry_run=st.booleans(), target=st.sampled_from(["REVOKED", "INACTIVE"]), reason=reasons)
def test_a_valid_custom_event_is_kept_as_it_is(ca, dry_run, target, reason):
    request = outcome(
        custom_event({"caCertificateId": ca, "dryRun": dry_run, "targetStatus": target, "reason": reason})
    )

    assert isinstance(request, CanonicalRequest), request
    assert (request.caCertificateId, request.dryRun, request.targetStatus, request.reason) == (
        ca,
        dry_run,
        target,
        reason,
    )
    assert request.source == "eventbridge:custom"


@PROPERTY
@given(
    ca=ca_ids,
    check=st.sampled_from(CHECKS),
    where=st.sampled_from(["resource-arn", "product-field-id", "product-field-arn", "details-other"]),
    mode=st.sampled_from(["dry-run", "enforce"]),
    title=st.text(max_size=300),
)
def test_an_audit_finding_naming_a_ca_of_this_deployment_requests_that_ca(ca, check, where, mode, title):
    finding = audit_finding(Title=title)
    finding["ProductFields"]["CheckName"] = check
    if where == "resource-arn":
        finding["Resources"] = [{"Type": "AwsIotCaCertificate", "Id": cacert_arn(ca), "Region": REGION}]
    else:
        finding["Resources"] = [{"Type": "Other", "Id": "ca", "Region": REGION}]
        value = ca if where != "product-field-arn" else cacert_arn(ca)
        if where == "details-other":
            finding["Resources"][0]["Details"] = {"Other": {"caCertificateId": value}}
        else:
            finding["ProductFields"]["CaCertificateId"] = value

    request = outcome(imported([finding]), task_settings(mode=mode))

    assert isinstance(request, CanonicalRequest), request
    assert_safe(request)
    assert request.caCertificateId == ca
    assert request.dryRun is (mode == "dry-run")
    assert request.source == "securityhub:finding"


@PROPERTY
@given(ca=ca_ids, preview=st.booleans(), count=st.integers(min_value=1, max_value=4))
def test_a_custom_action_on_findings_of_one_ca_requests_that_ca(ca, preview, count):
    finding = audit_finding(
        resources=[{"Type": "AwsIotCaCertificate", "Id": cacert_arn(ca), "Region": REGION}]
    )
    event = custom_action([finding] * count, action="PreviewIotCaRevoke" if preview else "RevokeIotCa")

    request = outcome(event)

    assert isinstance(request, CanonicalRequest), request
    assert (request.caCertificateId, request.dryRun, request.source) == (
        ca,
        preview,
        "securityhub:custom-action",
    )


# --------------------------------------------------------------------------------------- invalid inputs
@PROPERTY
@given(value=json_values | st.text(alphabet=string.hexdigits + "xg -/\n", min_size=60, max_size=70))
def test_a_ca_id_that_is_not_64_lowercase_hex_is_refused_by_name(value):
    assume(not (isinstance(value, str) and CA_ID.fullmatch(value)))

    error = outcome({"caCertificateId": value})

    assert isinstance(error, InvalidInput)
    assert error.field == "caCertificateId"
    assert_well_formed(error)


@PROPERTY
@given(
    value=json_values
    | st.sampled_from(["ACTIVE", "PENDING_TRANSFER", "PENDING_ACTIVATION", "REGISTER_INACTIVE"])
)
def test_a_target_status_other_than_revoked_or_inactive_is_refused_by_name(value):
    assume(value not in ("REVOKED", "INACTIVE"))

    error = outcome({"caCertificateId": "a" * 64, "targetStatus": value})

    assert isinstance(error, InvalidInput)
    assert error.field == "targetStatus"


@PROPERTY
@given(key=json_keys, value=json_values)
def test_an_unknown_field_is_refused_rather_than_ignored(key, value):
    assume(
        key
        not in ("caCertificateId", "dryRun", "targetStatus", "reason", "incidentId", "detail", "detail-type")
    )

    error = outcome({"caCertificateId": "a" * 64, key: value})

    assert isinstance(error, InvalidInput)
    assert_well_formed(error)


@PROPERTY
@given(raw=json_values)
def test_any_json_input_is_either_a_safe_request_or_refused_by_name(raw):
    result = outcome(raw)

    if isinstance(result, CanonicalRequest):
        assert_safe(result)
    else:
        assert_well_formed(result)


@PROPERTY
@given(
    source=st.sampled_from(["iot-ca-revoke", "aws.securityhub", "aws.guardduty", ""]),
    detail_type=st.sampled_from(
        [
            "IoT CA Revocation Requested",
            "Security Hub Findings - Imported",
            "Security Hub Findings - Custom Action",
            "Other",
        ]
    ),
    detail=json_values
    | st.fixed_dictionaries({"findings": st.lists(json_values | st.builds(audit_finding), max_size=3)})
    | st.fixed_dictionaries({"caCertificateId": json_values | ca_ids}, optional={"dryRun": json_values}),
    resources=st.lists(st.text(max_size=80), max_size=2),
)
def test_any_event_is_either_a_safe_request_or_refused_by_name(source, detail_type, detail, resources):
    event = {"source": source, "detail-type": detail_type, "detail": detail, "resources": resources}

    result = outcome(event)

    if isinstance(result, CanonicalRequest):
        assert_safe(result)
    else:
        assert_well_formed(result)


@PROPERTY
@given(
    finding=st.builds(audit_finding).flatmap(
        lambda base: st.fixed_dictionaries(
            {key: st.just(value) | json_values for key, value in base.items() if key != "SchemaVersion"}
        )
    )
)
def test_a_mangled_audit_finding_is_either_a_safe_request_or_refused_by_name(finding):
    result = outcome(imported([finding]))

    if isinstance(result, CanonicalRequest):
        assert_safe(result)
    else:
        assert_well_formed(result)
        assert result.field.startswith("detail.findings")


@pytest.mark.parametrize(
    "raw",
    [
        {"caCertificateId": "a" * 64, "": 1},
        {"caCertificateId": "a" * 64, "x\n\nIoT CA revocation VERIFIED": 1},
        custom_event({"caCertificateId": "a" * 64, "\x1b[2J": 1}),
        imported(
            [
                audit_finding(
                    resources=[],
                    ProductFields={"CheckName": CHECKS[0], "Ca-Certificate-Id" + "\n" * 5000: "not-a-ca"},
                )
            ]
        ),
    ],
    ids=["empty-key", "newline-key", "escape-key-in-custom-event", "huge-finding-key"],
)
def test_an_unknown_field_is_named_printably(raw):
    error = outcome(raw)

    assert isinstance(error, InvalidInput)
    assert error.field and error.field.isprintable() and len(error.field) <= 200
