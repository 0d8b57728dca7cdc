"""The 1,000,000-certificate cost projection of ``ca-revoke bench`` (cli.bench_cost): it scales what a run
measured by the quota and by the children that run and the projected one use."""

from __future__ import annotations

import pytest
from revocation_common.pacing import QUOTA_HEADROOM, expected_revocation_seconds

from cli.bench_cost import MEMORY_GB, MILLION, MeasuredUse, cost_projection
from contract.cdk_json import cdk_json_context

pytestmark = pytest.mark.unit

REVOKE = "RevokeCertificates"


def _revocation_run(certificates: int, quota: float, children: int) -> MeasuredUse:
    """A run whose children were each busy for the whole revocation at quota * QUOTA_HEADROOM."""
    seconds = certificates / (quota * QUOTA_HEADROOM)
    return MeasuredUse(
        certificates=certificates,
        quota_tps=quota,
        children=children,
        seconds_by_function={REVOKE: children * seconds},
        invocations=children,
        parent_transitions=20,
        child_transitions=children,
        batches=children,
        call_counts={"s3:GetObject": 16, "s3:PutObject": 8},
    )


@pytest.mark.parametrize(("quota", "children"), [(100.0, 2), (100.0, 3), (50.0, 1), (10.0, 1)])
def test_the_revocation_gb_seconds_are_one_child_busy_for_the_whole_run_at_the_default_quota(
    quota: float, children: int
) -> None:
    # cdk.json: 10 TPS and 100 ms, so one child carries the quota (pacing.fan_out).
    default_quota = float(cdk_json_context()["updateCertificateTps"])
    projection = cost_projection(_revocation_run(2000, quota, children))
    busy = expected_revocation_seconds(MILLION, default_quota) * MEMORY_GB[REVOKE]
    assert projection["children"] == 1
    assert projection["lambdaGbSeconds"] == pytest.approx(busy, rel=1e-3)
    assert projection["revocationHours"] == pytest.approx(
        expected_revocation_seconds(MILLION, default_quota) / 3600, abs=0.01
    )


def test_requests_and_s3_calls_scale_with_the_certificates() -> None:
    projection = cost_projection(_revocation_run(2000, 100.0, 2))
    assert projection["s3Requests"] == {"putCopyPostList": 8 * 500, "get": 16 * 500}
    # The Map's items at 1,000,000: one Lambda request each (the run's own requests were all children).
    assert projection["lambdaRequests"] == projection["batches"]
    total = projection["usdStateTransitions"] + projection["usdLambda"] + projection["usdS3"]
    assert projection["usdTotal"] == pytest.approx(total, abs=0.01)
