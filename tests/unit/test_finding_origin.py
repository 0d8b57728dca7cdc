"""normalize_input.findings: which findings name a CA of this deployment (issue 12, item 5)."""

from __future__ import annotations

import copy
import json

import pytest
from normalize_input.findings import Deployment, single_ca
from revocation_common.errors import InvalidInput

from contract.paths import REPO_ROOT

pytestmark = pytest.mark.unit

SAMPLE = json.loads((REPO_ROOT / "tests/events/securityhub-imported-bare-ca-id.json").read_text())
FINDING = SAMPLE["detail"]["findings"][0]
CA = FINDING["Resources"][0]["Id"]
HERE = Deployment(account="123456789012", region="us-east-1", partition="aws")


def _finding(**changes: object) -> dict:
    finding = copy.deepcopy(FINDING)
    finding.update(changes)
    return finding


def test_a_bare_id_names_the_ca_when_the_resource_type_is_a_ca_certificate() -> None:
    assert single_ca([_finding()], "detail.findings", HERE) == CA


@pytest.mark.parametrize("resource_type", ["AwsIotCertificate", "Other", None])
def test_a_bare_id_of_another_resource_type_names_no_ca(resource_type: object) -> None:
    finding = _finding()
    finding["Resources"][0]["Type"] = resource_type
    with pytest.raises(InvalidInput) as refused:
        single_ca([finding], "detail.findings", HERE)
    assert refused.value.field == "detail.findings[0].Resources"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"AwsAccountId": "210987654321"}, "detail.findings[0].AwsAccountId"),
        ({"Region": "eu-west-1"}, "detail.findings[0].Region"),
        (
            {"ProductArn": "arn:aws:securityhub:eu-west-1::product/aws/iot-device-defender-audit"},
            "detail.findings[0].ProductArn",
        ),
        (
            {"ProductArn": "arn:aws-us-gov:securityhub:us-east-1::product/aws/iot-device-defender-audit"},
            "detail.findings[0].ProductArn",
        ),
    ],
)
def test_a_finding_of_another_account_region_or_partition_is_refused(changes: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        single_ca([_finding(**changes)], "detail.findings", HERE)
    assert refused.value.field == field


def test_a_cacert_arn_of_another_partition_is_refused() -> None:
    finding = _finding()
    finding["Resources"][0]["Id"] = f"arn:aws-cn:iot:us-east-1:123456789012:cacert/{CA}"
    with pytest.raises(InvalidInput) as refused:
        single_ca([finding], "detail.findings", HERE)
    assert refused.value.field == "detail.findings[0].Resources[0].Id"


def test_the_deployment_reads_its_partition_from_the_state_machine_arn() -> None:
    assert Deployment.from_state_machine_arn(
        "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:iot-ca-revocation"
    ) == Deployment(account="123456789012", region="cn-north-1", partition="aws-cn")
