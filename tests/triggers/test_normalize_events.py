"""NormalizeInput on every sample event: the canonical request, or a refusal naming the field."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from normalize_input.findings import CA_CHECK_NAMES, Deployment
from normalize_input.normalize import normalize
from revocation_common.errors import AutomaticResponseDisabled, InvalidInput
from revocation_common.settings import TaskSettings

from tests.support.events import ACCOUNT, REGION, SAMPLE_CA, load_event

DEPLOYMENT = Deployment(account=ACCOUNT, region=REGION)
SETTINGS = TaskSettings(
    report_bucket="reports",
    update_certificate_tps=10,
    list_certificates_tps=10,
    revoke_max_concurrency=10,
    default_target_status="REVOKED",
    automatic_response_mode="dry-run",
    list_time_budget_seconds=780,
    lock_table="locks",
    security_hub_check_names=CA_CHECK_NAMES,
)


@pytest.mark.parametrize(
    "name",
    [
        "securityhub-imported-revoked-ca.json",
        "securityhub-imported-ca-key-quality.json",
        "securityhub-imported-bare-ca-id.json",
    ],
)
@pytest.mark.parametrize(("mode", "dry_run"), [("dry-run", True), ("enforce", False)])
def test_imported_findings_follow_the_automatic_response_mode(name: str, mode: str, dry_run: bool) -> None:
    event = load_event(name)
    request = normalize(event, replace(SETTINGS, automatic_response_mode=mode), DEPLOYMENT)
    assert request.caCertificateId == SAMPLE_CA
    assert request.dryRun is dry_run
    assert request.targetStatus == "REVOKED"
    assert request.source == "securityhub:finding"
    assert request.incidentId == event["id"]
    finding = event["detail"]["findings"][0]
    assert finding["ProductFields"]["CheckName"] in request.reason
    assert finding["Id"] in request.reason


def test_mode_off_refuses_findings_but_not_people() -> None:
    off = replace(SETTINGS, automatic_response_mode="off")
    with pytest.raises(AutomaticResponseDisabled, match=SAMPLE_CA):
        normalize(load_event("securityhub-imported-revoked-ca.json"), off, DEPLOYMENT)
    assert normalize(load_event("securityhub-custom-action.json"), off, DEPLOYMENT).dryRun is False
    assert normalize({"caCertificateId": SAMPLE_CA}, off, DEPLOYMENT).dryRun is False


def test_custom_actions_choose_the_mode() -> None:
    event = load_event("securityhub-custom-action.json")
    revoke = normalize(event, SETTINGS, DEPLOYMENT)
    assert (revoke.caCertificateId, revoke.dryRun, revoke.source) == (
        SAMPLE_CA,
        False,
        "securityhub:custom-action",
    )
    assert "Revoke IoT CA" in revoke.reason
    event["resources"] = [f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/PreviewIotCaRevoke"]
    assert normalize(event, SETTINGS, DEPLOYMENT).dryRun is True


def test_custom_action_on_findings_of_one_ca_is_accepted_and_of_two_refused() -> None:
    event = load_event("securityhub-custom-action.json")
    same = copy.deepcopy(load_event("securityhub-imported-ca-key-quality.json")["detail"]["findings"][0])
    event["detail"]["findings"].append(same)
    assert normalize(event, SETTINGS, DEPLOYMENT).caCertificateId == SAMPLE_CA
    other = copy.deepcopy(same)
    other["ProductFields"]["CACertificateId"] = "ab" * 32
    other["Resources"][0]["Id"] = "ab" * 32
    event["detail"]["findings"].append(other)
    with pytest.raises(InvalidInput, match="2 different CA certificates") as refused:
        normalize(event, SETTINGS, DEPLOYMENT)
    assert refused.value.field == "detail.findings"


def test_custom_event_is_the_senders_choice() -> None:
    event = load_event("custom-event.json")
    request = normalize(event, SETTINGS, DEPLOYMENT)
    assert (request.caCertificateId, request.dryRun, request.incidentId, request.source) == (
        SAMPLE_CA,
        False,
        "INC-2041",
        "eventbridge:custom",
    )
    event["detail"]["dryRun"] = True
    assert normalize(event, SETTINGS, DEPLOYMENT).dryRun is True
    event["detail"]["dryrun"] = True
    with pytest.raises(InvalidInput) as refused:
        normalize(event, SETTINGS, DEPLOYMENT)
    assert refused.value.field == "detail.dryrun"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("near-miss-other-check.json", "detail.findings[0].ProductFields.CheckName"),
        ("near-miss-ca-expiring-check.json", "detail.findings[0].ProductFields.CheckName"),
        ("near-miss-intermediate-ca-check.json", "detail.findings[0].ProductFields.CheckName"),
        ("near-miss-archived.json", "detail.findings[0].RecordState"),
        ("near-miss-workflow-notified.json", "detail.findings[0].Workflow.Status"),
        ("near-miss-workflow-suppressed.json", "detail.findings[0].Workflow.Status"),
        ("near-miss-check-summary.json", "detail.findings[0].ProductFields.ReportType"),
        ("near-miss-aggregated-other-region.json", "detail.findings[0].Region"),
        ("near-miss-other-account.json", "detail.findings[0].AwsAccountId"),
        ("near-miss-finding-other-account.json", "detail.findings[0].AwsAccountId"),
        ("near-miss-finding-other-region.json", "detail.findings[0].Region"),
        ("near-miss-product-arn-other-region.json", "detail.findings[0].ProductArn"),
        ("near-miss-other-partition.json", "detail.findings[0].ProductArn"),
        ("near-miss-envelope-other-account.json", "account"),
        ("near-miss-envelope-other-region.json", "region"),
        ("near-miss-custom-event-other-account.json", "account"),
        ("near-miss-custom-product.json", "detail.findings[0].ProductArn"),
        ("near-miss-detect-violation.json", "detail.findings[0].ProductArn"),
        ("near-miss-other-custom-action.json", "resources"),
        ("near-miss-custom-event-other-source.json", "detail-type"),
    ],
)
def test_near_misses_are_refused_naming_the_field(name: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize(load_event(name), replace(SETTINGS, automatic_response_mode="enforce"), DEPLOYMENT)
    assert refused.value.field == field


def test_a_ca_of_another_region_is_refused_even_from_an_analyst() -> None:
    event = load_event("securityhub-custom-action.json")
    finding = event["detail"]["findings"][0]
    finding["Resources"][0]["Id"] = finding["Resources"][0]["Id"].replace(REGION, "eu-west-1")
    with pytest.raises(InvalidInput, match="Region eu-west-1") as refused:
        normalize(event, SETTINGS, DEPLOYMENT)
    assert refused.value.field == "detail.findings[0].Resources[0].Id"


def test_a_check_the_deployment_left_out_is_refused() -> None:
    only_revoked = replace(SETTINGS, security_hub_check_names=("REVOKED_CA_CERTIFICATE_STILL_ACTIVE_CHECK",))
    assert normalize(load_event("securityhub-imported-revoked-ca.json"), only_revoked, DEPLOYMENT)
    with pytest.raises(InvalidInput, match="CheckName"):
        normalize(load_event("securityhub-imported-ca-key-quality.json"), only_revoked, DEPLOYMENT)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda f: f.update(Resources=[{"Type": "Other", "Id": "not-a-ca"}]), "detail.findings[0].Resources"),
        (
            lambda f: f["ProductFields"].update(CaCertificateId="xyz"),
            "detail.findings[0].ProductFields.CaCertificateId",
        ),
        (lambda f: f.pop("Workflow") and f.update(WorkflowState="NEW"), None),
    ],
)
def test_how_a_finding_names_its_ca(mutate, field) -> None:
    event = load_event("securityhub-imported-revoked-ca.json")
    mutate(event["detail"]["findings"][0])
    if field is None:
        assert normalize(event, SETTINGS, DEPLOYMENT).caCertificateId == SAMPLE_CA
        return
    with pytest.raises(InvalidInput) as refused:
        normalize(event, SETTINGS, DEPLOYMENT)
    assert refused.value.field == field


@pytest.mark.parametrize("findings", [None, [], "x", [1]])
def test_malformed_findings_are_refused(findings) -> None:
    event = load_event("securityhub-imported-revoked-ca.json")
    event["detail"]["findings"] = findings
    with pytest.raises(InvalidInput) as refused:
        normalize(event, SETTINGS, DEPLOYMENT)
    assert refused.value.field == "detail.findings"


def test_a_finding_forwarded_from_another_region_of_the_app_is_accepted_where_its_ca_is() -> None:
    # The us-east-1 stack forwards an eu-west-1 finding to eu-west-1's bus (infra/triggers.py); EventBridge
    # keeps the envelope's region, where the event originated ("Sending and receiving events between AWS
    # Regions in Amazon EventBridge"), so the envelope says us-east-1 and the finding eu-west-1.
    event = load_event("securityhub-imported-aggregated-eu-west-1.json")
    assert event["region"] == "us-east-1" != event["detail"]["findings"][0]["Region"]
    eu_west_1 = Deployment(account=ACCOUNT, region="eu-west-1")
    app = replace(SETTINGS, deployment_regions=("us-east-1", "eu-west-1"))

    request = normalize(copy.deepcopy(event), app, eu_west_1)
    assert request.dryRun is True  # dry run by default, as for a finding of its own Region

    # One Region only (no forwarding), or an envelope from a Region the app does not deploy to: refused.
    for settings, envelope in ((SETTINGS, "us-east-1"), (app, "ap-southeast-2")):
        refused_event = copy.deepcopy(event) | {"region": envelope}
        with pytest.raises(InvalidInput) as refused:
            normalize(refused_event, settings, eu_west_1)
        assert refused.value.field == "region"
    # Forwarded to a Region that is not the finding's: the finding's own Region check refuses it.
    with pytest.raises(InvalidInput) as refused:
        normalize(copy.deepcopy(event), app, Deployment(account=ACCOUNT, region="us-east-1"))
    assert refused.value.field == "detail.findings[0].Region"
    # A custom event is never forwarded: its envelope must be this Region's.
    custom = load_event("custom-event.json") | {"region": "us-east-1"}
    with pytest.raises(InvalidInput) as refused:
        normalize(custom, app, eu_west_1)
    assert refused.value.field == "region"
